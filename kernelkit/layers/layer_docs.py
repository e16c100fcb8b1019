"""Docstring text shared by several layers, written once.

Layers of one family (Dense and the convolutions, the 1D/2D/3D poolings) share most of their argument
descriptions. Their docstrings hold a line `{name}` where a shared block goes; the class
decorator `fill_docstring` replaces it with the block, indented as that line was (as pandas's
`@doc` does), so `MaxPooling2D?` in Jupyter still shows the full text.
"""
import textwrap

__all__ = ["WEIGHT_ARGUMENTS", "conv_arguments", "fill_docstring", "global_pooling_details",
           "pooling_details", "weight_arguments"]

def _entries(entries):
    """`name: text` entries wrapped for a class docstring's Arguments section (8 columns in,
    100 wide)."""
    return "\n".join(textwrap.fill(f"{name}: {text}", width=92, subsequent_indent="    ",
                                   break_on_hyphens=False) for name, text in entries)


_CONV_LAST = {
    "groups": "integer, only 1 is supported (a ValueError otherwise).",
    "depth_multiplier": "integer, the number of depthwise output channels made from each "
                        "input channel.",
}


def conv_arguments(rank, causal=False, temporal_format=False, transpose=False, last="groups"):
    """The descriptions of a convolution's shape arguments: filters, kernel_size, strides,
    padding, (output_padding,) data_format, dilation_rate, then `last`.

    Arguments:
        rank: the number of spatial axes (1 or 2).
        causal: boolean, whether `padding` may be `"causal"`.
        temporal_format: boolean, describe `data_format` with (batch, steps, channels) and
            channels_last as the default (Conv1D) instead of `K.image_data_format()`.
        transpose: boolean, add `output_padding` (transposed convolutions).
        last: `"groups"`, `"depth_multiplier"` or None, the argument listed last.

    Returns:
        The text, unindented, wrapped for a docstring's Arguments section.
    """
    same = ("(an integer means the same size on every axis)." if rank > 1 else "").strip()
    padding = ('`"valid"` (no padding: the output is smaller than the input) or `"same"` (zero '
               "padding so that, with stride 1, the output has the input's size)")
    padding += (', or `"causal"` (the output at step t depends only on inputs up to t; for '
                "temporal models that must not look ahead)." if causal else ".")
    if temporal_format:
        data_format = ('`"channels_last"` (default, inputs `(batch, steps, channels)`) or '
                       '`"channels_first"` (`(batch, channels, steps)`).')
    else:
        data_format = ('`"channels_last"` (inputs shaped `(batch, ..., channels)`) or '
                       '`"channels_first"` (`(batch, channels, ...)`); default '
                       "`K.image_data_format()`.")
    entries = [
        ("filters", "integer, the number of output filters (the size of the output's channel "
                    "axis)."),
        ("kernel_size", f"integer or tuple of {rank} integers, the size of the convolution "
                        "window" + (f" {same}" if same else ".")),
        ("strides", f"integer or tuple of {rank} integers, the step of the window."),
        ("padding", padding)]
    if transpose:
        entries.append(("output_padding", "integer, tuple, or None: extra size added to one "
                        "side of each spatial axis of the output (each value must be smaller "
                        "than the stride). None infers the output shape."))
    entries += [
        ("data_format", data_format),
        ("dilation_rate", f"integer or tuple of {rank} integers, the spacing between the "
                          'kernel\'s taps (a dilated, "atrous" convolution).')]
    if last is not None:
        entries.append((last, _CONV_LAST[last]))
    return _entries(entries)


def weight_arguments(*kernels):
    """The descriptions of a layer's weight arguments: activation, use_bias, then the
    initializer, regularizer and constraint of each kernel and of the bias, as Keras orders
    them, and **kwargs.

    Arguments:
        *kernels: the names of the layer's kernels (`"kernel"`, or `"depthwise"` and
            `"pointwise"` for a separable convolution).

    Returns:
        The text, unindented, wrapped for a docstring's Arguments section.
    """
    names = list(kernels) + ["bias"]
    entries = [("activation", "activation function (name or function, see "
                              "`kernelkit.activations`); None means linear, `a(x) = x`."),
               ("use_bias", "boolean, whether the layer adds a bias vector.")]
    entries += [(f"{n}_initializer", f"initializer of the `{n}` weights (name or instance, see "
                                     "`kernelkit.initializers`).") for n in names]
    entries += [(f"{n}_regularizer", f"optional regularizer applied to the `{n}` weights.")
                for n in names]
    entries.append(("activity_regularizer", "optional regularizer applied to the layer's output."))
    entries += [(f"{n}_constraint", f"optional constraint applied to the `{n}` weights after "
                                    "each update.") for n in names]
    entries.append(("**kwargs", "the base layer's arguments (`name`, `trainable`, "
                                "`input_shape`, ...)."))
    return _entries(entries)


# The weight arguments of a layer with a `kernel` and a `bias` (Dense, the convolutions).
WEIGHT_ARGUMENTS = weight_arguments("kernel")

# pool_size and data_format text, and the input/output shapes, of the windowed poolings by rank
_POOL_SIZE = {
    1: "pool_size: integer, the size of the window (default 2).",
    2: "pool_size: integer or tuple of 2 integers, the window's size on each axis (default (2, 2));\n"
       "    an integer means the same size on every axis.",
    3: "pool_size: integer or tuple of 3 integers, the window's size on each axis (default\n"
       "    (2, 2, 2)); an integer means the same size on every axis.",
}
_DATA_FORMAT = {
    1: 'data_format: `"channels_last"` (default, inputs `(batch, steps, features)`) or\n'
       '    `"channels_first"` (`(batch, features, steps)`).',
    2: 'data_format: `"channels_last"` (inputs shaped `(batch, ..., channels)`) or\n'
       '    `"channels_first"` (`(batch, channels, ...)`); default `K.image_data_format()`.',
}
_DATA_FORMAT[3] = _DATA_FORMAT[2]
_POOL_SHAPES = {
    1: ("3D tensor `(batch_size, steps, features)` (channels_last).",
        "3D tensor `(batch_size, pooled_steps, features)`."),
    2: ("4D tensor `(batch, rows, cols, channels)` (channels_last) or\n"
        "`(batch, channels, rows, cols)` (channels_first).",
        "4D tensor `(batch, pooled_rows, pooled_cols, channels)` (channels_last) or\n"
        "`(batch, channels, pooled_rows, pooled_cols)`."),
    3: ("5D tensor `(batch, dim1, dim2, dim3, channels)` (channels_last) or\n"
        "`(batch, channels, dim1, dim2, dim3)` (channels_first).",
        "5D tensor with the pooled sizes, in the same layout."),
}


def pooling_details(rank):
    """The Arguments, Input shape, Output shape and Raises sections of a max or average
    pooling layer of `rank` spatial axes.

    Arguments:
        rank: 1, 2 or 3.

    Returns:
        The text, unindented.
    """
    shape_in, shape_out = _POOL_SHAPES[rank]
    return "\n".join([
        "Arguments:",
        textwrap.indent(_POOL_SIZE[rank], "    "),
        "    strides: integer, tuple or None, the step of the window; None (default) means "
        "`pool_size`.",
        '    padding: `"valid"` (default, windows stay inside the input) or `"same"` (the input '
        "is\n        padded so that, with stride 1, the output keeps its size; padded cells "
        "never count).",
        textwrap.indent(_DATA_FORMAT[rank], "    "),
        "    **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).",
        "",
        "Input shape:",
        textwrap.indent(shape_in, "    "),
        "",
        "Output shape:",
        textwrap.indent(shape_out, "    "),
        "",
        "Raises:",
        "    ValueError: for a non-positive size, an unknown padding, or a window larger than "
        "the\n        (unpadded) input.",
    ])


def global_pooling_details(rank):
    """The Arguments, Input shape and Output shape sections of a global max or average pooling
    layer of `rank` spatial axes.

    Arguments:
        rank: 1, 2 or 3.

    Returns:
        The text, unindented.
    """
    channels = "features" if rank == 1 else "channels"
    return "\n".join([
        "Arguments:",
        textwrap.indent(_DATA_FORMAT[rank], "    "),
        "    keepdims: boolean, keep the pooled axes with size 1 instead of removing them.",
        "    **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).",
        "",
        "Input shape:",
        textwrap.indent(_POOL_SHAPES[rank][0], "    "),
        "",
        "Output shape:",
        f"    2D tensor `(batch_size, {channels})`.",
    ])


def fill_docstring(**blocks):
    """Class decorator: replaces each line `{name}` of the class docstring with `blocks[name]`.

    Arguments:
        **blocks: name -> text (unindented); it takes the indentation of the line it replaces.

    Returns:
        The decorator; it returns the class with its `__doc__` filled in.

    Raises:
        ValueError: when the docstring has no `{name}` line for a block.
    """
    def decorate(cls):
        doc = cls.__doc__
        if not doc:  # None under python -OO
            return cls
        lines = doc.split("\n")
        for name, text in blocks.items():
            hits = [i for i, line in enumerate(lines) if line.strip() == "{" + name + "}"]
            if not hits:
                raise ValueError(f"{cls.__name__}'s docstring has no '{{{name}}}' line.")
            for i in hits:
                indent = lines[i][:len(lines[i]) - len(lines[i].lstrip())]
                lines[i] = textwrap.indent(text, indent)
        cls.__doc__ = "\n".join(lines)
        return cls
    return decorate
