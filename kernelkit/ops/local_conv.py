"""Locally connected (unshared-weight) convolution, 1D and 2D: Keras 2.2.4's
`local_conv1d` and `local_conv2d`.

Each output position has its own weight matrix: the op gathers every position's patch with
one fancy index (precomputed flat indices into a sample), multiplies the (positions,
samples, patch) stack by the (positions, patch, filters) kernel with one batched matmul,
and scatters the patch gradients back with `np.add.at`.
"""
import numpy as np

from ..kernels.conv_utils import normalize_tuple
from .conv import _is_channels_first
from .core import Op, polymorphic, unwrap


class LocalConv(Op):
    """out[n, o, f] = sum_p x_flat[n, index[o, p]] * kernel[o, p, f]."""

    def __init__(self, index):
        self.index = index

    def forward(self, x, kernel):
        self.x_shape = x.shape
        flat = x.reshape(x.shape[0], -1)
        self.patches = np.ascontiguousarray(np.transpose(flat[:, self.index], (1, 0, 2)))
        self.kernel = kernel
        out = np.matmul(self.patches, kernel)        # (O, N, F)
        return np.ascontiguousarray(np.transpose(out, (1, 0, 2)))

    def backward(self, g):
        g = np.ascontiguousarray(np.transpose(g, (1, 0, 2)))  # (O, N, F)
        dk = np.matmul(np.transpose(self.patches, (0, 2, 1)), g) if self.needs_grad[1] else None
        dx = None
        if self.needs_grad[0]:
            dp = np.matmul(g, np.transpose(self.kernel, (0, 2, 1)))  # (O, N, P)
            n = self.x_shape[0]
            dflat = np.zeros((n, int(np.prod(self.x_shape[1:]))), dtype=g.dtype)
            np.add.at(dflat, (slice(None), self.index), np.transpose(dp, (1, 0, 2)))
            dx = dflat.reshape(self.x_shape)
        return dx, dk


def _patch_index(spatial, channels, window, strides, out_sizes, channels_first):
    """(positions, patch) flat indices into one sample; the patch order is Keras's:
    (window..., channels) for channels_last, (channels, window...) for channels_first."""
    grids = np.meshgrid(*[np.arange(o) * s for o, s in zip(out_sizes, strides)], indexing="ij")
    starts = np.stack([g.reshape(-1) for g in grids], axis=1)            # (O, rank)
    offs = np.meshgrid(*[np.arange(k) for k in window], indexing="ij")
    offs = np.stack([o.reshape(-1) for o in offs], axis=1)               # (W, rank)
    pos = starts[:, None, :] + offs[None, :, :]                          # (O, W, rank)
    cell = np.zeros(pos.shape[:2], dtype=np.int64)
    for axis, size in enumerate(spatial):
        cell = cell * size + pos[:, :, axis]
    ch = np.arange(channels)
    n_cells = int(np.prod(spatial))
    if channels_first:
        idx = ch[None, :, None] * n_cells + cell[:, None, :]             # (O, C, W)
    else:
        idx = cell[:, :, None] * channels + ch[None, None, :]            # (O, W, C)
    return idx.reshape(len(starts), -1)


def _local_conv(rank, inputs, kernel, kernel_size, strides, out_sizes, data_format, what):
    cf = _is_channels_first(data_format)
    shape = np.shape(unwrap(inputs))
    if len(shape) != rank + 2:
        raise ValueError(f"{what}: inputs must be {rank + 2}D, got shape {shape}")
    spatial = shape[2:] if cf else shape[1:-1]
    channels = shape[1] if cf else shape[-1]
    window = normalize_tuple(kernel_size, rank, "kernel_size")
    strides = normalize_tuple(strides, rank, "strides")
    if out_sizes is None:
        out_sizes = tuple((s - k) // st + 1 for s, k, st in zip(spatial, window, strides))
    out_sizes = tuple(int(o) for o in out_sizes)
    kshape = np.shape(unwrap(kernel))
    n_out = int(np.prod(out_sizes))
    patch = int(np.prod(window)) * channels
    if len(kshape) != 3 or kshape[0] != n_out or kshape[1] != patch:
        raise ValueError(f"{what}: kernel must be (output positions {n_out}, window * "
                         f"channels {patch}, filters), got shape {kshape}")
    for o, k, st, s in zip(out_sizes, window, strides, spatial):
        if (o - 1) * st + k > s:
            raise ValueError(f"{what}: output size {o} with kernel {k} and stride {st} "
                             f"does not fit the input size {s}")
    index = _patch_index(spatial, channels, window, strides, out_sizes, cf)
    from .array import reshape, transpose
    out = LocalConv(index)(inputs, kernel)                 # (N, O, F)
    out = reshape(out, (shape[0],) + out_sizes + (kshape[2],))
    if cf:
        out = transpose(out, (0, rank + 1) + tuple(range(1, rank + 1)))
    return out


@polymorphic
def local_conv1d(inputs, kernel, kernel_size, strides, data_format=None):
    """Apply 1D conv with un-shared weights.

    Arguments:
        inputs: 3D tensor with shape (batch_size, steps, input_dim) (channels_last) or
            (batch_size, input_dim, steps) (channels_first).
        kernel: the unshared weight for convolution, with shape (output_length,
            kernel_size * input_dim, filters).
        kernel_size: a tuple of a single integer, the length of the 1D convolution window.
        strides: a tuple of a single integer, the stride length of the convolution.
        data_format: the data format, channels_first or channels_last.

    Returns:
        The tensor after 1D conv with un-shared weights, with shape (batch_size,
        output_length, filters) (channels_first: (batch_size, filters, output_length)).

    Raises:
        ValueError: if the kernel's shape does not fit the inputs.
    """
    return _local_conv(1, inputs, kernel, kernel_size, strides, None, data_format,
                       "local_conv1d")


@polymorphic
def local_conv2d(inputs, kernel, kernel_size, strides, output_shape, data_format=None):
    """Apply 2D conv with un-shared weights.

    Arguments:
        inputs: 4D tensor (batch_size, rows, cols, channels) (channels_last) or
            (batch_size, channels, rows, cols) (channels_first).
        kernel: the unshared weight for convolution, with shape (output_rows * output_cols,
            kernel_rows * kernel_cols * channels, filters); a patch is flattened in the
            order (rows, cols, channels) for channels_last and (channels, rows, cols) for
            channels_first, as Keras does.
        kernel_size: a tuple of 2 integers, the height and width of the window.
        strides: a tuple of 2 integers, the strides along the height and width.
        output_shape: a tuple (output_rows, output_cols).
        data_format: the data format, channels_first or channels_last.

    Returns:
        A 4D tensor (batch_size, output_rows, output_cols, filters) (channels_last) or
        (batch_size, filters, output_rows, output_cols) (channels_first).

    Raises:
        ValueError: if the kernel's shape or output_shape does not fit the inputs.
    """
    return _local_conv(2, inputs, kernel, kernel_size, strides, tuple(output_shape),
                       data_format, "local_conv2d")


__all__ = ["LocalConv", "local_conv1d", "local_conv2d"]
