"""The constructor arguments of the recurrent layers and cells, each described once.

SimpleRNN, LSTM, GRU, their cells, the CuDNN layers and ConvLSTM2D share most of their
arguments. Their docstrings hold an `{arguments}` line under `Arguments:`; the class decorator
`document_arguments` replaces it with one entry per constructor argument, in the signature's
order, worded as in `ARGUMENTS` (pandas's `@doc` and matplotlib's docstring interpolation do
the same), so `LSTM?` in Jupyter shows the full list and a shared argument reads the same
everywhere.
"""
import inspect
import textwrap

__all__ = ["ARGUMENTS", "RNN_KEYWORDS", "RNN_SHAPES", "document_arguments"]

ARGUMENTS = {
    "units": "positive integer, the dimensionality of the output space (and of the state).",
    "filters": "positive integer, the number of output channels of the convolutions (and of "
               "the state maps).",
    "kernel_size": "integer or tuple of 2 integers, the height and width of the convolution "
                   "window.",
    "strides": "integer or tuple of 2 integers, the strides of the input convolution (default "
               "1).",
    "padding": '`"valid"` or `"same"`, the padding of the input convolution (the recurrent '
               'one is always `"same"`).',
    "data_format": '`"channels_last"` (default, from the Keras config) or `"channels_first"`, '
                   'where the channels axis of each step is.',
    "dilation_rate": "integer or tuple of 2 integers, the dilation of the input convolution "
                     "(default 1).",
    "activation": 'activation function of the output (default `"tanh"`; None means linear).',
    "recurrent_activation": 'activation function of the gates (default `"hard_sigmoid"`).',
    "use_bias": "boolean, whether the layer adds a bias vector.",
    "kernel_initializer": "initializer of the `kernel` weights, applied to the inputs (default "
                          "glorot_uniform).",
    "recurrent_initializer": "initializer of the `recurrent_kernel` weights, applied to the "
                             "state (default orthogonal).",
    "bias_initializer": "initializer of the bias (default zeros).",
    "unit_forget_bias": "boolean, add 1 to the forget gate's bias at initialization (and use "
                        "zeros for `bias_initializer`), as Jozefowicz et al. (2015) recommend.",
    "kernel_regularizer": "optional regularizer of the `kernel` weights.",
    "recurrent_regularizer": "optional regularizer of the `recurrent_kernel` weights.",
    "bias_regularizer": "optional regularizer of the bias.",
    "activity_regularizer": "optional regularizer of the layer's output.",
    "kernel_constraint": "optional constraint on the `kernel` weights.",
    "recurrent_constraint": "optional constraint on the `recurrent_kernel` weights.",
    "bias_constraint": "optional constraint on the bias.",
    "dropout": "float between 0 and 1, fraction of the units to drop for the linear "
               "transformation of the inputs.",
    "recurrent_dropout": "float between 0 and 1, fraction of the units to drop for the linear "
                         "transformation of the recurrent state.",
    "implementation": "1 or 2, accepted for Keras compatibility (both compute the same result "
                      "here).",
    "reset_after": "boolean, apply the reset gate after the recurrent matrix product (the "
                   "CuDNNGRU-compatible layout, bias shaped `(2, 3 * units)`) rather than "
                   "before it (Keras 2.2.4's default False, bias `(3 * units,)`).",
    "seed": "optional integer, seed of the dropout masks.",
    "return_sequences": "boolean, return the whole output sequence rather than only its last "
                        "step.",
    "return_state": "boolean, also return the last state(s), after the output.",
    "go_backwards": "boolean, process the input sequence backwards and return the reversed "
                    "sequence.",
    "stateful": "boolean, the last state of each sample in a batch is the initial state of the "
                "sample with the same index in the next batch (the batch size must be fixed; "
                "`reset_states()` sets the states back to zeros).",
    "unroll": "boolean, accepted for Keras compatibility (the loop always runs in a kernel).",
}

# The RNN arguments SimpleRNN, LSTM and GRU take through **kwargs, documented after their own.
RNN_KEYWORDS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll")

# The input and output shapes and the errors of SimpleRNN, LSTM and GRU (their `{shapes}` line).
RNN_SHAPES = """Input shape:
    3D tensor `(batch_size, timesteps, input_dim)`.

Output shape:
    `(batch_size, units)`; with `return_sequences`, `(batch_size, timesteps, units)`; with
    `return_state`, a list: the output, then the state tensors `(batch_size, units)`.

Raises:
    ValueError: when `units` is not a positive integer."""

_WIDTH = 100


def _entries(texts, indent):
    """`name: text` entries wrapped to the line width they will have at `indent`."""
    return "\n".join(textwrap.fill(f"{name}: {text}", width=_WIDTH - len(indent),
                                   subsequent_indent="    ", break_on_hyphens=False)
                     for name, text in texts)


def _fill(doc, placeholder, make_text):
    """`doc` with its line holding only `placeholder` replaced by `make_text(indent)`, indented
    as that line was."""
    line = next(ln for ln in doc.splitlines() if ln.strip() == placeholder)
    indent = line[:len(line) - len(line.lstrip())]
    return doc.replace(line, textwrap.indent(make_text(indent), indent))


def document_arguments(keywords=(), kwargs=None, shapes=None, **overrides):
    """Class decorator: fills the `{arguments}` line (and `{shapes}`) of the class docstring.

    Arguments:
        keywords: names of arguments taken through `**kwargs` that are documented after the
            signature's own (e.g. `RNN_KEYWORDS`).
        kwargs: the description of `**kwargs` (None: not listed).
        shapes: the text that replaces a `{shapes}` line (e.g. `RNN_SHAPES`), or None.
        **overrides: descriptions that replace `ARGUMENTS`'s for this class.

    Returns:
        The decorator; it returns the class with its `__doc__` filled in.

    Raises:
        KeyError: an argument of the constructor has no description.
    """
    def decorate(cls):
        params = inspect.signature(cls.__init__).parameters.values()
        names = [p.name for p in params if p.name != "self"
                 and p.kind is p.POSITIONAL_OR_KEYWORD] + list(keywords)
        texts = [(n, overrides[n] if n in overrides else ARGUMENTS[n]) for n in names]
        if kwargs is not None:
            texts.append(("**kwargs", kwargs))
        doc = cls.__doc__
        if not doc:  # None under python -OO
            return cls
        doc = _fill(doc, "{arguments}", lambda indent: _entries(texts, indent))
        if shapes is not None:
            doc = _fill(doc, "{shapes}", lambda indent: shapes)
        cls.__doc__ = doc
        return cls
    return decorate
