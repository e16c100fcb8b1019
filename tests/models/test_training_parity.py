"""Training a 3-layer MLP in float64 with SGD gives the loss curve of a plain NumPy reference."""
import numpy as np

from kernelkit import backend as K
from kernelkit.layers import Dense
from kernelkit.models import Sequential
from kernelkit.optimizers import SGD


def numpy_reference(x, y, weights, lr, epochs, batch):
    W1, b1, W2, b2, W3, b3 = [w.copy() for w in weights]
    curve = []
    for _ in range(epochs):
        total, seen = 0.0, 0
        for s in range(0, len(x), batch):
            xb, yb = x[s:s + batch], y[s:s + batch]
            n = len(xb)
            h1 = np.tanh(xb @ W1 + b1)
            h2 = 1 / (1 + np.exp(-(h1 @ W2 + b2)))
            z = h2 @ W3 + b3
            z = z - z.max(axis=1, keepdims=True)
            p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
            loss = -(yb * np.log(p)).sum(axis=1).mean()
            total += loss * n
            seen += n
            dz = (p - yb) / n
            dW3, db3 = h2.T @ dz, dz.sum(0)
            dh2 = dz @ W3.T * h2 * (1 - h2)
            dW2, db2 = h1.T @ dh2, dh2.sum(0)
            dh1 = dh2 @ W2.T * (1 - h1 ** 2)
            dW1, db1 = xb.T @ dh1, dh1.sum(0)
            for w, g in ((W1, dW1), (b1, db1), (W2, dW2), (b2, db2), (W3, dW3), (b3, db3)):
                w -= lr * g
        curve.append(total / seen)
    return curve, [W1, b1, W2, b2, W3, b3]


def test_float64_sgd_matches_numpy_reference():
    old = K.floatx()
    K.set_floatx("float64")
    try:
        rng = np.random.default_rng(3)
        x = rng.normal(size=(50, 5))
        y = np.eye(3)[rng.integers(0, 3, 50)]
        model = Sequential([Dense(8, activation="tanh", input_shape=(5,)),
                            Dense(6, activation="sigmoid"), Dense(3, activation="softmax")])
        model.compile(SGD(learning_rate=0.1), "categorical_crossentropy")
        start = model.get_weights()
        assert all(w.dtype == np.float64 for w in start)
        history = model.fit(x, y, batch_size=10, epochs=6, shuffle=False, verbose=0)
        ref_curve, ref_weights = numpy_reference(x, y, start, 0.1, 6, 10)
        np.testing.assert_allclose(history.history["loss"], ref_curve, rtol=1e-6)
        for got, want in zip(model.get_weights(), ref_weights):
            np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-8)
        assert ref_curve[-1] < ref_curve[0]
    finally:
        K.set_floatx(old)
