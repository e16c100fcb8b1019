"""InputSpec: what a layer says about the inputs it accepts (Keras 2's `engine.InputSpec`)."""

import numpy as np

__all__ = ["InputSpec", "check_input_spec"]


class InputSpec:
    """The rank, dtype and shape a layer expects of an input.

    Keras 2 layers set `self.input_spec = InputSpec(ndim=3)` (or a list, one per input);
    any field left as None is not constrained.

    Arguments:
        dtype: expected dtype of the input (str), or None.
        shape: expected shape (tuple with None for free sizes), or None.
        ndim: expected rank (int), or None.
        max_ndim: maximum rank, or None.
        min_ndim: minimum rank, or None.
        axes: dict mapping an axis (int, may be negative) to its expected size, or None.

    Raises:
        TypeError: `axes` is not a dict of int keys.
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None):
        self.dtype = dtype
        self.shape = None if shape is None else tuple(shape)
        self.ndim = len(self.shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        axes = axes or {}
        if not isinstance(axes, dict) or not all(isinstance(k, int) for k in axes):
            raise TypeError(f"InputSpec: `axes` must be a dict of int axis -> size; got {axes!r}.")
        self.axes = dict(axes)

    def __repr__(self):
        fields = [f"{k}={v}" for k, v in (("dtype", self.dtype), ("shape", self.shape),
                                          ("ndim", self.ndim), ("max_ndim", self.max_ndim),
                                          ("min_ndim", self.min_ndim), ("axes", self.axes))
                  if v]
        return f"InputSpec({', '.join(fields)})"


def check_input_spec(layer, inputs):
    """Raise if `inputs` break what `layer.input_spec` asks (Keras 2.2.4's
    `assert_input_compatibility`): the number of inputs, rank, dtype, axis sizes, shape.

    Arguments:
        layer: a layer whose `input_spec` is an InputSpec, a list of them (None: no constraint)
            or None.
        inputs: the tensor or list of tensors (arrays or symbolic) the layer is called on.

    Raises:
        ValueError: naming the layer, the input and what was expected.
    """
    specs = layer.input_spec
    if not specs:
        return
    specs = list(specs) if isinstance(specs, (list, tuple)) else [specs]
    if all(spec is None for spec in specs):
        return
    xs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    if len(xs) != len(specs):
        raise ValueError(f"Layer {layer.name} expects {len(specs)} inputs, but it received "
                         f"{len(xs)} input tensors. Input received: {inputs}")
    for i, (x, spec) in enumerate(zip(xs, specs)):
        if spec is None:
            continue
        shape = _shape_of(x)
        ndim = len(shape)

        def fail(expected, found):
            raise ValueError(f"Input {i} is incompatible with layer {layer.name}: expected "
                             f"{expected}, found {found}")
        if spec.ndim is not None and ndim != spec.ndim:
            fail(f"ndim={spec.ndim}", f"ndim={ndim}")
        if spec.max_ndim is not None and ndim > spec.max_ndim:
            fail(f"max_ndim={spec.max_ndim}", f"ndim={ndim}")
        if spec.min_ndim is not None and ndim < spec.min_ndim:
            fail(f"min_ndim={spec.min_ndim}", f"ndim={ndim}")
        if spec.dtype is not None and _dtype_of(x) != spec.dtype:
            fail(f"dtype={spec.dtype}", f"dtype={_dtype_of(x)}")
        for axis, size in spec.axes.items():
            if size is not None and -ndim <= axis < ndim and \
                    shape[axis] not in (size, None):
                fail(f"axis {axis} of input shape to have value {size}",
                     f"shape={tuple(shape)}")
        if spec.shape is not None:
            for got, want in zip(shape, spec.shape):
                if want is not None and got is not None and got != want:
                    fail(f"shape={spec.shape}", f"shape={tuple(shape)}")


def _shape_of(x):
    shape = getattr(x, "shape", None)
    if shape is None:
        shape = np.shape(x)
    return tuple(shape)


def _dtype_of(x):
    dtype = getattr(x, "dtype", None)
    return np.dtype(dtype).name if dtype is not None else np.asarray(x).dtype.name
