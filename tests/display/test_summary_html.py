"""The HTML summary: escaping, nested rows that fold, frozen layers, counts and memory."""
from html.parser import HTMLParser

from kernelkit.display import summary_html
from kernelkit.display.summary_text import SummaryRow, SummaryTable

VOID = {"br", "img", "hr", "meta", "input", "col"}


class _Structure(HTMLParser):
    """Collects tags and text, and checks that every element is closed in order."""

    def __init__(self):
        super().__init__()
        self.stack, self.tags, self.text, self.errors = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def parse(html):
    parser = _Structure()
    parser.feed(html)
    parser.close()
    assert parser.errors == [] and parser.stack == []
    return parser


def sample_table():
    nested = SummaryRow("encoder", "Functional", (None, 8), 6280, children=[
        SummaryRow("enc_dense", "Dense", (None, 8), 6280, weight_bytes=6280 * 4, depth=1),
    ], weight_bytes=6280 * 4)
    return SummaryTable("autoencoder", rows=[
        SummaryRow("input_1", "InputLayer", [(None, 784)], 0, weight_bytes=0),
        nested,
        SummaryRow("bn", "BatchNormalization", (None, 8), 32, trainable=False, weight_bytes=128),
        SummaryRow("decoder", "Dense", (None, 784), 7056, weight_bytes=7056 * 4),
    ], total_params=13368, trainable_params=13336, non_trainable_params=32)


def test_html_is_well_formed_and_has_no_script():
    html = summary_html.render(sample_table())
    parsed = parse(html)
    assert "script" not in {tag for tag, _ in parsed.tags}
    assert html.startswith("<div") and html.rstrip().endswith("</div>")


def test_names_are_escaped():
    evil = '<script>alert("x")</script>'
    table = SummaryTable(evil, is_graph=True, rows=[
        SummaryRow(evil, "A&B", "<shape>", 1, connected_to=[evil + "[0][0]"])])
    html = summary_html.render(table)
    assert "<script>" not in html
    parsed = parse(html)
    text = "".join(parsed.text)
    assert evil in text and "A&B" in text and "<shape>" in text
    assert text.count(evil) == 3  # title, row name, connection


def test_nested_rows_fold_in_details():
    html = summary_html.render(sample_table())
    parsed = parse(html)
    tags = [tag for tag, _ in parsed.tags]
    assert tags.count("details") == 1 and tags.count("summary") == 1
    details_at = html.index("<details")
    assert html.index("enc_dense") > details_at
    assert html.index("</details>") > html.index("enc_dense")
    assert not any("open" in attrs for tag, attrs in parsed.tags if tag == "details")
    opened = parse(summary_html.render(sample_table(), expand_nested=True))
    assert all("open" in attrs for tag, attrs in opened.tags if tag == "details")


def test_frozen_layers_are_marked():
    html = summary_html.render(sample_table())
    rows = [chunk for chunk in html.split("<tr") if "(BatchNormalization)" in chunk]
    assert len(rows) == 1 and "frozen" in rows[0]
    others = [chunk for chunk in html.split("<tr") if "(Dense)" in chunk]
    assert others and not any("frozen" in chunk for chunk in others)


def test_counts_have_separators_and_memory_is_readable():
    text = "".join(parse(summary_html.render(sample_table())).text)
    assert "7,056" in text and "13,368" in text and "13,336" in text
    assert "27.56 KB" in text  # 7056 float32 weights: 28,224 bytes
    assert "128 B" in text
    assert "52.22 KB" in text  # all weights: (6280 + 7056) * 4 + 128 bytes


def test_graph_tables_show_connections():
    table = SummaryTable("m", is_graph=True, rows=[
        SummaryRow("add", "Add", (None, 4), 0, connected_to=["a[0][0]", "b[0][0]"])])
    html = summary_html.render(table)
    assert "Connected to" in html and "a[0][0]<br>b[0][0]" in html
    assert "Connected to" not in summary_html.render(SummaryTable("s", rows=table.rows))
