"""Keras 1 spellings that Keras 2.2.4 accepts, with its warning naming the Keras 2 call.

Each Keras 1 call must give a layer whose config equals the one written the Keras 2 way.
"""
import warnings

import numpy as np
import pytest

from kernelkit import layers as L
from kernelkit import regularizers
from kernelkit.legacy.layers import AtrousConvolution1D, AtrousConvolution2D

# (Keras 1 call, the same layer in Keras 2 spelling)
CASES = [
    (lambda: L.Dense(output_dim=10, init="he_normal", W_regularizer=regularizers.l2(0.01),
                     b_regularizer=regularizers.l1(0.1), bias=False),
     lambda: L.Dense(units=10, kernel_initializer="he_normal",
                     kernel_regularizer=regularizers.l2(0.01),
                     bias_regularizer=regularizers.l1(0.1), use_bias=False)),
    (lambda: L.Dense(3, W_constraint="max_norm", b_constraint="non_neg"),
     lambda: L.Dense(3, kernel_constraint="max_norm", bias_constraint="non_neg")),
    (lambda: L.Convolution2D(64, 3, 3, border_mode="same"),
     lambda: L.Conv2D(64, (3, 3), padding="same")),
    (lambda: L.Convolution2D(nb_filter=8, nb_row=3, nb_col=2, subsample=(2, 2),
                             dim_ordering="th", init="he_uniform"),
     lambda: L.Conv2D(8, (3, 2), strides=(2, 2), data_format="channels_first",
                      kernel_initializer="he_uniform")),
    (lambda: L.Conv2D(8, 3, nb_col=5, dim_ordering="tf"),
     lambda: L.Conv2D(8, (3, 5), data_format="channels_last")),
    (lambda: L.Convolution2D(8, nb_row=2, nb_col=4), lambda: L.Conv2D(8, (2, 4))),
    (lambda: L.Convolution1D(nb_filter=4, filter_length=3, subsample_length=2,
                             border_mode="same", input_dim=5, input_length=7),
     lambda: L.Conv1D(4, 3, strides=2, padding="same", input_shape=(7, 5))),
    (lambda: L.Convolution3D(4, 3, 2, 1, border_mode="same"),
     lambda: L.Conv3D(4, (3, 2, 1), padding="same")),
    (lambda: L.Convolution3D(4, kernel_dim1=1, kernel_dim2=2, kernel_dim3=3, subsample=(1, 2, 1)),
     lambda: L.Conv3D(4, (1, 2, 3), strides=(1, 2, 1))),
    (lambda: L.Deconvolution2D(8, 3, 3, (None, 10, 10, 8), border_mode="same", subsample=(2, 2)),
     lambda: L.Conv2DTranspose(8, (3, 3), padding="same", strides=(2, 2))),
    (lambda: L.SeparableConv2D(8, 3, 3, init="he_normal", b_regularizer=regularizers.l2(0.1)),
     lambda: L.SeparableConv2D(8, (3, 3), depthwise_initializer="he_normal",
                               pointwise_initializer="he_normal",
                               bias_regularizer=regularizers.l2(0.1))),
    (lambda: L.MaxPooling1D(pool_length=3, stride=2, border_mode="same"),
     lambda: L.MaxPooling1D(pool_size=3, strides=2, padding="same")),
    (lambda: L.AveragePooling1D(pool_length=4), lambda: L.AveragePooling1D(4)),
    (lambda: L.MaxPooling2D((2, 2), border_mode="same", dim_ordering="th"),
     lambda: L.MaxPooling2D((2, 2), padding="same", data_format="channels_first")),
    (lambda: L.AveragePooling3D(dim_ordering="th"),
     lambda: L.AveragePooling3D(data_format="channels_first")),
    (lambda: L.GlobalAveragePooling2D(dim_ordering="th"),
     lambda: L.GlobalAveragePooling2D(data_format="channels_first")),
    (lambda: L.GlobalMaxPooling3D(dim_ordering="tf"),
     lambda: L.GlobalMaxPooling3D(data_format="channels_last")),
    (lambda: L.UpSampling1D(length=3), lambda: L.UpSampling1D(size=3)),
    (lambda: L.UpSampling2D(size=(2, 3), dim_ordering="th"),
     lambda: L.UpSampling2D(size=(2, 3), data_format="channels_first")),
    (lambda: L.UpSampling3D(dim_ordering="th"),
     lambda: L.UpSampling3D(data_format="channels_first")),
    (lambda: L.ZeroPadding2D(padding={"top_pad": 1, "bottom_pad": 2, "left_pad": 3,
                                      "right_pad": 4}, dim_ordering="th"),
     lambda: L.ZeroPadding2D(((1, 2), (3, 4)), data_format="channels_first")),
    (lambda: L.ZeroPadding2D({"top_pad": 2}), lambda: L.ZeroPadding2D(((2, 0), (0, 0)))),
    (lambda: L.ZeroPadding3D((1, 2, 3), dim_ordering="th"),
     lambda: L.ZeroPadding3D((1, 2, 3), data_format="channels_first")),
    (lambda: L.Cropping2D(((1, 1), (2, 2)), dim_ordering="th"),
     lambda: L.Cropping2D(((1, 1), (2, 2)), data_format="channels_first")),
    (lambda: L.Cropping3D(dim_ordering="th"), lambda: L.Cropping3D(data_format="channels_first")),
    (lambda: L.Embedding(100, 8, init="normal", W_regularizer=regularizers.l2(0.1),
                         W_constraint="unit_norm"),
     lambda: L.Embedding(100, 8, embeddings_initializer="normal",
                         embeddings_regularizer=regularizers.l2(0.1),
                         embeddings_constraint="unit_norm")),
    (lambda: L.BatchNormalization(mode=0, beta_init="ones", gamma_init="zeros"),
     lambda: L.BatchNormalization(beta_initializer="ones", gamma_initializer="zeros")),
    (lambda: L.GaussianNoise(sigma=0.3), lambda: L.GaussianNoise(0.3)),
    (lambda: L.GaussianDropout(p=0.2), lambda: L.GaussianDropout(0.2)),
    (lambda: L.Dropout(p=0.5), lambda: L.Dropout(0.5)),
    (lambda: L.SpatialDropout1D(p=0.2), lambda: L.SpatialDropout1D(0.2)),
    (lambda: L.SpatialDropout2D(p=0.2, dim_ordering="th"),
     lambda: L.SpatialDropout2D(0.2, data_format="channels_first")),
    (lambda: L.SpatialDropout3D(p=0.1), lambda: L.SpatialDropout3D(0.1)),
    (lambda: L.PReLU(init="ones"), lambda: L.PReLU(alpha_initializer="ones")),
    (lambda: L.LSTM(output_dim=8, init="he_normal", inner_init="orthogonal",
                    inner_activation="sigmoid", W_regularizer=regularizers.l2(0.1),
                    U_regularizer=regularizers.l1(0.1), dropout_W=0.1, dropout_U=0.2,
                    consume_less="gpu", forget_bias_init="one"),
     lambda: L.LSTM(units=8, kernel_initializer="he_normal", recurrent_initializer="orthogonal",
                    recurrent_activation="sigmoid", kernel_regularizer=regularizers.l2(0.1),
                    recurrent_regularizer=regularizers.l1(0.1), dropout=0.1,
                    recurrent_dropout=0.2, implementation=2, unit_forget_bias=True)),
    (lambda: L.GRU(4, consume_less="mem", input_dim=3, input_length=5),
     lambda: L.GRU(4, implementation=1, input_shape=(5, 3))),
    (lambda: L.SimpleRNN(output_dim=4, b_regularizer=regularizers.l2(0.5)),
     lambda: L.SimpleRNN(4, bias_regularizer=regularizers.l2(0.5))),
    (lambda: AtrousConvolution2D(8, 3, 3, atrous_rate=(2, 2), border_mode="same"),
     lambda: L.Conv2D(8, (3, 3), dilation_rate=(2, 2), padding="same")),
    (lambda: AtrousConvolution1D(8, 3, atrous_rate=2), lambda: L.Conv1D(8, 3, dilation_rate=2)),
]


def _config(layer):
    config = dict(layer.get_config())
    config.pop("name")
    return config


@pytest.mark.parametrize("index", range(len(CASES)))
def test_keras1_call_gives_the_keras2_layer(index):
    keras1, keras2 = CASES[index]
    with pytest.warns(UserWarning, match="Keras 2 API|deprecated") as record:
        old = keras1()
    expected = keras2()
    assert type(old) is type(expected)
    assert _config(old) == _config(expected)
    assert any("Update your `" in str(w.message) or "deprecated" in str(w.message)
               for w in record)


def test_keras2_call_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        L.Dense(3, kernel_initializer="he_normal")
        L.Conv2D(8, (3, 3), strides=(2, 2), padding="same")
        L.MaxPooling1D(2)
        L.LSTM(3, dropout=0.1)


def test_warning_text_is_keras_s_and_points_at_the_caller():
    with pytest.warns(UserWarning) as record:
        L.Dense(output_dim=10)
    assert str(record[0].message) == \
        "Update your `Dense` call to the Keras 2 API: `Dense(units=10)`"
    assert record[0].filename == __file__
    with pytest.warns(UserWarning) as record:
        L.Convolution2D(64, 3, 3, border_mode="same")
    assert str(record[0].message) == \
        'Update your `Conv2D` call to the Keras 2 API: `Conv2D(64, (3, 3), padding="same")`'
    with pytest.warns(UserWarning) as record:
        L.MaxPooling2D(dim_ordering="th")
    assert str(record[0].message) == ("Update your `MaxPooling2D` call to the Keras 2 API: "
                                      '`MaxPooling2D(data_format="channels_first")`')


def test_long_values_are_shortened_in_the_warning():
    regularizer = regularizers.l2(0.5)
    with pytest.warns(UserWarning) as record:
        L.Dense(output_dim=3, W_regularizer=regularizer)
    shown = str(regularizer)[:10] + "..."
    assert len(str(regularizer)) > 10
    assert str(record[0].message).endswith(f"`Dense(units=3, kernel_regularizer={shown})`")


@pytest.mark.parametrize("make, message", [
    (lambda: L.Dense(output_dim=3, units=4), "received both the legacy keyword argument "
                                             "`output_dim` and the Keras 2 keyword argument "
                                             "`units`"),
    (lambda: L.Conv2D(nb_filter=3, filters=4, kernel_size=3), "`nb_filter`"),
    (lambda: L.Conv2D(8, (3, 3), border_mode="same", padding="valid"), "`border_mode`"),
    (lambda: L.LSTM(3, dropout_W=0.1, dropout=0.2), "`dropout_W`"),
    (lambda: L.MaxPooling1D(pool_length=2, pool_size=3), "`pool_length`"),
    (lambda: L.Dropout(p=0.1, rate=0.2), "`p`"),
])
def test_keras1_and_keras2_names_together_is_a_type_error(make, message):
    with pytest.raises(TypeError, match=message):
        make()


def test_positional_kernel_sizes_refuse_keras2_keywords_in_their_place():
    with pytest.raises(ValueError, match="Pass `strides` as a keyword"):
        L.Conv2D(8, 3, 3, strides=(2, 2))
    with pytest.raises(TypeError, match="at most 3 positional"):
        L.Conv2D(8, 3, 3, 3)


def test_batchnorm_modes_1_and_2_are_gone():
    with pytest.raises(TypeError, match="`mode=1` and `mode=2`"):
        L.BatchNormalization(mode=1)
    with pytest.raises(TypeError, match="keyword arguments"):
        L.BatchNormalization(-1)


def test_embedding_dropout_is_dropped_with_advice():
    with pytest.warns(UserWarning, match="SpatialDropout1D"):
        layer = L.Embedding(10, 4, dropout=0.5)
    assert _config(layer) == _config(L.Embedding(10, 4))


def test_forget_bias_init_other_than_one_is_ignored_with_a_warning():
    with pytest.warns(UserWarning, match="unit_forget_bias=True") as record:
        layer = L.LSTM(3, forget_bias_init="zero")
    assert _config(layer) == _config(L.LSTM(3))
    assert record[0].filename == __file__


def test_one_table_row_converts_any_constructor():
    """The mechanism is not tied to a layer: ConvLSTM2D's row on a stand-in constructor."""
    from kernelkit.legacy import interfaces

    class ConvLSTM2DStandIn:
        @interfaces.legacy_convlstm2d_support
        def __init__(self, filters, kernel_size, padding="valid", data_format=None,
                     recurrent_initializer="orthogonal", unit_forget_bias=False,
                     recurrent_dropout=0.0):
            self.args = dict(filters=filters, kernel_size=kernel_size, padding=padding,
                             data_format=data_format, recurrent_initializer=recurrent_initializer,
                             unit_forget_bias=unit_forget_bias,
                             recurrent_dropout=recurrent_dropout)

    with pytest.warns(UserWarning, match=r"Update your `ConvLSTM2DStandIn` call to the Keras 2 "
                                         r"API: `ConvLSTM2DStandIn\(16, \(3, 3\), "):
        made = ConvLSTM2DStandIn(16, 3, 3, border_mode="same", dim_ordering="th",
                                 inner_init="zeros", forget_bias_init="one", dropout_U=0.25)
    assert made.args == dict(filters=16, kernel_size=(3, 3), padding="same",
                             data_format="channels_first", recurrent_initializer="zeros",
                             unit_forget_bias=True, recurrent_dropout=0.25)


def test_atrous_layers_are_conv_layers_that_compute_the_dilated_convolution():
    x = np.random.RandomState(0).rand(1, 9, 2).astype("float32")
    with pytest.warns(UserWarning, match="AtrousConvolution1D` layer has been deprecated"):
        atrous = AtrousConvolution1D(nb_filter=1, filter_length=2, atrous_rate=3, bias=False,
                                     input_shape=(9, 2))
    out = np.asarray(atrous(x))
    kernel = atrous.get_weights()[0]  # (2, 2, 1)
    expected = [sum(x[0, t + 3 * k] @ kernel[k, :, 0] for k in range(2)) for t in range(6)]
    np.testing.assert_allclose(out[0, :, 0], expected, rtol=1e-5)


# ---- models ----------------------------------------------------------------------------

def _model():
    from kernelkit.models import Sequential
    model = Sequential([L.Dense(2, input_shape=(3,))])
    model.compile("sgd", "mse")
    return model


def _data(n=8):
    rs = np.random.RandomState(1)
    return rs.rand(n, 3).astype("float32"), rs.rand(n, 2).astype("float32")


def test_model_input_output_keywords():
    from kernelkit.models import Model
    x = L.Input(shape=(3,))
    y = L.Dense(2)(x)
    with pytest.warns(UserWarning, match=r"Update your `Model` call to the Keras 2 API: "
                                         r"`Model\(inputs=.*outputs="):
        model = Model(input=x, output=y)
    assert model.inputs[0] is x and model.outputs[0] is y
    with pytest.raises(TypeError, match="`input` and the Keras 2 keyword argument `inputs`"):
        Model(input=x, inputs=x, outputs=y)


def test_input_dtype_keyword():
    with pytest.warns(UserWarning, match=r'`Input\(shape=\(3,\), dtype="float64"\)`'):
        x = L.Input(shape=(3,), input_dtype="float64")
    assert x.dtype == "float64"


def test_fit_nb_epoch_trains_that_many_epochs():
    model = _model()
    x, y = _data()
    with pytest.warns(UserWarning, match="The `nb_epoch` argument in `fit` has been renamed "
                                         "`epochs`."):
        history = model.fit(x, y, nb_epoch=3, batch_size=4, verbose=0)
    assert history.epoch == [0, 1, 2]
    with pytest.raises(TypeError, match="`nb_epoch`"):
        model.fit(x, y, nb_epoch=2, epochs=3, verbose=0)


class _Batches:
    """An endless generator of batches; batch i is the base batch scaled by (i + 1)."""

    def __init__(self, batch=2, with_batch_size=False):
        self.index = 0
        self.x, self.y = _data(batch)
        if with_batch_size:
            self.batch_size = batch

    def batch(self, i):
        return self.x * (i + 1), self.y * (i + 1)

    def __iter__(self):
        return self

    def __next__(self):
        self.index += 1
        return self.batch(self.index - 1)

    def first(self, n):
        """The first `n` batches as one array pair (equal batch sizes: same mean loss)."""
        parts = [self.batch(i) for i in range(n)]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _batch_counter():
    from kernelkit.callbacks import Callback

    class Counter(Callback):
        def __init__(self):
            super().__init__()
            self.per_epoch = []

        def on_epoch_begin(self, epoch, logs=None):
            self.per_epoch.append(0)

        def on_train_batch_end(self, batch, logs=None):
            self.per_epoch[-1] += 1

    return Counter()


def test_fit_generator_samples_per_epoch_divides_by_the_generator_s_batch_size():
    model = _model()
    counter = _batch_counter()
    with pytest.warns(UserWarning, match=r"Update your `fit_generator` call to the Keras 2 API: "
                                         r"`fit_generator\(.*steps_per_epoch=3, epochs=2"):
        history = model.fit_generator(_Batches(batch=2, with_batch_size=True),
                                      samples_per_epoch=6, nb_epoch=2, verbose=0,
                                      callbacks=[counter])
    assert history.epoch == [0, 1] and counter.per_epoch == [3, 3]


def test_fit_generator_samples_per_epoch_without_batch_size_is_taken_as_steps():
    model = _model()
    counter, val = _batch_counter(), _Batches()
    with pytest.warns(UserWarning) as record:
        history = model.fit_generator(_Batches(), samples_per_epoch=4, nb_epoch=1,
                                      validation_data=val, nb_val_samples=3, nb_worker=1,
                                      pickle_safe=False, max_q_size=5, verbose=0,
                                      callbacks=[counter])
    text = " ".join(str(w.message) for w in record)
    assert "is not the same as the Keras 1 argument `samples_per_epoch`" in text
    for name in ("validation_steps=3", "workers=1", "use_multiprocessing=False",
                 "max_queue_size=5"):
        assert name in text
    assert counter.per_epoch == [4]
    # validation used exactly the first 3 validation batches
    expected = model.evaluate(*val.first(3), batch_size=2, verbose=0)
    np.testing.assert_allclose(history.history["val_loss"][0], expected, rtol=1e-5)


def test_generator_methods_conflicts_are_type_errors():
    model = _model()
    with pytest.raises(TypeError, match="`samples_per_epoch`"):
        model.fit_generator(_Batches(), samples_per_epoch=4, steps_per_epoch=2, verbose=0)
    with pytest.raises(TypeError, match="`val_samples`"):
        model.evaluate_generator(_Batches(), val_samples=2, steps=3)


def test_evaluate_and_predict_generator_val_samples_is_steps():
    model = _model()
    gen = _Batches(batch=2)
    with pytest.warns(UserWarning, match=r"`evaluate_generator\(.*steps=3\)`"):
        loss = model.evaluate_generator(gen, val_samples=3)
    np.testing.assert_allclose(loss, model.evaluate(*gen.first(3), batch_size=2, verbose=0),
                               rtol=1e-5)
    gen = _Batches(batch=2)
    with pytest.warns(UserWarning, match=r"`predict_generator\(.*steps=2\)`"):
        out = model.predict_generator(gen, val_samples=2)
    np.testing.assert_allclose(out, model.predict(gen.first(2)[0]), rtol=1e-5)


# ---- Keras 1 layers kept by Keras 2.2.4 (keras.legacy.layers) ---------------------------

@pytest.mark.filterwarnings("ignore:The `.*` layer is deprecated")
def test_maxout_dense_matches_numpy_and_passes_the_layer_test():
    from kernelkit.legacy.layers import MaxoutDense
    from tests.layer_test import layer_test
    layer_test(MaxoutDense, {"output_dim": 3, "nb_feature": 2}, input_shape=(2, 5))
    x = np.random.RandomState(2).rand(4, 5).astype("float32")
    layer = MaxoutDense(3, nb_feature=2, bias=True)
    out = np.asarray(layer(x))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (2, 5, 3) and bias.shape == (2, 3)
    assert [w.name.split("/")[-1] for w in layer.weights] == ["W:0", "b:0"]
    layer.set_weights([kernel, np.random.RandomState(3).rand(2, 3).astype("float32")])
    bias = layer.get_weights()[1]
    out = np.asarray(layer(x))
    expected = np.array([[max(x[n] @ kernel[k, :, j] + bias[k, j] for k in range(2))
                          for j in range(3)] for n in range(4)])
    np.testing.assert_allclose(out, expected, rtol=1e-5)
    with pytest.raises(ValueError, match="nb_feature"):
        MaxoutDense(3, nb_feature=0)


@pytest.mark.filterwarnings("ignore:The `.*` layer is deprecated")
def test_highway_matches_numpy_and_passes_the_layer_test():
    from kernelkit.legacy.layers import Highway
    from tests.layer_test import layer_test
    layer_test(Highway, {"activation": "tanh"}, input_shape=(2, 4))
    x = np.random.RandomState(4).rand(3, 4).astype("float32")
    layer = Highway(activation="relu", input_dim=4)
    layer(x)
    rs = np.random.RandomState(5)
    weights = [rs.randn(4, 4), rs.randn(4, 4), rs.randn(4), rs.randn(4)]
    layer.set_weights([w.astype("float32") for w in weights])
    w, w_carry, b, b_carry = layer.get_weights()
    assert [v.name.split("/")[-1] for v in layer.weights] == ["W:0", "W_carry:0", "b:0",
                                                               "b_carry:0"]
    gate = 1.0 / (1.0 + np.exp(-(x @ w_carry + b_carry)))
    expected = np.maximum(x @ w + b, 0.0) * gate + x * (1.0 - gate)
    np.testing.assert_allclose(np.asarray(layer(x)), expected, rtol=1e-5, atol=1e-6)
    assert layer.get_config()["input_dim"] == 4


def test_keras1_layers_warn_that_they_are_deprecated():
    from kernelkit.legacy.layers import Highway, MaxoutDense
    with pytest.warns(UserWarning, match="The `MaxoutDense` layer is deprecated") as record:
        MaxoutDense(2)
    assert record[0].filename == __file__
    with pytest.warns(UserWarning, match="The `Highway` layer is deprecated"):
        Highway()


@pytest.mark.filterwarnings("ignore:The `merge` function is deprecated")
def test_functional_merge_modes_compute_the_keras1_results():
    from kernelkit.legacy.layers import merge
    from kernelkit.models import Model
    rs = np.random.RandomState(6)
    va, vb = rs.rand(3, 4).astype("float32"), rs.rand(3, 4).astype("float32")
    expected = {
        "sum": va + vb, "mul": va * vb, "ave": (va + vb) / 2, "max": np.maximum(va, vb),
        "concat": np.concatenate([va, vb], axis=-1),
        "dot": (va * vb).sum(-1, keepdims=True),
        "cos": ((va * vb).sum(-1) / np.linalg.norm(va, axis=-1)
                / np.linalg.norm(vb, axis=-1))[:, None],
    }
    for mode, want in expected.items():
        a, b = L.Input((4,)), L.Input((4,))
        model = Model([a, b], merge([a, b], mode=mode))
        np.testing.assert_allclose(model.predict([va, vb]), want, rtol=1e-5, err_msg=mode)
    a, b = L.Input((4,)), L.Input((4,))
    out = merge([a, b], mode=lambda t: t[0] - t[1], output_shape=(4,), name="diff")
    np.testing.assert_allclose(Model([a, b], out).predict([va, vb]), va - vb, rtol=1e-6)
    with pytest.raises(ValueError, match="unknown `mode`"):
        merge([a, b], mode="median")


def test_functional_merge_warns_as_keras():
    from kernelkit.legacy.layers import merge
    with pytest.warns(UserWarning, match="The `merge` function is deprecated") as record:
        merge([L.Input((2,)), L.Input((2,))], mode="sum")
    assert record[0].filename == __file__
