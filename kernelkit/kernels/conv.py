"""Convolution kernels: 2D (1D as H=1), depthwise and transposed, forward and backward.

The kernels live in modules named for what they hold, all re-exported here:

* kernels/im2col.py: the unrolling kernels and the blocked BLAS products built on them;
* kernels/conv2d.py: conv2d and its transpose (im2col + BLAS);
* kernels/depthwise.py: the depthwise conv (direct row kernels, no BLAS);
* kernels/conv1d.py: the 1D convolutions as their 2D kernels on H = 1.

Layouts are Keras's, channels-last and C-contiguous:

* input x: (N, H, W, C_in); output y: (N, OH, OW, C_out);
* conv2d weights: (KH, KW, C_in, C_out); depthwise: (KH, KW, C_in, depth_multiplier),
  output channel c * depth_multiplier + m; Conv2DTranspose: (KH, KW, C_out, C_in).

Every function takes `strides` and `dilation` as (rows, cols) pairs of ints and `pads` as
explicit (top, bottom, left, right) zero cells; `conv_utils.padding_amounts` turns a Keras
padding name into these. The 1D functions take a 1-tuple or an int, and (before, after).
A direct (no im2col) loop for conv2d was measured and is slower on the benchmark CNN's second
conv (benchmarks/FIGURES.md; benchmarks/bench_conv_kernels.py --direct). The tuning knobs
(block sizes, thresholds) are in kernels/config.py.
"""
from .conv1d import (conv1d_backward_input, conv1d_backward_weight, conv1d_forward,
                     conv1d_transpose_backward_input, conv1d_transpose_backward_weight,
                     conv1d_transpose_forward, depthwise_conv1d_backward_input,
                     depthwise_conv1d_backward_weight, depthwise_conv1d_forward)
from .conv2d import (conv2d_backward_input, conv2d_backward_weight, conv2d_forward,
                     conv2d_transpose_backward_input, conv2d_transpose_backward_weight,
                     conv2d_transpose_forward)
from .depthwise import (depthwise_backward_input_rows, depthwise_backward_input_rows_parallel,
                        depthwise_backward_weight_blocks,
                        depthwise_backward_weight_blocks_parallel,
                        depthwise_conv2d_backward_input, depthwise_conv2d_backward_weight,
                        depthwise_conv2d_forward, depthwise_forward_rows,
                        depthwise_forward_rows_parallel)
from .im2col import (col2im_rows_add, im2col_rows, row_blocks, unrolled_product,
                     unrolled_product_adjoint, unrolled_weight_gradient)

__all__ = [
    "conv2d_forward", "conv2d_backward_input", "conv2d_backward_weight",
    "conv2d_transpose_forward", "conv2d_transpose_backward_input",
    "conv2d_transpose_backward_weight",
    "depthwise_conv2d_forward", "depthwise_conv2d_backward_input",
    "depthwise_conv2d_backward_weight", "depthwise_forward_rows",
    "depthwise_forward_rows_parallel", "depthwise_backward_input_rows",
    "depthwise_backward_input_rows_parallel", "depthwise_backward_weight_blocks",
    "depthwise_backward_weight_blocks_parallel",
    "conv1d_forward", "conv1d_backward_input", "conv1d_backward_weight",
    "depthwise_conv1d_forward", "depthwise_conv1d_backward_input",
    "depthwise_conv1d_backward_weight", "conv1d_transpose_forward",
    "conv1d_transpose_backward_input", "conv1d_transpose_backward_weight",
    "im2col_rows", "col2im_rows_add", "row_blocks", "unrolled_product",
    "unrolled_product_adjoint", "unrolled_weight_gradient",
]
