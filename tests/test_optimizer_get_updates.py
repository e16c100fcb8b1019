"""Optimizers of your own written as Keras 2.2.4's are (`get_updates` building the updates of a
step from `K` functions), as titu1994's AdaBound, RAdam and most Keras 2 optimizer code on the
web are written: kernelkit runs `get_updates` at each step with Keras's meaning (variables made
once, new values from the values before the step, updates applied afterwards)."""
import numpy as np
import pytest

from kernelkit import backend as K
from kernelkit.callbacks import LearningRateScheduler
from kernelkit.layers import Dense
from kernelkit.models import Sequential, load_model
from kernelkit.optimizers import Adam, Optimizer


class Keras224Adam(Optimizer):
    """Keras 2.2.4's Adam, written the way its source writes it (no AMSGrad)."""

    def __init__(self, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super(Keras224Adam, self).__init__(**kwargs)
        self.iterations = K.variable(0, dtype="int64", name="iterations")
        self.lr = K.variable(lr, name="lr")
        self.beta_1 = K.variable(beta_1, name="beta_1")
        self.beta_2 = K.variable(beta_2, name="beta_2")
        self.epsilon = epsilon

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = [K.update_add(self.iterations, 1)]
        t = K.cast(self.iterations, K.floatx()) + 1     # the step count before this step's
        lr_t = self.lr * (K.sqrt(1. - K.pow(self.beta_2, t)) / (1. - K.pow(self.beta_1, t)))
        ms = [K.zeros(K.int_shape(p), dtype=K.dtype(p)) for p in params]
        vs = [K.zeros(K.int_shape(p), dtype=K.dtype(p)) for p in params]
        vhats = [K.zeros(1) for _ in params]
        self.weights = [self.iterations] + ms + vs + vhats
        for p, g, m, v in zip(params, grads, ms, vs):
            m_t = (self.beta_1 * m) + (1. - self.beta_1) * g
            v_t = (self.beta_2 * v) + (1. - self.beta_2) * K.square(g)
            p_t = p - lr_t * m_t / (K.sqrt(v_t) + self.epsilon)
            self.updates.append(K.update(m, m_t))
            self.updates.append(K.update(v, v_t))
            new_p = p_t
            if getattr(p, "constraint", None) is not None:
                new_p = p.constraint(new_p)
            self.updates.append(K.update(p, new_p))
        return self.updates

    def get_config(self):
        config = {"lr": float(K.get_value(self.lr)), "beta_1": float(K.get_value(self.beta_1)),
                  "beta_2": float(K.get_value(self.beta_2)), "epsilon": self.epsilon}
        base_config = super(Keras224Adam, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


class SignSGD(Optimizer):
    """A small one using `K.gradients` directly and returning Keras 1's update pairs."""

    def __init__(self, lr=0.01, **kwargs):
        super().__init__(**kwargs)
        self.lr = K.variable(lr)

    def get_updates(self, loss, params):
        grads = K.gradients(loss, params)
        return [(p, p - self.lr * K.sign(g)) for p, g in zip(params, grads)]


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(32, 5)).astype("float32"), rng.normal(size=(32, 2)).astype("float32")


def _model(optimizer, seed=0):
    np.random.seed(seed)
    model = Sequential([Dense(4, activation="tanh", input_shape=(5,)), Dense(2)])
    model.compile(optimizer, "mse")
    return model


def test_keras_2_2_4s_adam_as_get_updates_trains_as_the_fused_adam():
    x, y = _data()
    ours, theirs = _model(Adam(0.01)), _model(Keras224Adam(0.01))
    for m in (ours, theirs):
        m.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)
    opt = theirs.optimizer
    assert int(K.get_value(opt.iterations)) == 12
    state = opt.get_weights()   # [iterations] + ms + vs + vhats, as Keras 2.2.4 lists them
    assert len(state) == 1 + 3 * 4 and state[-1].shape == (1,)
    for a, b in zip(state[1:9], ours.optimizer.get_weights()[1:]):
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=1e-7)


def test_k_gradients_in_get_updates_and_keras_1_update_pairs():
    x, y = _data()
    model = _model(SignSGD(0.05))
    before = model.get_weights()
    grads = model._trainer.loss_gradients(*model._trainer.standardize(x, y),
                                          model.trainable_weights)
    model.train_on_batch(x, y)
    for b, g, a in zip(before, grads, model.get_weights()):
        np.testing.assert_allclose(a, b - 0.05 * np.sign(np.asarray(g)), rtol=1e-6, atol=1e-7)


def test_saved_and_loaded_with_its_state_it_resumes_as_if_never_stopped(tmp_path):
    x, y = _data()
    model = _model(Keras224Adam(0.01))
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    model.save(tmp_path / "m.h5")
    again = load_model(tmp_path / "m.h5", custom_objects={"Keras224Adam": Keras224Adam})
    assert int(K.get_value(again.optimizer.iterations)) == 4
    for m in (model, again):
        m.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), again.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_learning_rate_callbacks_reach_its_lr_variable():
    x, y = _data()
    model = _model(Keras224Adam(0.01))
    rates = []
    model.fit(x, y, batch_size=8, epochs=2, verbose=0,
              callbacks=[LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))])
    rates.append(float(K.get_value(model.optimizer.lr)))
    assert rates == [pytest.approx(0.05)]


def test_get_updates_making_other_variables_at_a_later_step_is_an_error():
    class Shifty(Optimizer):
        calls = 0

        def get_updates(self, loss, params):
            Shifty.calls += 1
            extra = [K.zeros((Shifty.calls,))]      # a shape that changes from step to step
            return [K.update(extra[0], extra[0] + 1)]

    x, y = _data()
    model = _model(Shifty())
    model.train_on_batch(x, y)
    with pytest.raises(ValueError, match="make the same variables at every call"):
        model.train_on_batch(x, y)


def test_keras_1_get_updates_order_through_the_legacy_decorator():
    from kernelkit.legacy import interfaces

    class Plain(Optimizer):
        @interfaces.legacy_get_updates_support
        def get_updates(self, loss, params):
            return [K.update_add(p, -0.1 * g)
                    for p, g in zip(params, self.get_gradients(loss, params))]

    opt = Plain()
    x, y = _data()
    model = _model(opt)
    before = model.get_weights()
    model.train_on_batch(x, y)
    assert not np.allclose(before[0], model.get_weights()[0])
    p, g = K.variable(np.ones(2)), np.full(2, 2.0)
    from kernelkit.ops.replay import StepLoss, replaying
    with replaying([]) as scope:      # Keras 1's call order: (params, constraints, loss)
        opt.get_updates([p], {}, StepLoss([p], [g]))
    for update in scope.updates:
        update.apply()
    np.testing.assert_allclose(K.get_value(p), [0.8, 0.8])


def test_a_wrapper_delegating_to_a_built_in_optimizer():
    """keras-normalized-optimizers' pattern: a wrapper (not calling Optimizer.__init__) that
    replaces the inner optimizer's get_gradients and returns its get_updates."""
    from kernelkit import optimizers

    class Normalized(Optimizer):
        def __init__(self, inner):
            self.inner = optimizers.get(inner)
            self.inner.get_gradients = self.get_gradients

        def get_gradients(self, loss, params):
            grads = super().get_gradients(loss, params)
            return [g / (np.sqrt(np.sum(np.square(g))) + 1e-12) for g in grads]

        def get_updates(self, loss, params):
            return self.inner.get_updates(loss, params)

    x, y = _data()
    model = _model(Normalized(optimizers.SGD(0.1)))
    before = model.get_weights()
    grads = model._trainer.loss_gradients(*model._trainer.standardize(x, y),
                                          model.trainable_weights)
    model.train_on_batch(x, y)
    for b, g, a in zip(before, grads, model.get_weights()):
        g = np.asarray(g)
        np.testing.assert_allclose(a, b - 0.1 * g / np.linalg.norm(g), rtol=1e-5, atol=1e-7)


def test_keras_rls_wrapper_with_soft_target_updates():
    """keras-rl's AdditionalUpdatesOptimizer: `get_updates(self, params, loss)` (its own
    argument order; Keras calls it by keyword), adding the soft updates of a target model
    written once as `(target_weight, tau * online_weight + (1 - tau) * target_weight)`."""
    from kernelkit import optimizers

    class AdditionalUpdatesOptimizer(Optimizer):
        def __init__(self, optimizer, additional_updates):
            super().__init__()
            self.optimizer = optimizer
            self.additional_updates = additional_updates

        def get_updates(self, params, loss):
            updates = self.optimizer.get_updates(params=params, loss=loss)
            updates += self.additional_updates
            self.updates = updates
            return self.updates

    tau = 0.25
    online, target = _model("sgd", seed=0), _model("sgd", seed=1)
    start = target.get_weights()
    soft = [(t, tau * o + (1.0 - tau) * t)
            for t, o in zip(target.trainable_weights, online.trainable_weights)]
    x, y = _data()
    online.compile(AdditionalUpdatesOptimizer(optimizers.SGD(0.0), soft), "mse")
    for step in range(1, 4):
        online.train_on_batch(x, y)
        for o, s, t in zip(online.get_weights(), start, target.get_weights()):
            np.testing.assert_allclose(t, o + (s - o) * (1 - tau) ** step, rtol=1e-5,
                                       atol=1e-6)


def _symbolic_loss():
    from kernelkit.layers import Input
    model = Sequential([Dense(1, use_bias=False, kernel_initializer="ones", input_shape=(2,))])
    x = Input((2,))
    return model, x, K.mean(K.square(model(x)))


def test_get_updates_on_a_symbolic_loss_make_a_training_function():
    """Keras 2's custom training function: `K.function(inputs, [loss],
    optimizer.get_updates(loss=loss, params=weights))` (keras-rl's DDPG actor)."""
    from kernelkit.optimizers import SGD
    model, x, loss = _symbolic_loss()
    train = K.function([x], [loss], SGD(0.1).get_updates(loss=loss,
                                                          params=model.trainable_weights))
    w = np.ones((2, 1))
    batch = np.array([[1.0, 2.0]])
    for _ in range(3):
        (value,) = train([batch])
        y = batch @ w
        assert float(value) == pytest.approx(float(np.mean(y ** 2)), rel=1e-5)
        w = w - 0.1 * (2 * batch.T @ y)       # d mean(y^2) / dw
        np.testing.assert_allclose(model.get_weights()[0], w, rtol=1e-5)


def test_keras_2_2_4s_adam_on_a_symbolic_loss_steps_as_the_fused_adam():
    steps = []
    for make in (lambda: Adam(0.1), lambda: Keras224Adam(0.1)):
        model, x, loss = _symbolic_loss()
        opt = make()
        train = K.function([x], [loss], opt.get_updates(loss=loss,
                                                        params=model.trainable_weights))
        for _ in range(3):
            train([np.array([[1.0, -2.0], [0.5, 1.0]])])
        steps.append(model.get_weights()[0])
    np.testing.assert_allclose(steps[0], steps[1], rtol=1e-5)


def test_get_gradients_of_a_symbolic_loss_are_clipped_as_keras_2_2_4s():
    from kernelkit.optimizers import SGD
    model, x, loss = _symbolic_loss()
    grads = SGD(0.1, clipnorm=1.0).get_gradients(loss, model.trainable_weights)
    (g,) = K.function([x], grads)([np.array([[1.0, 2.0]])])
    raw = 2 * np.array([[1.0], [2.0]]) * 3.0
    np.testing.assert_allclose(g, raw / np.linalg.norm(raw), rtol=1e-5)


class Wrapping(Optimizer):
    """An optimizer of yours whose `lr` and `iterations` are properties reading the optimizer
    it wraps, made after `super().__init__` (keras-lookahead's Lookahead)."""

    def __init__(self, optimizer, **kwargs):
        super().__init__(**kwargs)
        self.optimizer = optimizer

    @property
    def lr(self):
        return self.optimizer.lr

    @property
    def iterations(self):
        return self.optimizer.iterations

    def get_updates(self, loss, params):
        return self.optimizer.get_updates(loss=loss, params=params)


def test_an_optimizer_of_yours_may_make_lr_and_iterations_properties(tmp_path):
    """Keras 2.2.4's `Optimizer.__init__` makes neither `lr` nor `iterations`: keras-bert's
    AdamWarmup reads `lr` from its `learning_rate`, keras-lookahead's Lookahead both from the
    optimizer it wraps (made after `super().__init__`)."""
    class Warmup(Keras224Adam):
        def __init__(self, learning_rate=0.01, **kwargs):
            super().__init__(**kwargs)
            self.learning_rate = K.variable(learning_rate, name="learning_rate")

        @property
        def lr(self):
            return self.learning_rate

        @lr.setter
        def lr(self, value):
            self.learning_rate = value

    warm = Warmup(0.01)
    assert warm.lr is warm.learning_rate and float(K.get_value(warm.lr)) == pytest.approx(0.01)
    x, y = _data()
    ours, theirs = _model(Adam(0.01)), _model(Warmup(0.01))
    for m in (ours, theirs):
        m.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)
    wrapped = Wrapping(Adam(0.02))   # its lr and iterations are the wrapped optimizer's
    assert float(K.get_value(wrapped.lr)) == pytest.approx(0.02)
    model = _model(wrapped)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert int(K.get_value(wrapped.iterations)) == 4


def test_a_model_saved_before_its_optimizer_of_yours_stepped_loads(tmp_path):
    """No state yet: no `optimizer_weights`, as Keras 2.2.4 writes (keras-radam's test saves
    before training; the file listed a weight with no data and did not load)."""
    import h5py
    model = _model(Keras224Adam(0.01))
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        assert "optimizer_weights" not in f
    again = load_model(tmp_path / "m.h5", custom_objects={"Keras224Adam": Keras224Adam})
    x, y = _data()
    again.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert int(K.get_value(again.optimizer.iterations)) == 4


def test_options_of_an_optimizer_of_yours_load_without_a_warning(tmp_path):
    """keras-radam's RAdam and keras-bert's AdamWarmup take a `weight_decay` of their own:
    loading their models warned it was "not supported by kernelkit" (a check meant for
    Keras 3 options of kernelkit's optimizers)."""
    import warnings

    class Decayed(Keras224Adam):
        def __init__(self, weight_decay=0.0, **kwargs):
            super().__init__(**kwargs)
            self.weight_decay = weight_decay

        def get_config(self):
            return dict(super().get_config(), weight_decay=self.weight_decay)

    model = _model(Decayed(weight_decay=1e-4))
    model.save(tmp_path / "m.h5")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = load_model(tmp_path / "m.h5", custom_objects={"Decayed": Decayed})
    assert not [w for w in caught if "not supported" in str(w.message)]
    assert again.optimizer.weight_decay == 1e-4


class Lookahead(Wrapping):
    """keras-lookahead's pattern: it replaces `K.update` while the wrapped optimizer's
    `get_updates` runs, to read the new value of each parameter, then pulls the parameters
    toward slow copies every `sync_period` steps."""

    def __init__(self, optimizer, sync_period=2, slow_step=0.5, **kwargs):
        super().__init__(optimizer, **kwargs)
        self.sync_period = K.variable(sync_period, dtype="int64")
        self.slow_step = K.variable(slow_step)

    def get_updates(self, loss, params):
        slow = {p.name: K.variable(K.get_value(p)) for p in params}
        sync = K.equal((self.optimizer.iterations + 1) % self.sync_period, 0)
        update = K.update
        K.update = lambda x, new_x: (x, new_x)
        try:
            updates = self.optimizer.get_updates(loss, params)
        finally:
            K.update = update
        out = []
        for item in updates:
            if isinstance(item, tuple) and item[0].name in slow:
                s = slow[item[0].name]
                s_t = s + self.slow_step * (item[1] - s)
                out.append(K.update(s, K.switch(sync, s_t, s)))
                out.append(K.update(item[0], K.switch(sync, s_t, item[1])))
            elif isinstance(item, tuple):
                out.append(K.update(item[0], item[1]))
            else:
                out.append(item)
        return out


def test_a_wrapper_reading_the_built_in_optimizers_updates():
    """A built-in optimizer called by a wrapper returns Keras 2.2.4's updates (K.update of
    each parameter and slot, K.update_add of iterations): Lookahead reads and rewrites them.
    Its test: two SGD steps, then half way back to the start."""
    from kernelkit.optimizers import SGD
    x, y = _data()
    plain, wrapped = _model(SGD(0.05, momentum=0.5)), _model(
        Lookahead(SGD(0.05, momentum=0.5), sync_period=2, slow_step=0.5))
    start = wrapped.get_weights()
    for m in (plain, wrapped):
        m.train_on_batch(x, y)
    for a, b in zip(plain.get_weights(), wrapped.get_weights()):   # step 1: no sync
        np.testing.assert_allclose(a, b, rtol=1e-6)
    for m in (plain, wrapped):
        m.train_on_batch(x, y)
    for s, a, b in zip(start, plain.get_weights(), wrapped.get_weights()):
        np.testing.assert_allclose(b, s + 0.5 * (a - s), rtol=1e-5, atol=1e-7)
    assert int(K.get_value(wrapped.optimizer.iterations)) == 2
    # the momentum went on as the plain optimizer's (the slots were updated too)
    np.testing.assert_allclose(wrapped.optimizer.optimizer.get_weights()[1],
                               plain.optimizer.get_weights()[1], rtol=1e-5)
