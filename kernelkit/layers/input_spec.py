"""InputSpec: what a layer says about the inputs it accepts (Keras 2's `engine.InputSpec`)."""

__all__ = ["InputSpec"]


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
