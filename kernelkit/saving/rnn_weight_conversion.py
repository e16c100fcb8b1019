"""Loading recurrent weights saved by a CuDNN layer into LSTM/GRU and back (Keras 2.2.4's rules).

Keras 2.2.4's weight loader converts, by the saved bias's shape:

* CuDNNLSTM -> LSTM: per gate, the kernel block is CuDNN's flattened (units, input_dim)
  matrix transposed, the recurrent block is transposed, and bias = input bias + recurrent
  bias; LSTM -> CuDNNLSTM the other way, with the bias split in two halves (0.5*b, 0.5*b).
* CuDNNGRU <-> GRU(reset_after=True): the same kernel conversions, the bias (6*units,)
  reshaped to (2, 3*units) and back. GRU(reset_after=False) is not compatible (ValueError).

A `Bidirectional` wrapper's saved weights are its forward layer's, then its backward
layer's: each half is converted for its own sub-layer, so `Bidirectional(CuDNNLSTM)` loads
into `Bidirectional(LSTM)` and back (as Keras 2.2.4's `preprocess_weights_for_loading` does).

The converted models compute the same outputs (CuDNNLSTM's recurrent activation is sigmoid:
the LSTM should be built with recurrent_activation='sigmoid' to match).
"""
import numpy as np

__all__ = ["convert_rnn_weights"]

_LSTM, _GRU = ("LSTM", "CuDNNLSTM"), ("GRU", "CuDNNGRU")


def _blocks(kernel, gates, func):
    return np.concatenate([func(k) for k in np.split(kernel, gates, axis=1)], axis=1)


def _convert_kernels(values, gates, from_cudnn):
    kernel, recurrent = np.asarray(values[0]), np.asarray(values[1])
    in_dim, units = kernel.shape[0], recurrent.shape[0]
    if from_cudnn:  # CuDNN's (units, input_dim) row-major matrix, as Keras's (in, units)
        k = _blocks(kernel, gates, lambda b: b.reshape(units, in_dim).T)
    else:
        k = _blocks(kernel, gates, lambda b: b.T.reshape(in_dim, units))
    return k, _blocks(recurrent, gates, lambda b: b.T)


def _kind(name, bias_shape, units, gates):
    if bias_shape == (2 * gates * units,):
        return "CuDNN" + name
    if name == "GRU" and bias_shape == (2, gates * units):
        return "GRU(reset_after=True)"
    if bias_shape == (gates * units,):
        return "GRU(reset_after=False)" if name == "GRU" else "LSTM"
    return None


def convert_rnn_weights(layer, values):
    """The saved `values` of one layer, converted to `layer`'s recurrent weight layout.

    Arguments:
        layer: the layer being loaded (converts only for LSTM, GRU, CuDNNLSTM, CuDNNGRU,
            and a Bidirectional wrapper of them).
        values: the saved weights (arrays, or lazily-read weights with a `shape`).

    Returns:
        `values` unchanged when no conversion applies, else a list of three arrays.

    Raises:
        ValueError: GRU weights with reset_after=False to or from CuDNNGRU/reset_after=True.
    """
    target = type(layer).__name__
    if target == "Bidirectional":
        return _convert_bidirectional(layer, values)
    if len(values) != 3 or target not in _LSTM + _GRU or len(layer.weights) != 3:
        return values
    name, gates = ("LSTM", 4) if target in _LSTM else ("GRU", 3)
    units = tuple(values[1].shape)[0] if len(values[1].shape) == 2 else None
    in_dim = layer.weights[0].shape[0]
    if units is None or tuple(values[0].shape) != (in_dim, gates * units) \
            or tuple(values[1].shape) != (units, gates * units):
        return values
    source = _kind(name, tuple(values[2].shape), units, gates)
    wanted = _kind(name, tuple(layer.weights[2].shape), units, gates)
    if source is None or wanted is None or source == wanted:
        return values
    if "GRU(reset_after=False)" in (source, wanted):
        raise ValueError(f"Layer '{layer.name}': GRU weights saved as {source} are not "
                         f"compatible with {wanted}; use GRU(reset_after=True, "
                         "recurrent_activation='sigmoid') with CuDNNGRU weights.")
    from_cudnn = source.startswith("CuDNN")
    kernel, recurrent = _convert_kernels(values, gates, from_cudnn)
    bias = np.asarray(values[2])
    if name == "LSTM":
        bias = bias[:4 * units] + bias[4 * units:] if from_cudnn else np.tile(0.5 * bias, 2)
    else:
        bias = bias.reshape(-1) if from_cudnn is False else bias.reshape(2, -1)
    return [kernel, recurrent, bias]


def _convert_bidirectional(layer, values):
    """Each half of a Bidirectional's saved weights, converted for its own sub-layer."""
    forward, backward = layer.forward_layer, layer.backward_layer
    n_forward = len(forward.weights)
    if len(values) != n_forward + len(backward.weights):
        return values  # the loader reports the count mismatch
    return (list(convert_rnn_weights(forward, list(values[:n_forward])))
            + list(convert_rnn_weights(backward, list(values[n_forward:]))))
