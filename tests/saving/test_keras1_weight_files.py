"""load_weights converts weight files in old layouts as Keras 2.2.4's loader does: a file
without `keras_version` is a Keras 1 file (per-gate LSTM weights fused), and a Theano file's
convolution kernels are flipped. Files in today's layout load unchanged."""
import h5py
import numpy as np

from kernelkit.layers import LSTM, Conv2D, Dense, Flatten
from kernelkit.models import Sequential


def _rewrite_layer(path, layer_name, arrays, drop_version=True, backend=None):
    with h5py.File(path, "r+") as f:
        if drop_version:
            del f.attrs["keras_version"]
        if backend is not None:
            f.attrs["backend"] = np.bytes_(backend)
        g = f[layer_name]
        for name in list(g.keys()):
            del g[name]
        names = []
        for i, a in enumerate(arrays):
            names.append(f"{layer_name}_w{i}".encode())
            g.create_dataset(names[-1].decode(), data=a)
        g.attrs["weight_names"] = np.array(names)


def test_keras1_lstm_weight_file_is_fused_on_load(tmp_path):
    rng = np.random.default_rng(0)
    model = Sequential([LSTM(3, input_shape=(4, 2), name="lstm"), Dense(2, name="dense")])
    kernel, recurrent, bias = [rng.standard_normal(w.shape).astype("float32")
                               for w in model.layers[0].get_weights()]
    dense = [rng.standard_normal(w.shape).astype("float32") for w in model.layers[1].get_weights()]
    path = str(tmp_path / "keras1.h5")
    model.save_weights(path)
    # Keras 1 order: W, U, b of gates i, c, f, o; Keras 2 fuses gates i, f, c, o
    gate = {"i": 0, "f": 1, "c": 2, "o": 3}
    arrays = []
    for g in "icfo":
        cols = slice(3 * gate[g], 3 * gate[g] + 3)
        arrays += [kernel[:, cols], recurrent[:, cols], bias[cols]]
    _rewrite_layer(path, "lstm", arrays)
    with h5py.File(path, "r+") as f:
        for i, (name, a) in enumerate(zip(("dense/kernel:0", "dense/bias:0"), dense)):
            f["dense"][name][...] = a
    fresh = Sequential([LSTM(3, input_shape=(4, 2), name="lstm"), Dense(2, name="dense")])
    fresh.load_weights(path)
    for got, want in zip(fresh.get_weights(), [kernel, recurrent, bias] + dense):
        np.testing.assert_array_equal(got, want)
    by_name = Sequential([LSTM(3, input_shape=(4, 2), name="lstm"), Dense(2, name="dense")])
    by_name.load_weights(path, by_name=True)
    np.testing.assert_array_equal(by_name.layers[0].get_weights()[0], kernel)


def test_theano_conv_kernels_are_flipped_and_todays_files_are_not(tmp_path):
    rng = np.random.default_rng(1)
    model = Sequential([Conv2D(2, 3, input_shape=(5, 5, 1), name="conv"), Flatten(),
                        Dense(1, name="dense")])
    model.set_weights([rng.standard_normal(w.shape).astype("float32")
                       for w in model.get_weights()])
    path = str(tmp_path / "w.h5")
    model.save_weights(path)
    same = Sequential([Conv2D(2, 3, input_shape=(5, 5, 1), name="conv"), Flatten(),
                       Dense(1, name="dense")])
    same.load_weights(path)
    for a, b in zip(same.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    kernel, conv_bias = model.layers[0].get_weights()
    with h5py.File(path, "r+") as f:
        f.attrs["backend"] = np.bytes_("theano")
    theano = Sequential([Conv2D(2, 3, input_shape=(5, 5, 1), name="conv"), Flatten(),
                         Dense(1, name="dense")])
    theano.load_weights(path)
    np.testing.assert_array_equal(theano.layers[0].get_weights()[0], kernel[::-1, ::-1])
    np.testing.assert_array_equal(theano.layers[0].get_weights()[1], conv_bias)
