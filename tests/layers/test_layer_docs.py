"""layer_docs: shared docstring blocks land in the conv and pooling layers' docstrings, indented
under Arguments:, naming every constructor argument; a missing placeholder is an error."""
import inspect

import pytest

import kernelkit.layers as L
from kernelkit.layers.layer_docs import WEIGHT_ARGUMENTS, fill_docstring, pooling_details


def test_fill_docstring_indents_the_block_as_its_line():
    @fill_docstring(block="a: one\n    more\nb: two")
    class Thing:
        """Summary.

        Arguments:
            {block}
        """

    assert inspect.cleandoc(Thing.__doc__).splitlines()[2:] == [
        "Arguments:", "    a: one", "        more", "    b: two"]


def test_fill_docstring_without_its_line_is_an_error():
    with pytest.raises(ValueError, match=r"Thing's docstring has no '\{block\}' line"):
        @fill_docstring(block="x")
        class Thing:
            """No placeholder here."""


@pytest.mark.parametrize("cls", [L.MaxPooling1D, L.AveragePooling1D, L.MaxPooling2D,
                                 L.AveragePooling2D, L.MaxPooling3D, L.AveragePooling3D])
def test_pooling_docstrings_name_every_argument_and_their_rank(cls):
    doc = inspect.cleandoc(cls.__doc__)
    assert "{" not in doc.split("Arguments:")[1].split("Input shape:")[0].replace("`", "")
    for name, param in inspect.signature(cls.__init__).parameters.items():
        if name != "self":
            label = f"**{name}" if param.kind is param.VAR_KEYWORD else name
            assert f"\n    {label}: " in doc, (cls.__name__, name)
    assert f"{cls.rank + 2}D tensor" in doc
    assert pooling_details(cls.rank).splitlines()[1].strip() in doc


@pytest.mark.parametrize("cls", [L.Dense, L.Conv1D, L.Conv2D, L.Conv3D, L.Conv1DTranspose,
                                 L.Conv2DTranspose])
def test_dense_and_conv_docstrings_hold_the_weight_arguments_once(cls):
    doc = inspect.cleandoc(cls.__doc__)
    entries = [line for line in WEIGHT_ARGUMENTS.splitlines() if not line.startswith(" ")]
    assert len(entries) == 10
    for line in entries:
        assert doc.count("\n    " + line + "\n") + doc.count("\n    " + line + " ") == 1, \
            (cls.__name__, line)
    assert "{weights}" not in doc


def test_weight_arguments_in_keras_order_and_in_the_separable_docstrings():
    from kernelkit.layers.layer_docs import weight_arguments
    text = weight_arguments("depthwise", "pointwise")
    names = [line.split(":")[0] for line in text.splitlines() if not line.startswith(" ")]
    assert names == ["activation", "use_bias", "depthwise_initializer", "pointwise_initializer",
                     "bias_initializer", "depthwise_regularizer", "pointwise_regularizer",
                     "bias_regularizer", "activity_regularizer", "depthwise_constraint",
                     "pointwise_constraint", "bias_constraint", "**kwargs"]
    assert max(len(line) for line in text.splitlines()) <= 92
    for cls in (L.SeparableConv1D, L.SeparableConv2D, L.DepthwiseConv2D):
        doc = inspect.cleandoc(cls.__doc__)
        assert "_weights}" not in doc
        assert "\n    depthwise_constraint: optional constraint applied to the `depthwise` " \
               "weights after each\n        update.\n" in doc


@pytest.mark.parametrize("cls", [L.GlobalMaxPooling1D, L.GlobalAveragePooling1D,
                                 L.GlobalMaxPooling2D, L.GlobalAveragePooling2D,
                                 L.GlobalMaxPooling3D, L.GlobalAveragePooling3D])
def test_global_pooling_docstrings(cls):
    doc = inspect.cleandoc(cls.__doc__)
    assert "{details}" not in doc
    assert "\n    keepdims: boolean" in doc and "\n    data_format: " in doc
    assert f"{cls.rank + 2}D tensor" in doc.split("Input shape:")[1]
    want = "features" if cls.rank == 1 else "channels"
    assert doc.endswith(f"Output shape:\n    2D tensor `(batch_size, {want})`.")


@pytest.mark.parametrize("cls,extra", [
    (L.Conv1D, ["groups"]), (L.Conv2D, ["groups"]), (L.Conv1DTranspose, []),
    (L.Conv2DTranspose, []), (L.SeparableConv1D, ["depth_multiplier"]),
    (L.SeparableConv2D, ["depth_multiplier"])])
def test_conv_shape_arguments_follow_rank_and_kind(cls, extra):
    doc = inspect.cleandoc(cls.__doc__)
    assert "{shape_arguments}" not in doc
    arguments = doc.split("Arguments:\n")[1].split("\n\n")[0]
    names = [line.strip().split(":")[0] for line in arguments.splitlines()
             if line.startswith("    ") and not line.startswith("        ")]
    transpose = ["output_padding"] if "Transpose" in cls.__name__ else []
    assert names[:8 + len(transpose) - 2 + len(extra)] == (
        ["filters", "kernel_size", "strides", "padding"] + transpose
        + ["data_format", "dilation_rate"] + extra)
    assert f"tuple of {cls.rank} integers, the size of the convolution window" in arguments
    assert ('`"causal"`' in arguments) == (cls in (L.Conv1D, L.SeparableConv1D))
