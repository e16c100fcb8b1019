"""Keras 2 text summaries of hand-built tables, against exact expected strings."""
import pytest

from kernelkit.display import summary_text
from kernelkit.display.summary_text import SummaryRow, SummaryTable, format_bytes, format_shape


def mlp_table():
    # Sequential([Dense(50, input_shape=(784,)), Dense(50), Dense(10)])
    return SummaryTable("sequential", rows=[
        SummaryRow("dense", "Dense", (None, 50), 784 * 50 + 50, weight_bytes=39250 * 4),
        SummaryRow("dense_1", "Dense", (None, 50), 50 * 50 + 50, weight_bytes=2550 * 4),
        SummaryRow("dense_2", "Dense", (None, 10), 50 * 10 + 10, weight_bytes=510 * 4),
    ], total_params=42310, trainable_params=42310, non_trainable_params=0)


MLP_SUMMARY = "\n".join([
    'Model: "sequential"',
    "_________________________________________________________________",
    "Layer (type)                 Output Shape              Param #   ",
    "=================================================================",
    "dense (Dense)                (None, 50)                39250     ",
    "_________________________________________________________________",
    "dense_1 (Dense)              (None, 50)                2550      ",
    "_________________________________________________________________",
    "dense_2 (Dense)              (None, 10)                510       ",
    "=================================================================",
    "Total params: 42,310",
    "Trainable params: 42,310",
    "Non-trainable params: 0",
    "_________________________________________________________________",
])


def two_input_table():
    # input_1 -> dense -> concatenate(dense, input_2) -> out
    return SummaryTable("model", is_graph=True, rows=[
        SummaryRow("input_1", "InputLayer", [(None, 784)], 0),
        SummaryRow("input_2", "InputLayer", [(None, 10)], 0),
        SummaryRow("dense", "Dense", (None, 32), 25120, ["input_1[0][0]"]),
        SummaryRow("concatenate", "Concatenate", (None, 42), 0,
                   ["dense[0][0]", "input_2[0][0]"]),
        SummaryRow("out", "Dense", (None, 1), 43, ["concatenate[0][0]"]),
    ], total_params=25163, trainable_params=25163, non_trainable_params=0)


TWO_INPUT_SUMMARY = "\n".join([
    'Model: "model"',
    "_" * 98,
    "Layer (type)                    Output Shape         Param #     Connected to                     ",
    "=" * 98,
    "input_1 (InputLayer)            [(None, 784)]        0                                            ",
    "_" * 98,
    "input_2 (InputLayer)            [(None, 10)]         0                                            ",
    "_" * 98,
    "dense (Dense)                   (None, 32)           25120       input_1[0][0]                    ",
    "_" * 98,
    "concatenate (Concatenate)       (None, 42)           0           dense[0][0]                      ",
    "                                                                 input_2[0][0]                    ",
    "_" * 98,
    "out (Dense)                     (None, 1)            43          concatenate[0][0]                ",
    "=" * 98,
    "Total params: 25,163",
    "Trainable params: 25,163",
    "Non-trainable params: 0",
    "_" * 98,
])


def test_sequential_summary_matches_keras_2():
    assert summary_text.to_string(mlp_table()) == MLP_SUMMARY


def test_graph_summary_has_connections_one_per_line():
    assert summary_text.to_string(two_input_table()) == TWO_INPUT_SUMMARY


def test_render_calls_print_fn_once_per_line():
    lines = []
    assert summary_text.render(mlp_table(), print_fn=lines.append) is None
    assert lines == MLP_SUMMARY.split("\n")


def test_render_prints_by_default(capsys):
    summary_text.render(mlp_table())
    assert capsys.readouterr().out == MLP_SUMMARY + "\n"


def test_relative_positions_scale_with_line_length():
    lines = summary_text.summary_lines(mlp_table(), line_length=80, positions=[0.5, 0.8, 1.0])
    assert lines[1] == "_" * 80
    # columns end at 40, 64 and 80
    assert lines[2] == "Layer (type)" + " " * 28 + "Output Shape" + " " * 12 + "Param #" + " " * 9
    assert lines[4] == "dense (Dense)" + " " * 27 + "(None, 50)" + " " * 14 + "39250" + " " * 11


def test_absolute_positions_are_used_as_given():
    lines = summary_text.summary_lines(mlp_table(), positions=[20, 40, 50])
    assert lines[1] == "_" * 65  # rules keep the default line length, as in Keras
    assert lines[2] == "Layer (type)        Output Shape        Param #   "
    assert lines[4] == "dense (Dense)       (None, 50)          39250     "


def test_long_cells_are_cut_like_keras_2():
    table = SummaryTable("m", rows=[
        SummaryRow("a_very_long_layer_name_that_overflows", "Dense", (None, 50), 10)])
    line = summary_text.summary_lines(table)[4]
    assert line == "a_very_long_layer_name_that_ (None, 50)                10        "


def test_wrap_overflow_keeps_every_character():
    name = "a_very_long_layer_name_that_overflows"
    table = SummaryTable("m", rows=[SummaryRow(name, "Dense", (None, 50), 10)])
    lines = summary_text.summary_lines(table, overflow="wrap")
    body = lines[4:lines.index("=" * 65, 4)]
    assert len(body) > 1 and all(len(line) == 65 for line in body)
    first_column = "".join(line[:29].strip() for line in body)
    assert first_column == name + " (Dense)"


def test_wrap_breaks_after_a_shape_in_a_list():
    shapes = [(None, 1000, 1000), (None, 2000, 2000)]
    table = SummaryTable("m", rows=[SummaryRow("concat", "Concatenate", shapes, 0)])
    body = summary_text.summary_lines(table, overflow="wrap")[4:6]
    assert body[0][29:55].rstrip() == "[(None, 1000, 1000),"
    assert body[1][29:55].rstrip() == "(None, 2000, 2000)]"


def test_narrow_terminal_narrows_the_default_line():
    lines = summary_text.summary_lines(mlp_table(), terminal_width=50)
    assert lines[1] == "_" * 50
    assert all(len(line) <= 50 for line in lines)
    # wide terminals keep Keras's width; explicit line_length wins; never below 40
    assert summary_text.summary_lines(mlp_table(), terminal_width=200)[1] == "_" * 65
    assert summary_text.summary_lines(mlp_table(), 70, terminal_width=50)[1] == "_" * 70
    assert summary_text.summary_lines(mlp_table(), terminal_width=10)[1] == "_" * 40


def test_render_asks_the_terminal_only_when_printing_to_stdout(monkeypatch, capsys):
    monkeypatch.setattr(summary_text, "detect_terminal_width", lambda: 50)
    summary_text.render(mlp_table())
    assert capsys.readouterr().out.split("\n")[1] == "_" * 50
    lines = []
    summary_text.render(mlp_table(), print_fn=lines.append)
    assert lines[1] == "_" * 65


def test_terminal_width_is_unknown_when_stdout_is_captured(capsys):
    assert summary_text.detect_terminal_width() is None


def test_wrong_number_of_positions_is_explained():
    with pytest.raises(ValueError, match="3 columns"):
        summary_text.to_string(mlp_table(), positions=[0.5, 1.0])


def test_show_trainable_adds_a_column():
    table = mlp_table()
    table.rows[0].trainable = False
    lines = summary_text.summary_lines(table, show_trainable=True)
    assert lines[1] == "_" * 76
    assert lines[2] == "Layer (type)                 Output Shape              Param #   Trainable  "
    assert lines[4].endswith("39250     N          ")
    assert lines[6].endswith("2550      Y          ")


def nested_table():
    inner = SummaryRow("encoder", "Functional", (None, 8), 6280, depth=0, children=[
        SummaryRow("enc_in", "InputLayer", [(None, 784)], 0, depth=1),
        SummaryRow("enc_dense", "Dense", (None, 8), 6280, depth=1),
    ])
    return SummaryTable("autoencoder", rows=[
        inner, SummaryRow("decoder", "Dense", (None, 784), 7056)])


def test_nested_rows_are_framed_when_expanded():
    lines = summary_text.summary_lines(nested_table(), expand_nested=True)
    assert lines[4] == "encoder (Functional)         (None, 8)                 6280      "
    assert lines[5] == "|" + "¯" * 63 + "|"
    assert lines[6] == "|enc_in (InputLayer)         [(None, 784)]             0        |"
    assert lines[7] == "|" + "_" * 63 + "|"
    assert lines[8] == "|enc_dense (Dense)           (None, 8)                 6280     |"
    assert lines[9] == "¯" * 65
    assert lines[10] == "_" * 65
    assert lines[11].startswith("decoder (Dense)")
    assert all(len(line) == 65 for line in lines[1:12])
    # nested columns stay aligned with the header's
    assert lines[6].index("[(None, 784)]") == lines[2].index("Output Shape")


def test_nested_rows_are_hidden_by_default():
    text = summary_text.to_string(nested_table())
    assert "enc_dense" not in text and "encoder (Functional)" in text


def test_totals_default_to_the_rows_and_can_show_memory():
    table = mlp_table()
    table.rows[2].trainable = False
    table.total_params = table.trainable_params = table.non_trainable_params = None
    lines = summary_text.summary_lines(table, show_memory=True)
    assert lines[-4:-1] == ["Total params: 42,310 (165.27 KB)",
                            "Trainable params: 41,800 (163.28 KB)",
                            "Non-trainable params: 510 (1.99 KB)"]


def test_params_given_as_text_are_shown_as_is():
    table = SummaryTable("m", rows=[SummaryRow("unused", "Dense", "multiple", "0 (unused)")])
    assert summary_text.summary_lines(table)[4] == (
        "unused (Dense)               multiple                  0 (unused)")


@pytest.mark.parametrize("shape, text", [
    ((None, 50), "(None, 50)"), ((None,), "(None,)"), ([(None, 784)], "[(None, 784)]"),
    ([(None, 1), (None, 2)], "[(None, 1), (None, 2)]"), ("multiple", "multiple"), (None, "?"),
])
def test_shapes_print_as_in_keras(shape, text):
    assert format_shape(shape) == text


@pytest.mark.parametrize("num_bytes, text", [
    (512, "512 B"), (157000, "153.32 KB"), (1024, "1.00 KB"), (3 * 2 ** 19, "1.50 MB"),
    (None, ""),
])
def test_bytes_read_as_kb_and_mb(num_bytes, text):
    assert format_bytes(num_bytes) == text
