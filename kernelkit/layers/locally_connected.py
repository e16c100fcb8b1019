"""LocallyConnected1D and LocallyConnected2D: convolutions whose weights are not shared.

Each output position has its own (kernel_size * input_dim, filters) matrix and its own
bias, held in Keras 2.2.4's layout:

* 1D: kernel (output_length, kernel_size * input_dim, filters), bias (output_length, filters);
* 2D: kernel (output_row * output_col, kernel_rows * kernel_cols * input_dim, filters),
  bias (output_row, output_col, filters).

Only padding='valid' (Keras 2.2.4 raises for anything else). `implementation` (1 or 2, the
argument later Keras 2 versions added) is accepted and stored; both compute the same values
here with one gather + batched matmul op (ops/local_conv.py).
"""
from ..ops.local_conv import local_conv1d, local_conv2d
from ..ops.nn import bias_add
from .conv_base import _Conv
from .spatial import split_shape

__all__ = ["LocallyConnected1D", "LocallyConnected2D"]


class _LocallyConnected(_Conv):
    """What LocallyConnected1D and 2D share: weights per output position."""

    _paddings = ("valid",)
    _fused_activation = staticmethod(lambda activation: None)   # its op applies the activation

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 implementation=1, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         **kwargs)
        if implementation not in (1, 2):
            raise ValueError(f"{type(self).__name__} layer '{self.name}': `implementation` "
                             f"must be 1 or 2, got {implementation!r}.")
        self.implementation = implementation

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        spatial = split_shape(input_shape, self.rank, self.data_format)[1]
        if any(s is None for s in spatial):
            raise ValueError(f"{type(self).__name__} layer '{self.name}': the spatial "
                             f"dimensions of the inputs must be known, got input shape "
                             f"{tuple(input_shape)}.")
        self.compute_output_shape(input_shape)
        self.output_spatial = self._output_spatial(spatial)
        positions = 1
        for o in self.output_spatial:
            positions *= o
        patch = channels
        for k in self.kernel_size:
            patch *= k
        self._channels = channels
        self.kernel = self.add_weight("kernel", (positions, patch, self.filters),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", self.output_spatial + (self.filters,),
                                    initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.built = True

    def _expected_channels(self):
        return self._channels

    def _op(self, inputs, activation):
        out = self._local(inputs)
        if self.bias is not None:
            out = bias_add(out, self.bias, self.data_format)
        return out

    def get_config(self):
        cfg = super().get_config()
        for key in ("dilation_rate", "groups"):
            cfg.pop(key, None)
        cfg["implementation"] = self.implementation
        return cfg


class LocallyConnected1D(_LocallyConnected):
    """Locally-connected layer for 1D inputs: a Conv1D whose weights are not shared.

    Arguments:
        filters: int, the number of output filters.
        kernel_size: int or tuple of 1 int, the window length.
        strides: int or tuple of 1 int.
        padding: only 'valid' (ValueError otherwise).
        data_format: 'channels_last' (batch, steps, channels) or 'channels_first'.
        activation: as Conv1D; so are use_bias, kernel_initializer, bias_initializer,
            kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint
            and bias_constraint.
        implementation: 1 or 2 (same results).

    Input shape: (batch, steps, input_dim). Output shape: (batch, new_steps, filters).
    Weights: kernel (output_length, kernel_size * input_dim, filters), bias
    (output_length, filters).

    Raises:
        ValueError: padding other than 'valid', a bad `implementation`, unknown steps.
    """

    rank = 1

    def _local(self, inputs):
        return local_conv1d(inputs, self.kernel, self.kernel_size, self.strides,
                            self.data_format)


class LocallyConnected2D(_LocallyConnected):
    """Locally-connected layer for 2D inputs: a Conv2D whose weights are not shared.

    Arguments:
        filters: int, the number of output filters.
        kernel_size: int or tuple of 2 ints, the window's height and width.
        strides: int or tuple of 2 ints.
        padding: only 'valid' (ValueError otherwise).
        data_format: 'channels_last' (batch, rows, cols, channels) or 'channels_first'.
        activation: as Conv2D; so are use_bias, kernel_initializer, bias_initializer,
            kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint
            and bias_constraint.
        implementation: 1 or 2 (same results).

    Weights: kernel (output_row * output_col, kernel_rows * kernel_cols * input_dim,
    filters), bias (output_row, output_col, filters).

    Raises:
        ValueError: padding other than 'valid', a bad `implementation`, unknown rows/cols.
    """

    rank = 2

    def _local(self, inputs):
        return local_conv2d(inputs, self.kernel, self.kernel_size, self.strides,
                            self.output_spatial, self.data_format)
