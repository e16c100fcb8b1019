"""Keras 2.2.4's `preprocess_weights_for_loading`: saved weights in older layouts, converted to
the layout of the layer that receives them.

* Keras 1 files (no `keras_version` attribute, which Keras's loader reads as `'1'`): the
  per-gate recurrent weights of LSTM (12 arrays, gates i, c, f, o), GRU (9 arrays, z, r, h)
  and ConvLSTM2D are fused into Keras 2's kernel / recurrent_kernel / bias (gates i, f, c, o
  for LSTM); channels_first Conv2D/Conv3D kernels `(filters, in, *spatial)` and Conv2DTranspose
  kernels are transposed to Keras 2's `(*spatial, in, filters)` / `(*spatial, filters, in)`;
  Conv1D kernels of Keras 1.1 `(length, 1, in, filters)` (or older `(filters, in, length, 1)`)
  lose their dummy axis.
* Theano files: convolution kernels are flipped along their spatial axes (Theano convolves,
  kernelkit like TensorFlow correlates).
* CuDNN layers: CuDNNLSTM <-> LSTM and CuDNNGRU <-> GRU(reset_after=True), through
  `rnn_weight_conversion.convert_rnn_weights` (the loader's own conversion).
* Wrappers and nested models: Bidirectional (forward half, backward half), TimeDistributed
  (the inner layer) and Model/Sequential (each sublayer's trainable weights, then each
  sublayer's non-trainable ones, as Keras saves them) are converted layer by layer.
"""
import numpy as np

from ..utils.conv_utils import convert_kernel
from .rnn_weight_conversion import convert_rnn_weights

__all__ = ["preprocess_weights_for_loading"]

_CONV_LAYERS = ("Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "ConvLSTM2D")
# Whether a backend's convolution is a correlation (TensorFlow, CNTK, kernelkit) or a true
# convolution with a flipped kernel (Theano).
_USES_CORRELATION = {"tensorflow": True, "cntk": True, "theano": False, "kernelkit": True}


def _is_model(layer):
    return any(c.__name__ in ("Model", "Sequential", "Network") for c in type(layer).__mro__) \
        and hasattr(layer, "layers")


def _fuse_gates(weights, order):
    """Keras 1's per-gate (W, U, b) triples as Keras 2's [kernel, recurrent_kernel, bias]."""
    return [np.concatenate([np.asarray(weights[3 * g + part]) for g in order], axis=-1)
            for part in range(3)]


def _convert_nested(layer, weights, version, backend):
    name = type(layer).__name__
    if name == "Bidirectional":
        half = len(weights) // 2
        return (preprocess_weights_for_loading(layer.forward_layer, weights[:half], version,
                                               backend) +
                preprocess_weights_for_loading(layer.backward_layer, weights[half:], version,
                                               backend))
    if name == "TimeDistributed":
        return preprocess_weights_for_loading(layer.layer, weights, version, backend)
    if _is_model(layer):
        out, rest = [], list(weights)
        for trainable in (True, False):
            for sub in layer.layers:
                n = len(sub.trainable_weights) if trainable else \
                    len(sub.weights) - len(sub.trainable_weights)
                if n:
                    out += preprocess_weights_for_loading(sub, rest[:n], version, backend)
                    rest = rest[n:]
        return out + rest
    return weights


def _from_keras_1(layer, weights):
    name = type(layer).__name__
    if name == "Conv1D":
        kernel = np.asarray(weights[0])
        if kernel.ndim == 4:
            if kernel.shape[:2] != (layer.kernel_size[0], 1) or kernel.shape[3] != layer.filters:
                # oldest layout: (filters, input_dim, length, 1)
                if kernel.shape[0] != layer.filters or \
                        kernel.shape[2:] != (layer.kernel_size[0], 1):
                    raise ValueError(f"Layer '{layer.name}': a Keras 1 Conv1D kernel of shape "
                                     f"{kernel.shape} fits neither (length, 1, input_dim, "
                                     f"filters) nor (filters, input_dim, length, 1) with "
                                     f"length={layer.kernel_size[0]}, filters={layer.filters}.")
                kernel = np.transpose(kernel, (2, 3, 1, 0))
            weights[0] = kernel[:, 0, :, :]
    elif name in ("Conv2D", "Conv3D") and layer.data_format == "channels_first":
        # (filters, input_dim, *spatial) -> (*spatial, input_dim, filters)
        kernel = np.asarray(weights[0])
        weights[0] = np.transpose(kernel, tuple(range(2, kernel.ndim)) + (1, 0))
    elif name == "Conv2DTranspose":
        order = (0, 1, 3, 2) if layer.data_format == "channels_last" else (2, 3, 0, 1)
        weights[0] = np.transpose(np.asarray(weights[0]), order)
    elif name == "GRU" and len(weights) == 9:
        weights = _fuse_gates(weights, (0, 1, 2))  # z, r, h in both versions
    elif name in ("LSTM", "ConvLSTM2D") and len(weights) == 12:
        weights = _fuse_gates(weights, (0, 2, 1, 3))  # Keras 1: i, c, f, o; Keras 2: i, f, c, o
        if name == "ConvLSTM2D" and layer.data_format == "channels_first":
            weights[0] = np.transpose(weights[0], (2, 3, 1, 0))
            weights[1] = np.transpose(weights[1], (2, 3, 1, 0))
    return weights


def _needs_kernel_flip(original_backend):
    if original_backend is None or original_backend not in _USES_CORRELATION:
        return False  # unknown origin: leave the kernels as they are, as Keras does
    return not _USES_CORRELATION[original_backend]


def _convert_conv_kernel(layer, weights, original_backend, reshape):
    name = type(layer).__name__
    target = tuple(layer.weights[0].shape)
    if _needs_kernel_flip(original_backend):
        weights[0] = convert_kernel(weights[0])
        if name == "ConvLSTM2D":
            weights[1] = convert_kernel(weights[1])
    shape = tuple(np.shape(weights[0]))
    if shape == target:
        return weights
    if reshape:
        if int(np.prod(shape)) != int(np.prod(target)):
            raise ValueError(f"Weights must be of equal size to apply a reshape operation. "
                             f"Layer {layer.name}'s weights have shape {target} and size "
                             f"{int(np.prod(target))}. The weights for loading have shape "
                             f"{shape} and size {int(np.prod(shape))}.")
        weights[0] = np.reshape(weights[0], target)
    elif len(shape) == 4 and tuple(shape[i] for i in (3, 2, 0, 1)) == target:
        # Keras 2.2.4's last resort for a 2D kernel of another shape; done here only when
        # that transpose gives the layer's shape (otherwise the loader names the mismatch)
        weights[0] = np.transpose(weights[0], (3, 2, 0, 1))
        if name == "ConvLSTM2D":
            weights[1] = np.transpose(weights[1], (3, 2, 0, 1))
    return weights


def preprocess_weights_for_loading(layer, weights, original_keras_version=None,
                                   original_backend=None, reshape=False):
    """Convert saved weights of one layer to the layout of `layer` (Keras 1, Theano, CuDNN).

    Arguments:
        layer: the layer instance that will receive the weights (built).
        weights: list of the saved weight arrays, in the file's order.
        original_keras_version: the `keras_version` the file was written by, as a string
            (`'1'` when the file has none, as Keras 1 files do); None: current layout.
        original_backend: the backend the weights were trained with (`'theano'`,
            `'tensorflow'`, `'cntk'`), or None when unknown.
        reshape: Boolean; reshape a convolution kernel that has the right number of values
            but another shape.

    Returns:
        A list of NumPy arrays in `layer`'s layout (the input list is not modified).

    Raises:
        ValueError: a convolution kernel to reshape has another number of values, a Keras 1
            Conv1D kernel fits no known layout, or GRU weights with reset_after=False are
            loaded into CuDNNGRU / GRU(reset_after=True) or the other way round.

    Example:
        ```python
        # Keras 1's LSTM saved W_i, U_i, b_i, W_c, U_c, b_c, W_f, U_f, b_f, W_o, U_o, b_o
        lstm.set_weights(preprocess_weights_for_loading(lstm, keras1_arrays, '1'))
        ```
    """
    weights = list(weights)
    weights = _convert_nested(layer, weights, original_keras_version, original_backend)
    version = None if original_keras_version is None else str(original_keras_version)
    if version is not None and (version == "1" or version.startswith("1.")):
        weights = _from_keras_1(layer, weights)
    if type(layer).__name__ in _CONV_LAYERS and weights and layer.weights:
        weights = _convert_conv_kernel(layer, weights, original_backend, reshape)
    return list(convert_rnn_weights(layer, weights))
