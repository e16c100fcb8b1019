"""Keras 2.2.4's utils modules: generic_utils, layer_utils, conv_utils, vis_utils."""
import numpy as np
import pytest

from kernelkit import layers as L
from kernelkit.models import Model, Sequential
from kernelkit.utils import conv_utils, generic_utils, layer_utils, vis_utils


def window_positions(length, size, padding, stride, dilation):
    """Count the output positions of a convolution by sliding the window over a padded input."""
    span = (size - 1) * dilation + 1
    if padding == "valid":
        padded = length
    elif padding in ("same", "causal"):
        padded = length + max((-(-length // stride) - 1) * stride + span - length, 0)
    else:  # full
        padded = length + 2 * (span - 1)
    return sum(1 for start in range(0, padded, stride) if start + span <= padded)


@pytest.mark.parametrize("padding", ["valid", "same", "causal", "full"])
def test_conv_output_length_counts_window_positions(padding):
    for length in range(1, 14):
        for size in range(1, 5):
            for stride in range(1, 4):
                for dilation in range(1, 3):
                    got = conv_utils.conv_output_length(length, size, padding, stride, dilation)
                    expected = window_positions(length, size, padding, stride, dilation)
                    if padding == "valid" and (size - 1) * dilation + 1 > length:
                        assert got <= 0  # no window fits; Keras returns 0 or less, as we do
                        continue
                    assert got == expected, (length, size, padding, stride, dilation)
    assert conv_utils.conv_output_length(None, 3, padding, 1) is None


def test_conv_input_and_deconv_lengths_invert_the_forward_length():
    for length in range(1, 10):
        for size in (1, 2, 3):
            for stride in (1, 2, 3):
                for padding in ("valid", "same"):
                    out = conv_utils.conv_output_length(length, size, padding, stride)
                    back = conv_utils.deconv_length(out, stride, size, padding, None)
                    # a transposed conv maps the output length back to the longest input that
                    # gives it
                    assert conv_utils.conv_output_length(back, size, padding, stride) == out
    assert conv_utils.conv_input_length(4, 3, "valid", 1) == 6
    assert conv_utils.conv_input_length(4, 3, "same", 2) == 7
    assert conv_utils.deconv_length(5, 2, 3, "same", 1) == 10
    assert conv_utils.deconv_length(None, 2, 3, "same", None) is None


def test_deconv_length_matches_conv2d_transpose_shapes():
    for stride in (1, 2):
        for padding in ("valid", "same"):
            layer = L.Conv2DTranspose(2, 3, strides=stride, padding=padding)
            out = layer.compute_output_shape((None, 5, 6, 1))
            assert out[1] == conv_utils.deconv_length(5, stride, 3, padding, None)
            assert out[2] == conv_utils.deconv_length(6, stride, 3, padding, None)


def test_normalize_tuple_padding_and_errors():
    assert conv_utils.normalize_tuple(3, 2, "strides") == (3, 3)
    assert conv_utils.normalize_tuple([1, 2], 2, "strides") == (1, 2)
    with pytest.raises(ValueError, match="strides"):
        conv_utils.normalize_tuple((1, 2, 3), 2, "strides")
    with pytest.raises(ValueError, match="kernel_size"):
        conv_utils.normalize_tuple((1, 2.5), 2, "kernel_size")
    assert conv_utils.normalize_padding("SAME") == "same"
    with pytest.raises(ValueError, match="padding"):
        conv_utils.normalize_padding("full")
    assert conv_utils.normalize_data_format("channels_first") == "channels_first"


def test_convert_kernel_flips_spatial_axes_only():
    kernel = np.arange(3 * 4 * 2 * 5).reshape(3, 4, 2, 5)
    flipped = conv_utils.convert_kernel(kernel)
    for i in range(3):
        for j in range(4):
            np.testing.assert_array_equal(flipped[i, j], kernel[2 - i, 3 - j])
    np.testing.assert_array_equal(conv_utils.convert_kernel(flipped), kernel)
    with pytest.raises(ValueError, match="Invalid kernel shape"):
        conv_utils.convert_kernel(np.zeros((10, 20)))


def test_convert_all_kernels_in_model_flips_conv_kernels_and_leaves_dense():
    model = Sequential([L.Conv2D(2, 3, input_shape=(5, 5, 1)), L.Flatten(), L.Dense(2)])
    before = [w.copy() for w in model.get_weights()]
    layer_utils.convert_all_kernels_in_model(model)
    after = model.get_weights()
    np.testing.assert_array_equal(after[0], before[0][::-1, ::-1])
    for b, a in zip(before[1:], after[1:]):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("target", ["channels_first", "channels_last"])
def test_convert_dense_weights_data_format_against_a_loop(target):
    rng = np.random.default_rng(0)
    shape = (2, 3, 4)  # in the target format
    dense = L.Dense(5)
    dense.build((None, 24))
    kernel, bias = rng.normal(size=(24, 5)).astype("float32"), np.zeros(5, "float32")
    dense.set_weights([kernel, bias])
    layer_utils.convert_dense_weights_data_format(dense, shape, target)
    expected = kernel.copy()
    for i in range(5):
        if target == "channels_first":
            c, h, w = shape
            column = np.transpose(kernel[:, i].reshape(h, w, c), (2, 0, 1))
        else:
            h, w, c = shape
            column = np.transpose(kernel[:, i].reshape(c, h, w), (1, 2, 0))
        expected[:, i] = column.reshape(-1)
    np.testing.assert_array_equal(dense.get_weights()[0], expected)
    with pytest.raises(ValueError, match="target_data_format"):
        layer_utils.convert_dense_weights_data_format(dense, shape, "nchw")


def test_count_params_print_summary_and_source_inputs():
    inputs = L.Input((4,))
    hidden = L.Dense(3)(inputs)
    model = Model(inputs, L.Dense(2)(hidden))
    assert layer_utils.count_params(model.trainable_weights) == 4 * 3 + 3 + 3 * 2 + 2
    assert layer_utils.count_params(model.trainable_weights * 2) == 23  # each weight once
    lines, summary = [], []
    layer_utils.print_summary(model, print_fn=lines.append)
    model.summary(print_fn=summary.append)
    assert lines == summary and any("Total params: 23" in l for l in lines)
    assert layer_utils.get_source_inputs(model.output) == [inputs]


def test_generic_list_helpers():
    assert generic_utils.to_list(1) == [1] and generic_utils.to_list([1]) == [1]
    assert generic_utils.to_list((1, 2)) == [(1, 2)]
    assert generic_utils.to_list((1, 2), allow_tuple=True) == [1, 2]
    assert generic_utils.unpack_singleton([7]) == 7
    assert generic_utils.unpack_singleton([7, 8]) == [7, 8]
    assert generic_utils.is_all_none([None, None]) and not generic_utils.is_all_none([None, 0])
    a, b = object(), object()
    assert generic_utils.object_list_uid([a, b]) == f"{abs(id(a))}, {abs(id(b))}"
    x, y = np.arange(10), np.arange(10, 20)
    sliced = generic_utils.slice_arrays([x, None, y], 2, 5)
    np.testing.assert_array_equal(sliced[0], [2, 3, 4])
    assert sliced[1] is None
    np.testing.assert_array_equal(generic_utils.slice_arrays(y, np.array([0, 9])), [10, 19])
    assert generic_utils.slice_arrays(None) == [None]
    assert generic_utils.transpose_shape((None, 8, 9, 3), "channels_first", [1, 2]) == \
        (None, 3, 8, 9)
    assert generic_utils.transpose_shape([None, 8, 3], "channels_last", [1]) == [None, 8, 3]


def test_has_arg():
    def f(a, b=1, *args, c=2, **kwargs):
        pass

    assert generic_utils.has_arg(f, "b") and generic_utils.has_arg(f, "c")
    assert not generic_utils.has_arg(f, "args") and not generic_utils.has_arg(f, "zz")
    assert generic_utils.has_arg(f, "zz", accept_all=True)


def test_func_dump_and_load_round_trip():
    scale = 3.0

    def scaled(x, offset=1.0):
        return x * scale + offset

    restored = generic_utils.func_load(generic_utils.func_dump(scaled))
    assert restored(2.0) == 7.0 and restored(2.0, offset=0.0) == 6.0
    with pytest.raises(ValueError, match="bytecode"):
        generic_utils.func_load("bm90IGNvZGU=\n")


def test_serialize_and_deserialize_keras_object():
    layer = L.Dense(3, name="d")
    config = generic_utils.serialize_keras_object(layer)
    assert config["class_name"] == "Dense" and config["config"]["units"] == 3
    rebuilt = generic_utils.deserialize_keras_object(config, module_objects={"Dense": L.Dense})
    assert isinstance(rebuilt, L.Dense) and rebuilt.units == 3

    def my_metric(y_true, y_pred):
        return y_pred

    assert generic_utils.serialize_keras_object(my_metric) == "my_metric"
    assert generic_utils.deserialize_keras_object(
        "my_metric", custom_objects={"my_metric": my_metric}) is my_metric
    with generic_utils.custom_object_scope({"my_metric": my_metric}):
        assert generic_utils.deserialize_keras_object("my_metric") is my_metric
    with pytest.raises(ValueError, match="Unknown metric: nothing"):
        generic_utils.deserialize_keras_object("nothing", printable_module_name="metric")
    with pytest.raises(ValueError, match="Improper config"):
        generic_utils.deserialize_keras_object({"class_name": "Dense"})


def test_vis_utils_draws_the_model(tmp_path):
    model = Sequential([L.Dense(2, input_shape=(3,), name="only")])
    assert "only" in vis_utils.model_to_dot(model).source
    vis_utils.plot_model(model, to_file=str(tmp_path / "m.svg"))
    assert (tmp_path / "m.svg").read_text().lstrip().startswith("<")


def test_multi_gpu_model_fails_as_keras_does_without_gpus():
    from kernelkit.utils import multi_gpu_model
    model = Sequential([L.Dense(2, input_shape=(3,))])
    with pytest.raises(ValueError, match="gpus >= 2"):
        multi_gpu_model(model, gpus=1)
    with pytest.raises(ValueError, match="CPU only"):
        multi_gpu_model(model, gpus=2)


def test_func_load_takes_keras_2_2_4_positional_closure():
    def outer():
        z = 10

        def f(x, y=2):
            return x * 3 + y + z
        return f

    code, defaults, closure = generic_utils.func_dump(outer())
    assert generic_utils.func_load(code, defaults, closure)(1) == 15
    assert generic_utils.func_load((code, defaults, closure))(1) == 15
