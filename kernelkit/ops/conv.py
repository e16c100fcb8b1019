"""Convolution ops: conv1d/2d, depthwise, separable and transposed, bias and activation fused.

Every op here runs the channels-last kernels of `kernels/conv.py`: a 1D op views its
(N, L, C) input as the image (N, 1, L, C) (no copy), and a channels_first input is
transposed to channels-last on the way in and the output back on the way out (one copy
each way, the price of the layout; channels_last pays nothing). On the kernel's output,
viewed as the 2D (N * OH * OW, C_out) array, bias and activation run fused in place
(`bias_activation_forward`), and their gradient comes from that output alone.

As `ops.dense`: a sigmoid output also carries its logits (a second output of the op) for
a stable binary cross-entropy; a softmax runs after the linear conv over the last axis,
as Keras's activation does, and carries its logits too.

The functions take Keras's arguments (`padding` by name, `data_format`, ints or tuples);
the ops take the explicit 2D geometry (`strides`, `dilation` as (rows, cols), `pads` as
(top, bottom, left, right)) that `window_geometry` computes.
"""
import numpy as np

from .. import config
from ..kernels import activations as K_act
from ..kernels import conv as K_conv
from ..kernels.conv_utils import (conv_output_length, conv_transpose_output_length,
                                  normalize_tuple, padding_amounts)
from ..kernels.dense import no_bias
from .core import Op, polymorphic_rank, unwrap
from .nn import _with_logits, activation_by_name

# ---------------------------------------------------------------------- layout helpers


def to_channels_last_4d(x, rank, channels_first):
    """`x` as the C-contiguous (N, H, W, C) image the kernels take (rank 1: H = 1)."""
    if channels_first:
        x = np.moveaxis(x, 1, -1)
    x = np.ascontiguousarray(x)
    return x[:, None] if rank == 1 else x


def from_channels_last_4d(y, rank, channels_first):
    """The inverse of `to_channels_last_4d` for a kernel's (N, H, W, C) result."""
    if rank == 1:
        y = y[:, 0]
    return np.ascontiguousarray(np.moveaxis(y, -1, 1)) if channels_first else y


def window_geometry(rank, spatial, window, strides, padding, dilation=1):
    """(strides, dilation, pads) of the 2D kernels for a rank-1 or rank-2 window op.

    Args:
        rank: 1 or 2.
        spatial: the input's spatial sizes (`rank` ints).
        window, strides, dilation: ints or `rank`-tuples (Keras's arguments).
        padding: 'valid', 'same' or 'causal' (1D), as Keras/TensorFlow pad.

    Returns:
        strides (2), dilation (2) and pads (top, bottom, left, right); a 1D op is a
        one-row image, so its pads are (0, 0, before, after).
    """
    window = normalize_tuple(window, rank, "kernel_size")
    strides = normalize_tuple(strides, rank, "strides")
    dilation = normalize_tuple(dilation, rank, "dilation_rate")
    pads = ()
    for size, k, s, d in zip(spatial, window, strides, dilation):
        pads += padding_amounts(size, k, padding, s, d)
    if rank == 1:
        return (1,) + strides, (1,) + dilation, (0, 0) + pads
    return strides, dilation, pads


def spatial_shape(shape, rank, channels_first):
    return tuple(shape[2:2 + rank]) if channels_first else tuple(shape[1:1 + rank])


def _is_channels_first(data_format):
    return config.normalize_data_format(data_format) == "channels_first"


# -------------------------------------------------------------------------------- ops

class _FusedConv(Op):
    """A conv-like product, then bias + activation in place; inputs (x, *kernels, bias).

    Subclasses define `product(x4, kernels4)` -> the (N, OH, OW, F) result and
    `product_grads(dz, need)` -> (dx4 or None, *kernel grads or None), on channels-last
    4D arrays, kernels viewed as 2D ones (`kernel_4d`).

    Args:
        rank: 1 or 2 (the layout of x and of the kernels).
        strides, dilation, pads: the 2D geometry (`window_geometry`).
        channels_first: the layout of x and of the output.
        code, alpha: the activation kernel code (kernels.activations) and its parameter.
        keep_logits: return (sigmoid(z), z) instead of act(z); `code` is then ignored.
    """

    def __init__(self, rank, strides, dilation, pads, channels_first=False,
                 code=K_act.LINEAR, alpha=0.0, keep_logits=False):
        self.rank, self.strides, self.dilation, self.pads = rank, strides, dilation, pads
        self.channels_first = channels_first
        self.code, self.alpha, self.keep_logits = code, alpha, keep_logits

    def kernel_4d(self, w):
        return w[None] if self.rank == 1 else w

    def forward(self, x, *rest):
        *kernels, b = rest
        x4 = to_channels_last_4d(x, self.rank, self.channels_first)
        z = self.product(x4, [self.kernel_4d(w) for w in kernels])
        f = z.shape[-1]
        z2 = z.reshape(-1, f)
        self.has_bias = b is not None
        bias = no_bias(z.dtype) if b is None else np.asarray(b, dtype=z.dtype)
        if self.keep_logits:
            if self.has_bias:
                z2 += bias
            y = K_act.activation_forward(z, K_act.SIGMOID, 0.0)
            self.y = y
            return (from_channels_last_4d(y, self.rank, self.channels_first),
                    from_channels_last_4d(z, self.rank, self.channels_first))
        if self.has_bias or self.code != K_act.LINEAR:
            K_act.bias_activation_forward(z2, bias, self.code, self.alpha)
        self.y = z
        return from_channels_last_4d(z, self.rank, self.channels_first)

    def _grad_4d(self, g):
        return to_channels_last_4d(g, self.rank, self.channels_first)

    def backward(self, *grads):
        y = self.y
        f = y.shape[-1]
        if self.keep_logits:
            gy, gz = grads
            dz = None
            if gy is not None:
                dz = K_act.activation_backward(self._grad_4d(gy), y, K_act.SIGMOID, 0.0)
            if gz is not None:
                gz = self._grad_4d(gz)
                dz = gz if dz is None else dz + gz
            db = dz.reshape(-1, f).sum(axis=0) if self.has_bias else None
        else:
            g = self._grad_4d(grads[0])
            if self.code == K_act.LINEAR:
                dz = g
                db = g.reshape(-1, f).sum(axis=0) if self.has_bias else None
            else:
                dz, db = K_act.bias_activation_backward(g.reshape(-1, f), y.reshape(-1, f),
                                                        self.code, self.alpha)
                dz = dz.reshape(y.shape)
        need = self.needs_grad
        dx4, *dws = self.product_grads(dz, need)
        dx = None if dx4 is None else from_channels_last_4d(dx4, self.rank, self.channels_first)
        dws = [None if dw is None else (dw[0] if self.rank == 1 else dw) for dw in dws]
        return (dx, *dws, db if self.has_bias and need[-1] else None)


class Conv(_FusedConv):
    """act(conv(x, kernel) + bias); kernel (KH, KW, C_in, C_out) (1D: (K, C_in, C_out))."""

    def product(self, x4, kernels):
        (w,) = kernels
        self.x4, self.w = x4, w
        return K_conv.conv2d_forward(x4, w, self.strides, self.dilation, self.pads)

    def product_grads(self, dz, need):
        x4, w, geo = self.x4, self.w, (self.strides, self.dilation, self.pads)
        dx = K_conv.conv2d_backward_input(dz, w, x4.shape, *geo) if need[0] else None
        dw = K_conv.conv2d_backward_weight(x4, dz, w.shape, *geo) if need[1] else None
        return dx, dw


class DepthwiseConv(_FusedConv):
    """act(depthwise_conv(x, kernel) + bias); kernel (KH, KW, C_in, depth_multiplier)."""

    def product(self, x4, kernels):
        (w,) = kernels
        self.x4, self.w = x4, w
        return K_conv.depthwise_conv2d_forward(x4, w, self.strides, self.dilation, self.pads)

    def product_grads(self, dz, need):
        x4, w, geo = self.x4, self.w, (self.strides, self.dilation, self.pads)
        dx = K_conv.depthwise_conv2d_backward_input(dz, w, x4.shape, *geo) if need[0] else None
        dw = K_conv.depthwise_conv2d_backward_weight(x4, dz, w.shape, *geo) if need[1] else None
        return dx, dw


class SeparableConv(_FusedConv):
    """act(pointwise(depthwise(x)) + bias): kernels (KH, KW, C_in, M) and (1, 1, C_in * M, F).

    One op for both steps, so a channels_first input is transposed once, not twice.
    """

    def product(self, x4, kernels):
        dw_k, pw_k = kernels
        self.x4, self.dw_k, self.pw_k = x4, dw_k, pw_k
        self.d = K_conv.depthwise_conv2d_forward(x4, dw_k, self.strides, self.dilation,
                                                 self.pads)
        return K_conv.conv2d_forward(self.d, pw_k)

    def product_grads(self, dz, need):
        x4, d, geo = self.x4, self.d, (self.strides, self.dilation, self.pads)
        dpw = K_conv.conv2d_backward_weight(d, dz, self.pw_k.shape) if need[2] else None
        dx = ddw = None
        if need[0] or need[1]:
            dd = K_conv.conv2d_backward_input(dz, self.pw_k, d.shape)
            if need[1]:
                ddw = K_conv.depthwise_conv2d_backward_weight(x4, dd, self.dw_k.shape, *geo)
            if need[0]:
                dx = K_conv.depthwise_conv2d_backward_input(dd, self.dw_k, x4.shape, *geo)
        return dx, ddw, dpw


class ConvTranspose(_FusedConv):
    """act(conv_transpose(x, kernel) + bias); kernel (KH, KW, C_out, C_in).

    Args (besides _FusedConv's): output_spatial, the (OH, OW) of the result (1D: (1, OL)).
    """

    def __init__(self, rank, strides, dilation, pads, output_spatial, **kwargs):
        super().__init__(rank, strides, dilation, pads, **kwargs)
        self.output_spatial = tuple(output_spatial)

    def product(self, x4, kernels):
        (w,) = kernels
        self.x4, self.w = x4, w
        out_shape = (x4.shape[0],) + self.output_spatial + (w.shape[2],)
        return K_conv.conv2d_transpose_forward(x4, w, out_shape, self.strides, self.dilation,
                                               self.pads)

    def product_grads(self, dz, need):
        x4, w, geo = self.x4, self.w, (self.strides, self.dilation, self.pads)
        dx = K_conv.conv2d_transpose_backward_input(dz, w, x4.shape, *geo) if need[0] else None
        dw = K_conv.conv2d_transpose_backward_weight(x4, dz, w.shape, *geo) if need[1] else None
        return dx, dw


# -------------------------------------------------------------------------- functions

def _activation_args(activation):
    """(code, alpha) of a fused activation name; elu's alpha is Keras's default, 1."""
    return K_act.CODES[activation], (1.0 if activation == "elu" else 0.0)


def _run_fused(op_cls, args, kwargs, inputs, activation):
    """Call `op_cls(*args, **kwargs)` on `inputs` with the named activation fused."""
    activation = activation or "linear"
    if activation == "sigmoid":
        y, z = op_cls(*args, keep_logits=True, **kwargs)(*inputs)
        return _with_logits(y, z, "sigmoid")
    if activation == "softmax":
        return activation_by_name(op_cls(*args, **kwargs)(*inputs), "softmax")
    code, alpha = _activation_args(activation)
    return op_cls(*args, code=code, alpha=alpha, **kwargs)(*inputs)


def _as_kernel_dtype(x, kernel):
    """x in the kernel's dtype (Keras casts a layer's inputs to its compute dtype)."""
    xd, kd = np.asarray(unwrap(x)).dtype, np.asarray(unwrap(kernel)).dtype
    if xd == kd:
        return x
    from .math import cast
    return cast(x, kd)


def _shape(x):
    return np.shape(unwrap(x))


def conv_eager(rank, x, kernel, bias=None, strides=1, padding="valid", data_format=None,
               dilation_rate=1, activation="linear"):
    """`conv1d`/`conv2d` for callers that never pass symbolic tensors (the layers)."""
    cf = _is_channels_first(data_format)
    x = _as_kernel_dtype(x, kernel)
    window = _shape(kernel)[:rank]
    geo = window_geometry(rank, spatial_shape(_shape(x), rank, cf), window, strides,
                          str(padding).lower(), dilation_rate)
    return _run_fused(Conv, (rank, *geo, cf), {}, (x, kernel, bias), activation)


def depthwise_conv_eager(rank, x, depthwise_kernel, bias=None, strides=1, padding="valid",
                         data_format=None, dilation_rate=1, activation="linear"):
    """`depthwise_conv1d`/`depthwise_conv2d` for the layers."""
    cf = _is_channels_first(data_format)
    x = _as_kernel_dtype(x, depthwise_kernel)
    window = _shape(depthwise_kernel)[:rank]
    geo = window_geometry(rank, spatial_shape(_shape(x), rank, cf), window, strides,
                          str(padding).lower(), dilation_rate)
    return _run_fused(DepthwiseConv, (rank, *geo, cf), {}, (x, depthwise_kernel, bias),
                      activation)


def separable_conv_eager(rank, x, depthwise_kernel, pointwise_kernel, bias=None, strides=1,
                         padding="valid", data_format=None, dilation_rate=1,
                         activation="linear"):
    """`separable_conv1d`/`separable_conv2d` for the layers."""
    cf = _is_channels_first(data_format)
    x = _as_kernel_dtype(x, depthwise_kernel)
    window = _shape(depthwise_kernel)[:rank]
    geo = window_geometry(rank, spatial_shape(_shape(x), rank, cf), window, strides,
                          str(padding).lower(), dilation_rate)
    return _run_fused(SeparableConv, (rank, *geo, cf), {},
                      (x, depthwise_kernel, pointwise_kernel, bias), activation)


def conv_transpose_output_shape(rank, spatial, window, strides, padding, output_padding=None,
                                dilation=1):
    """Spatial output sizes of a transposed conv, as Keras's `deconv_output_length`."""
    window = normalize_tuple(window, rank, "kernel_size")
    strides = normalize_tuple(strides, rank, "strides")
    dilation = normalize_tuple(dilation, rank, "dilation_rate")
    out_pad = (None,) * rank if output_padding is None else \
        normalize_tuple(output_padding, rank, "output_padding")
    return tuple(conv_transpose_output_length(s, k, padding, p, st, d)
                 for s, k, p, st, d in zip(spatial, window, out_pad, strides, dilation))


def conv_transpose_eager(rank, x, kernel, bias=None, output_padding=None, strides=1,
                         padding="valid", data_format=None, dilation_rate=1,
                         activation="linear"):
    """`conv1d_transpose`/`conv2d_transpose` for the layers; kernel (KH, KW, C_out, C_in)."""
    cf = _is_channels_first(data_format)
    x = _as_kernel_dtype(x, kernel)
    padding = str(padding).lower()
    window = _shape(kernel)[:rank]
    spatial = spatial_shape(_shape(x), rank, cf)
    out = conv_transpose_output_shape(rank, spatial, window, strides, padding, output_padding,
                                      dilation_rate)
    # the pads are those of the forward conv whose input gradient this is
    geo = window_geometry(rank, out, window, strides, padding, dilation_rate)
    for size, o, k, s, d in zip(spatial, out, window, normalize_tuple(strides, rank, "strides"),
                                normalize_tuple(dilation_rate, rank, "dilation_rate")):
        if conv_output_length(o, k, padding, s, d) != size:
            raise ValueError(
                f"conv_transpose: output size {o} (from input size {size}, kernel {k}, "
                f"stride {s}, padding {padding!r}, output_padding {output_padding}) does "
                "not map back to the input; choose another output_padding")
    out_spatial = (1,) + out if rank == 1 else out
    return _run_fused(ConvTranspose, (rank, *geo, out_spatial), {"channels_first": cf},
                      (x, kernel, bias), activation)


conv1d = polymorphic_rank(conv_eager, 1, "conv1d", """1D convolution of x (N, L, C) or (N, C, L).

    conv1d(x, kernel, bias=None, strides=1, padding='valid', data_format=None,
    dilation_rate=1, activation='linear'); kernel (K, C_in, C_out); padding 'valid',
    'same' or 'causal'.""")
conv2d = polymorphic_rank(conv_eager, 2, "conv2d", """2D convolution, Keras's arguments.

    conv2d(x, kernel, bias=None, strides=1, padding='valid', data_format=None,
    dilation_rate=1, activation='linear'); kernel (KH, KW, C_in, C_out).""")
depthwise_conv1d = polymorphic_rank(depthwise_conv_eager, 1, "depthwise_conv1d",
                                     "Depthwise 1D convolution; kernel (K, C_in, M).")
depthwise_conv2d = polymorphic_rank(depthwise_conv_eager, 2, "depthwise_conv2d",
                                     "Depthwise 2D convolution; kernel (KH, KW, C_in, M).")
separable_conv1d = polymorphic_rank(
    separable_conv_eager, 1, "separable_conv1d",
    "Depthwise then pointwise 1D convolution; kernels (K, C_in, M) and (1, C_in * M, F).")
separable_conv2d = polymorphic_rank(
    separable_conv_eager, 2, "separable_conv2d",
    "Depthwise then pointwise 2D convolution; kernels (KH, KW, C_in, M), (1, 1, C_in*M, F).")
conv1d_transpose = polymorphic_rank(conv_transpose_eager, 1, "conv1d_transpose",
                                     "Transposed 1D convolution; kernel (K, C_out, C_in).")
conv2d_transpose = polymorphic_rank(conv_transpose_eager, 2, "conv2d_transpose",
                                     "Transposed 2D convolution; kernel (KH, KW, C_out, C_in).")

__all__ = ["Conv", "DepthwiseConv", "SeparableConv", "ConvTranspose", "conv1d", "conv2d",
           "depthwise_conv1d", "depthwise_conv2d", "separable_conv1d", "separable_conv2d",
           "conv1d_transpose", "conv2d_transpose", "window_geometry"]
