"""`Model.updates` lists BatchNormalization's moving-average updates and `Model.losses` the
activity-regularization losses of symbolic calls, with Keras 2.2.4's counts."""
import numpy as np

from kernelkit import backend as K
from kernelkit import layers, models, regularizers
from kernelkit.layers.node import KerasTensor


def _model():
    x = layers.Input((4,))
    bn = layers.BatchNormalization(momentum=0.8)
    dense = layers.Dense(3, activity_regularizer=regularizers.l2(0.1),
                         kernel_regularizer=regularizers.l1(0.01))
    return models.Model(x, dense(bn(x))), x, bn, dense


def test_counts_match_keras_for_one_batchnorm_and_one_regularized_dense():
    model, x, bn, dense = _model()
    assert len(model.updates) == 2
    assert [u[0] for u in model.updates] == [bn.moving_mean, bn.moving_variance]
    assert len(bn.get_updates_for(x)) == 2 and bn.get_updates_for(None) == []
    assert len(model.losses) == 2  # the activity loss and the kernel penalty
    seq = models.Sequential([layers.BatchNormalization(input_shape=(4,)),
                             layers.Dense(3, activity_regularizer="l2")])
    seq.add(layers.Dense(2))
    assert len(seq.updates) == 2 and len(seq.losses) == 1


def test_k_function_with_model_updates_moves_the_statistics_like_a_training_step():
    model, x, bn, _ = _model()
    rng = np.random.RandomState(0)
    batch = rng.rand(6, 4).astype("float32") * 3
    step = K.function(model.inputs, [model.output], updates=model.updates)
    mean0, var0 = K.get_value(bn.moving_mean), K.get_value(bn.moving_variance)
    step([batch])
    np.testing.assert_allclose(K.get_value(bn.moving_mean),
                               0.8 * mean0 + 0.2 * batch.mean(axis=0), rtol=1e-5)
    unbiased = batch.var(axis=0) * 6 / (6 - (1 + bn.epsilon))    # as Keras 2.2.4
    np.testing.assert_allclose(K.get_value(bn.moving_variance),
                               0.8 * var0 + 0.2 * unbiased, rtol=1e-5)
    # the same as a BatchNormalization training call on that batch
    twin = layers.BatchNormalization(momentum=0.8)
    twin.build((None, 4))
    twin.set_weights([K.get_value(w) for w in (bn.gamma, bn.beta)] + [mean0, var0])
    twin(batch, training=True)
    np.testing.assert_allclose(K.get_value(twin.moving_mean), K.get_value(bn.moving_mean),
                               rtol=1e-5)
    np.testing.assert_allclose(K.get_value(twin.moving_variance),
                               K.get_value(bn.moving_variance), rtol=1e-5)


def test_activity_loss_is_the_regularizer_of_the_output_summed_over_the_batch():
    model, x, bn, dense = _model()
    batch = np.random.RandomState(1).rand(5, 4).astype("float32")
    (symbolic,) = [loss for loss in dense.losses if isinstance(loss, KerasTensor)]
    (value, out) = K.function(model.inputs, [symbolic, model.output])([batch])
    expected = 0.1 * np.sum(np.asarray(out, dtype=np.float64) ** 2)   # Keras 2.2.4: no / batch
    np.testing.assert_allclose(float(value), expected, rtol=1e-5)
    # after an eager forward pass the losses are that pass's values (what fit adds up)
    pred = model.predict(batch)
    assert len(model.losses) == 2 and not any(isinstance(v, KerasTensor) for v in model.losses)
    activity, penalty = dense.losses  # this pass's loss, the weight penalty
    # the activity loss is conditional on the pass's input, as in Keras 2.2.4
    assert len(dense.get_losses_for(None)) == 1
    np.testing.assert_allclose(float(np.asarray(activity)),
                               0.1 * np.sum(pred.astype(np.float64) ** 2), rtol=1e-5)
    kernel_penalty = 0.01 * np.abs(K.get_value(dense.kernel)).sum()
    np.testing.assert_allclose(float(np.asarray(penalty)), kernel_penalty, rtol=1e-5)
    np.testing.assert_allclose(sorted(float(np.asarray(v)) for v in model.losses),
                               sorted([float(np.asarray(activity)), kernel_penalty]), rtol=1e-5)


def test_frozen_models_and_layers_and_inference_calls_have_no_updates():
    model, x, bn, _ = _model()
    bn.trainable = False
    assert model.updates == []
    bn.trainable = True
    model.trainable = False
    assert model.updates == []
    model.trainable = True
    assert len(model.updates) == 2
    inp = layers.Input((4,))
    frozen_call = layers.BatchNormalization()
    frozen_call(inp, training=False)
    assert frozen_call.updates == []


def test_a_shared_batchnorm_has_two_updates_per_call():
    a, b = layers.Input((3,)), layers.Input((3,))
    bn = layers.BatchNormalization()
    model = models.Model([a, b], layers.add([bn(a), bn(b)]))
    assert len(model.updates) == 4
    assert len(bn.get_updates_for(a)) == 2 and len(bn.get_updates_for(b)) == 2
