"""Losses and metrics against NumPy formulas written here (Keras 2 definitions)."""
import numpy as np
import pytest

from kernelkit import losses, metrics
from kernelkit.ops import unwrap

rng = np.random.default_rng(0)
T = rng.uniform(0.1, 1.0, size=(4, 3))
P = rng.uniform(0.1, 1.0, size=(4, 3))
EPS = 1e-7


@pytest.mark.parametrize("name,ref", [
    ("mean_squared_error", lambda t, p: ((p - t) ** 2).mean(-1)),
    ("mse", lambda t, p: ((p - t) ** 2).mean(-1)),
    ("mean_absolute_error", lambda t, p: np.abs(p - t).mean(-1)),
    ("mae", lambda t, p: np.abs(p - t).mean(-1)),
    ("mean_absolute_percentage_error", lambda t, p: 100 * (np.abs(t - p) / np.abs(t)).mean(-1)),
    ("mean_squared_logarithmic_error",
     lambda t, p: ((np.log(p + 1) - np.log(t + 1)) ** 2).mean(-1)),
    ("squared_hinge", lambda t, p: (np.maximum(1 - t * p, 0) ** 2).mean(-1)),
    ("hinge", lambda t, p: np.maximum(1 - t * p, 0).mean(-1)),
    ("categorical_hinge", lambda t, p: np.maximum((1 - t) * p).max(-1) if False else
     np.maximum(((1 - t) * p).max(-1) - (t * p).sum(-1) + 1, 0)),
    ("logcosh", lambda t, p: np.log(np.cosh(p - t)).mean(-1)),
    ("huber", lambda t, p: np.where(np.abs(p - t) <= 1, 0.5 * (p - t) ** 2, np.abs(p - t) - 0.5).mean(-1)),
    ("kullback_leibler_divergence", lambda t, p: (t * np.log(t / p)).sum(-1)),
    ("poisson", lambda t, p: (p - t * np.log(p + EPS)).mean(-1)),
    ("cosine_proximity", lambda t, p: -(t * p).sum(-1) / np.linalg.norm(t, axis=-1) / np.linalg.norm(p, axis=-1)),
    ("binary_crossentropy", lambda t, p: -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean(-1)),
])
def test_loss_values(name, ref):
    p = np.clip(P, 0.05, 0.95)
    got = np.asarray(unwrap(losses.get(name)(T, p)))
    np.testing.assert_allclose(got, ref(T, p), rtol=1e-6)


def test_crossentropies():
    t = np.eye(3)[[0, 2, 1, 1]]
    p = P / P.sum(1, keepdims=True)
    np.testing.assert_allclose(unwrap(losses.categorical_crossentropy(t, p)),
                               -(t * np.log(p)).sum(1), rtol=1e-6)
    np.testing.assert_allclose(unwrap(losses.sparse_categorical_crossentropy(np.array([0, 2, 1, 1]), p)),
                               -(t * np.log(p)).sum(1), rtol=1e-6)


def test_loss_classes_reduce():
    loss = losses.MeanSquaredError()
    np.testing.assert_allclose(float(unwrap(loss(T, P))), ((P - T) ** 2).mean(), rtol=1e-6)
    sw = np.array([1.0, 0.0, 2.0, 1.0])
    np.testing.assert_allclose(float(unwrap(loss(T, P, sample_weight=sw))),
                               (((P - T) ** 2).mean(-1) * sw).mean(), rtol=1e-6)
    assert losses.get("mse") is losses.mean_squared_error
    with pytest.raises(ValueError, match="Unknown loss"):
        losses.get("not_a_loss")


def test_accuracy_metrics():
    t = np.eye(3)[[0, 1, 2, 0]]
    p = np.array([[.8, .1, .1], [.1, .2, .7], [.2, .2, .6], [.3, .4, .3]])
    np.testing.assert_allclose(metrics.categorical_accuracy(t, p), [1, 0, 1, 0])
    np.testing.assert_allclose(metrics.sparse_categorical_accuracy(np.array([[0], [1], [2], [0]]), p), [1, 0, 1, 0])
    # the top-k accuracies are the batch mean, as Keras 2.2.4's (hits [1, 1, 1, 1], [1, 0, 1, 0])
    assert metrics.top_k_categorical_accuracy(t, p, k=2) == 1.0
    assert metrics.sparse_top_k_categorical_accuracy(np.array([0, 1, 2, 0]), p, k=1) == 0.5
    np.testing.assert_allclose(metrics.binary_accuracy(np.array([[1.0], [0.0]]), np.array([[0.7], [0.6]])), [1, 0])
    # Keras 2.2.4 rounds (a Wasserstein critic's -1 / 1 labels); tf.keras 2's threshold on request
    labels, critic = np.array([[1.0], [0.0], [-1.0]]), np.array([[1.7], [-0.8], [-1.2]])
    np.testing.assert_allclose(metrics.binary_accuracy(labels, critic), [0, 0, 1])
    np.testing.assert_allclose(metrics.binary_accuracy(labels, critic, threshold=0.5), [1, 1, 0])
    np.testing.assert_allclose(metrics.binary_accuracy(np.zeros((1, 2)), np.full((1, 2), 0.5)), [1])
    m = metrics.CategoricalAccuracy()
    m.update_state(t, p)
    m.update_state(t[:2], p[:2], sample_weight=np.array([3.0, 1.0]))
    assert m.result() == pytest.approx((2 + 3) / (4 + 4))


def test_accuracy_is_picked_from_the_loss():
    from kernelkit.layers import Dense
    from kernelkit.models import Sequential
    for loss, fn in (("categorical_crossentropy", metrics.categorical_accuracy),
                     ("sparse_categorical_crossentropy", metrics.sparse_categorical_accuracy),
                     ("binary_crossentropy", metrics.binary_accuracy)):
        model = Sequential([Dense(3, activation="softmax", input_dim=2)])
        model.compile("sgd", loss, metrics=["accuracy"])
        assert model._trainer.compiled.output_metrics[0][0][1].fn is fn
        assert model.metrics_names == ["loss", "acc"]
    model = Sequential([Dense(1, input_dim=2)])
    model.compile("sgd", "mse", metrics=["accuracy", "mae"])
    assert model._trainer.compiled.output_metrics[0][0][1].fn is metrics.binary_accuracy
    assert model.metrics_names == ["loss", "acc", "mean_absolute_error"]


def test_accuracy_metric_object_is_named_accuracy():
    from kernelkit import metrics
    m = metrics.Accuracy()
    assert m.name == "accuracy"
    m.update_state(np.array([1, 2, 3]), np.array([1, 2, 4]))
    assert abs(float(m.result()) - 2 / 3) < 1e-6
