"""A symbolic loss added with `model.add_loss` is trained, but what only the loss is computed
from is not part of the model: `model.layers`, `summary()`, the saved config and the trained
weights are the model proper's, as in Keras 2.2.4 (the variational autoencoder examples)."""
import numpy as np

from kernelkit import backend as K
from kernelkit.layers import Dense, Input
from kernelkit.models import Model, load_model


def vae_like():
    """An encoder nested in the model, and a loss on a tensor inside the encoder, built
    with backend ops on symbolic tensors (ops that have no config)."""
    i = Input((4,))
    z = Dense(2, name="z")(i)
    encoder = Model(i, z, name="encoder")
    out = Dense(4, name="dec")(encoder(i))
    model = Model(i, out, name="vae")
    model.add_loss(K.mean(K.square(i - out)) + 0.1 * K.mean(K.square(z)))
    return model


def test_layers_and_summary_are_the_model_proper():
    model = vae_like()
    assert type(model.layers[0]).__name__ == "InputLayer"
    assert [layer.name for layer in model.layers[1:]] == ["encoder", "dec"]
    lines = []
    model.summary(print_fn=lines.append)
    rows = [line.split()[0] for line in lines
            if line.split()[1:2] and line.split()[1].endswith(")") and line[0] != "L"]
    assert rows[1:] == ["encoder", "dec"]
    assert "Total params: 22" in lines      # 4*2+2 + 2*4+4


def test_the_added_loss_trains_and_the_model_saves(tmp_path):
    model = vae_like()
    model.compile(optimizer="adam")
    x = np.random.RandomState(0).rand(64, 4).astype("float32")
    before = model.evaluate(x, None, verbose=0)
    model.fit(x, None, epochs=30, batch_size=16, verbose=0)
    after = model.evaluate(x, None, verbose=0)
    assert after < 0.7 * before
    path = str(tmp_path / "vae.h5")
    model.save(path)     # the loss's ops are not in the config
    again = load_model(path, compile=False)
    assert [layer.name for layer in again.layers] == [layer.name for layer in model.layers]
    np.testing.assert_allclose(again.predict(x), model.predict(x), rtol=1e-6, atol=1e-6)


def test_a_layer_only_the_loss_uses_is_not_trained():
    i = Input((3,))
    out = Dense(3, name="main")(i)
    side = Dense(3, name="side")(i)                # only the loss reads it
    model = Model(i, out)
    model.add_loss(K.mean(K.square(out - side)))
    assert [w.name.split("/")[0] for w in model.trainable_weights] == ["main", "main"]
    model.compile(optimizer="sgd", loss="mse")
    side_layer = [n.layer for n in side._keras_history[0]._inbound_nodes][0]
    kept = [w.copy() for w in side_layer.get_weights()]
    x = np.random.RandomState(1).rand(16, 3).astype("float32")
    main_before = model.get_layer("main").get_weights()[0].copy()
    model.fit(x, x, epochs=2, batch_size=8, verbose=0)
    for w, k in zip(side_layer.get_weights(), kept):
        np.testing.assert_array_equal(w, k)
    assert not np.array_equal(model.get_layer("main").get_weights()[0], main_before)
