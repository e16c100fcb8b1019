"""3D convolution ops: conv3d and conv3d_transpose, bias and activation fused.

They are the 2D ops of `ops/conv.py` with the 3D kernels of `kernels/conv3d.py` under
them: the same fused bias + activation, the same sigmoid-with-logits output, and the same
layout handling (a channels_first input is moved to channels-last on the way in and the
output back on the way out; channels_last pays nothing).
"""
from ..kernels import conv3d as K_conv3d
from ..kernels.conv_utils import conv_output_length, normalize_tuple
from .conv import (_as_kernel_dtype, _FusedConv, _is_channels_first, _run_fused, _shape,
                   conv_transpose_output_shape, spatial_shape, window_geometry)
from .core import polymorphic


class Conv3D(_FusedConv):
    """act(conv3d(x, kernel) + bias); kernel (KD, KH, KW, C_in, C_out).

    Args: as `_FusedConv`'s with rank 3, strides and dilation triples and the six pads
    (front, back, top, bottom, left, right) of `window_geometry(3, ...)`.
    """

    def product(self, x5, kernels):
        (w,) = kernels
        self.x5, self.w = x5, w
        return K_conv3d.conv3d_forward(x5, w, self.strides, self.dilation, self.pads)

    def product_grads(self, dz, need):
        x5, w, geo = self.x5, self.w, (self.strides, self.dilation, self.pads)
        dx = K_conv3d.conv3d_backward_input(dz, w, x5.shape, *geo) if need[0] else None
        dw = K_conv3d.conv3d_backward_weight(x5, dz, w.shape, *geo) if need[1] else None
        return dx, dw


class Conv3DTranspose(_FusedConv):
    """act(conv3d_transpose(x, kernel) + bias); kernel (KD, KH, KW, C_out, C_in).

    Args (besides _FusedConv's): output_spatial, the (OD, OH, OW) of the result; the
    pads are those of the forward conv whose input gradient this op is.
    """

    def __init__(self, rank, strides, dilation, pads, output_spatial, **kwargs):
        super().__init__(rank, strides, dilation, pads, **kwargs)
        self.output_spatial = tuple(output_spatial)

    def product(self, x5, kernels):
        (w,) = kernels
        self.x5, self.w = x5, w
        out_shape = (x5.shape[0],) + self.output_spatial + (w.shape[3],)
        return K_conv3d.conv3d_transpose_forward(x5, w, out_shape, self.strides,
                                                 self.dilation, self.pads)

    def product_grads(self, dz, need):
        x5, w, geo = self.x5, self.w, (self.strides, self.dilation, self.pads)
        dx = K_conv3d.conv3d_transpose_backward_input(dz, w, x5.shape, *geo) if need[0] \
            else None
        dw = K_conv3d.conv3d_transpose_backward_weight(x5, dz, w.shape, *geo) if need[1] \
            else None
        return dx, dw


def _check_kernel_rank(what, kernel):
    if len(_shape(kernel)) != 5:
        raise ValueError(f"{what}: `kernel` must be 5D (depth, rows, cols, channels, "
                         f"channels), got shape {tuple(_shape(kernel))}")


def check_padding_3d(what, padding):
    """'valid' or 'same' (case-insensitive), lowered; the only paddings of 3D ops."""
    value = str(padding).lower()
    if value not in ("valid", "same"):
        raise ValueError(f"{what}: `padding` must be 'valid' or 'same', got {padding!r}")
    return value


def _check_input_rank(what, x):
    if len(_shape(x)) != 5:
        raise ValueError(f"{what}: `x` must be 5D (batch, depth, rows, cols, channels) or "
                         f"channels_first, got shape {tuple(_shape(x))}")


def conv3d_eager(x, kernel, bias=None, strides=(1, 1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1, 1), activation="linear"):
    """`conv3d` for callers that never pass symbolic tensors (the layers)."""
    _check_input_rank("conv3d", x)
    _check_kernel_rank("conv3d", kernel)
    cf = _is_channels_first(data_format)
    x = _as_kernel_dtype(x, kernel)
    geo = window_geometry(3, spatial_shape(_shape(x), 3, cf), _shape(kernel)[:3], strides,
                          check_padding_3d("conv3d", padding), dilation_rate)
    return _run_fused(Conv3D, (3, *geo, cf), {}, (x, kernel, bias), activation)


def conv3d_transpose_eager(x, kernel, bias=None, output_padding=None, strides=(1, 1, 1),
                           padding="valid", data_format=None, dilation_rate=(1, 1, 1),
                           activation="linear", output_shape=None):
    """`conv3d_transpose` for the layers; kernel (KD, KH, KW, C_out, C_in).

    The output's spatial size comes from `output_shape` (a full 5D shape in `data_format`,
    as `K.conv3d_transpose` takes it) when given, else from Keras's `deconv_length` with
    `output_padding`.
    """
    what = "conv3d_transpose"
    _check_input_rank(what, x)
    _check_kernel_rank(what, kernel)
    cf = _is_channels_first(data_format)
    x = _as_kernel_dtype(x, kernel)
    padding = check_padding_3d(what, padding)
    window = _shape(kernel)[:3]
    spatial = spatial_shape(_shape(x), 3, cf)
    if output_shape is not None:
        out = tuple(int(s) for s in spatial_shape(tuple(output_shape), 3, cf))
    else:
        out = conv_transpose_output_shape(3, spatial, window, strides, padding,
                                          output_padding, dilation_rate)
    strides = normalize_tuple(strides, 3, "strides")
    dilation_rate = normalize_tuple(dilation_rate, 3, "dilation_rate")
    for size, o, k, s, d in zip(spatial, out, window, strides, dilation_rate):
        if o < 1 or conv_output_length(o, k, padding, s, d) != size:
            raise ValueError(
                f"{what}: output size {o} (input size {size}, kernel {k}, stride {s}, "
                f"padding {padding!r}, output_padding {output_padding}, output_shape "
                f"{output_shape}) does not map back to the input: a conv with these "
                "arguments would not give the input's size")
    # the pads are those of the forward conv whose input gradient this is
    geo = window_geometry(3, out, window, strides, padding, dilation_rate)
    return _run_fused(Conv3DTranspose, (3, *geo, out), {"channels_first": cf},
                      (x, kernel, bias), activation)


conv3d = polymorphic(conv3d_eager)
conv3d.__doc__ = """3D convolution of x (N, D, H, W, C) or, channels_first, (N, C, D, H, W).

    conv3d(x, kernel, bias=None, strides=(1, 1, 1), padding='valid', data_format=None,
    dilation_rate=(1, 1, 1), activation='linear'); kernel (KD, KH, KW, C_in, C_out);
    padding 'valid' or 'same'. Runs eagerly, or adds a node on symbolic tensors."""
conv3d_transpose = polymorphic(conv3d_transpose_eager)
conv3d_transpose.__doc__ = """Transposed 3D convolution; kernel (KD, KH, KW, C_out, C_in).

    conv3d_transpose(x, kernel, bias=None, output_padding=None, strides=(1, 1, 1),
    padding='valid', data_format=None, dilation_rate=(1, 1, 1), activation='linear',
    output_shape=None)."""

__all__ = ["Conv3D", "Conv3DTranspose", "check_padding_3d", "conv3d", "conv3d_transpose",
           "conv3d_eager", "conv3d_transpose_eager"]
