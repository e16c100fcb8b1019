"""Docstring text shared by several layers, written once.

Layers of one family (Dense and the convolutions, the 1D/2D/3D poolings) share most of their argument
descriptions. Their docstrings hold a line `{name}` where a shared block goes; the class
decorator `fill_docstring` replaces it with the block, indented as that line was (as pandas's
`@doc` does), so `MaxPooling2D?` in Jupyter still shows the full text.
"""
import textwrap

__all__ = ["WEIGHT_ARGUMENTS", "fill_docstring", "global_pooling_details", "pooling_details",
           "weight_arguments"]

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
    # 92 columns: the text sits 8 columns in (class docstring, Arguments section)
    return "\n".join(textwrap.fill(f"{name}: {text}", width=92, subsequent_indent="    ",
                                   break_on_hyphens=False) for name, text in entries)


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
