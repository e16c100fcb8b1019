"""Shape and indexing ops: reshape, transpose, concatenate, slicing, gather, padding."""
import numpy as np

from .core import Op, Tensor, polymorphic


class Reshape(Op):
    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        self.in_shape = x.shape
        return x.reshape(self.shape)

    def backward(self, g):
        return (g.reshape(self.in_shape),)


class Transpose(Op):
    def __init__(self, perm=None):
        self.perm = None if perm is None else tuple(perm)

    def forward(self, x):
        perm = self.perm if self.perm is not None else tuple(reversed(range(x.ndim)))
        self.inverse = tuple(np.argsort(perm))
        return np.ascontiguousarray(np.transpose(x, perm))

    def backward(self, g):
        return (np.ascontiguousarray(np.transpose(g, self.inverse)),)


class Concatenate(Op):
    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, *xs):
        self.sizes = [x.shape[self.axis] for x in xs]
        return np.concatenate(xs, axis=self.axis)

    def backward(self, g):
        cuts = np.cumsum(self.sizes)[:-1]
        return tuple(np.ascontiguousarray(p) for p in np.split(g, cuts, axis=self.axis))


class Stack(Op):
    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, *xs):
        return np.stack(xs, axis=self.axis)

    def backward(self, g):
        n = g.shape[self.axis]
        return tuple(np.take(g, i, axis=self.axis) for i in range(n))


class GetItem(Op):
    def __init__(self, index):
        self.index = index

    def forward(self, x):
        self.shape, self.dtype = x.shape, x.dtype
        return np.asarray(x[self.index])

    def backward(self, g):
        gx = np.zeros(self.shape, dtype=self.dtype)
        np.add.at(gx, self.index, g)
        return (gx,)


class Gather(Op):
    """params[indices] along axis 0 (an embedding lookup); indices get no gradient."""

    def forward(self, params, indices):
        self.shape = params.shape
        self.indices = indices = np.asarray(indices).astype(np.intp, copy=False)
        return params[indices]

    def backward(self, g):
        gp = np.zeros(self.shape, dtype=g.dtype)
        np.add.at(gp, self.indices.reshape(-1), g.reshape(-1, *self.shape[1:]))
        return gp, None


class Tile(Op):
    def __init__(self, reps):
        self.reps = tuple(reps)

    def forward(self, x):
        self.shape = x.shape
        return np.tile(x, self.reps)

    def backward(self, g):
        reps = (1,) * (g.ndim - len(self.reps)) + self.reps
        shape = (1,) * (g.ndim - len(self.shape)) + self.shape
        split = []
        for r, s in zip(reps, shape):
            split += [r, s]
        return (g.reshape(split).sum(axis=tuple(range(0, 2 * g.ndim, 2))).reshape(self.shape),)


class Repeat(Op):
    """np.repeat along one axis (RepeatVector, UpSampling)."""

    def __init__(self, repeats, axis):
        self.repeats, self.axis = repeats, axis

    def forward(self, x):
        self.shape = x.shape
        return np.repeat(x, self.repeats, axis=self.axis)

    def backward(self, g):
        ax = self.axis % len(self.shape)
        shape = self.shape[:ax] + (self.shape[ax], self.repeats) + self.shape[ax + 1:]
        return (g.reshape(shape).sum(axis=ax + 1),)


class Pad(Op):
    def __init__(self, pad_width, constant=0.0):
        self.pad_width = tuple(tuple(p) for p in pad_width)
        self.constant = constant

    def forward(self, x):
        return np.pad(x, self.pad_width, constant_values=self.constant)

    def backward(self, g):
        index = tuple(slice(a, g.shape[i] - b) for i, (a, b) in enumerate(self.pad_width))
        return (np.ascontiguousarray(g[index]),)


class Where(Op):
    """condition ? a : b; the condition gets no gradient."""

    def forward(self, cond, a, b):
        self.cond = np.asarray(cond, dtype=bool)
        self.a_shape, self.b_shape = np.shape(a), np.shape(b)
        return np.where(self.cond, a, b)

    def backward(self, g):
        from .math import unbroadcast
        return (None, unbroadcast(np.where(self.cond, g, 0), self.a_shape),
                unbroadcast(np.where(self.cond, 0, g), self.b_shape))


@polymorphic
def reshape(x, shape):
    """Reshapes a tensor to the given shape.

    Arguments:
        x: tensor or variable.
        shape: tuple of integers; one entry may be -1 (inferred).

    Returns:
        A tensor.
    """
    return Reshape(shape)(x)


@polymorphic
def transpose(x, perm=None):
    return Transpose(perm)(x)


@polymorphic
def concatenate(tensors, axis=-1):
    """Concatenates a list of tensors along an axis.

    Arguments:
        tensors: list of tensors, the same shape except along `axis`.
        axis: integer, the concatenation axis (default -1).

    Returns:
        A tensor.
    """
    return Concatenate(axis)(*tensors)


@polymorphic
def stack(x, axis=0):
    """Stacks a list of tensors of the same shape along a new axis.

    Arguments:
        x: list of tensors of the same shape.
        axis: integer, the position of the new axis (default 0).

    Returns:
        A tensor.
    """
    return Stack(axis)(*x)


@polymorphic
def expand_dims(x, axis=-1):
    """Adds an axis of size 1 at position `axis`.

    Arguments:
        x: tensor or variable.
        axis: integer, where the new axis goes (default -1, last).

    Returns:
        A tensor.
    """
    shape = list(np.shape(x))
    axis = axis if axis >= 0 else len(shape) + 1 + axis
    shape.insert(axis, 1)
    return Reshape(shape)(x)


@polymorphic
def squeeze(x, axis):
    """Removes an axis of size 1 from a tensor.

    Arguments:
        x: tensor or variable.
        axis: integer, the axis to remove.

    Returns:
        A tensor.

    Raises:
        ValueError: when that axis does not have size 1.
    """
    shape = list(np.shape(x))
    if shape[axis] != 1:
        raise ValueError(f"Cannot squeeze axis {axis} of a tensor of shape {tuple(shape)}: "
                         "its size is not 1.")
    del shape[axis]
    return Reshape(shape)(x)


@polymorphic
def flatten(x):
    """Flattens a tensor to 1D.

    Arguments:
        x: tensor or variable.

    Returns:
        A 1D tensor.
    """
    return Reshape((-1,))(x)


@polymorphic
def batch_flatten(x):
    """Flattens each sample of a batch: an nD tensor becomes 2D, the batch axis kept.

    Arguments:
        x: tensor or variable.

    Returns:
        A tensor of shape `(batch, -1)`.
    """
    return Reshape((np.shape(x)[0], -1))(x)


@polymorphic
def getitem(x, index):
    return GetItem(index)(x)


@polymorphic
def gather(reference, indices):
    """Takes the entries of `reference` at `indices` along axis 0.

    Arguments:
        reference: a tensor.
        indices: integer tensor or array of indices.

    Returns:
        A tensor of shape `indices.shape + reference.shape[1:]`.
    """
    return Gather()(reference, indices)


@polymorphic
def tile(x, n):
    """Tiles a tensor: repeats it `n` times along each axis, like `np.tile`.

    Arguments:
        x: tensor or variable.
        n: integer, list of integers or an integer tensor (`K.stack([K.shape(x)[0], 1])`),
            the repetitions per axis.

    Returns:
        A tensor.
    """
    if not isinstance(n, (list, tuple)):
        n = np.ravel(n.value if isinstance(n, Tensor) else n).tolist()
    return Tile(tuple(int(k.value if isinstance(k, Tensor) else k) for k in n))(x)


@polymorphic
def repeat_elements(x, rep, axis):
    """Repeats each element of a tensor `rep` times along an axis, like `np.repeat`.

    Arguments:
        x: tensor or variable.
        rep: integer, the number of repetitions.
        axis: integer, the axis along which to repeat.

    Returns:
        A tensor.
    """
    return Repeat(rep, axis)(x)


@polymorphic
def where(condition, a, b):
    return Where()(condition, a, b)


@polymorphic
def pad(x, pad_width, constant=0.0):
    return Pad(pad_width, constant)(x)


Tensor.__getitem__ = lambda self, index: getitem(self, index)
Tensor.reshape = lambda self, *shape: reshape(
    self, shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape)
Tensor.T = property(lambda self: transpose(self))
for _name, _fn in (("__lt__", np.less), ("__le__", np.less_equal), ("__gt__", np.greater),
                   ("__ge__", np.greater_equal)):
    setattr(Tensor, _name, (lambda f: lambda a, b: f(a.value, b.value if isinstance(b, Tensor) else b))(_fn))
