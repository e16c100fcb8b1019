"""`K.function(inputs, outputs, updates=[...])` runs its updates at every call, as Keras 2's."""
import numpy as np
import pytest

from kernelkit import backend as K


def test_counter_is_incremented_once_per_call():
    counter = K.variable(0.0)
    x = K.placeholder((None, 2))
    f = K.function([x], [x * 2], updates=[K.update_add(counter, 1.0)])
    assert float(K.get_value(counter)) == 0.0  # an update does nothing until f runs it
    for calls in range(1, 4):
        (out,) = f([np.ones((3, 2))])
        np.testing.assert_allclose(out, 2 * np.ones((3, 2)))
        assert float(K.get_value(counter)) == calls
    down = K.variable(10.0)
    g = K.function([x], [], updates=[K.update_sub(down, 2.5)])
    g([np.ones((1, 2))])
    g([np.ones((1, 2))])
    assert float(K.get_value(down)) == 5.0


def test_tuple_updates_with_symbolic_values_are_computed_from_each_calls_inputs():
    total = K.variable(np.zeros(2))
    last = K.variable(np.zeros(2))
    x = K.placeholder((None, 2))
    f = K.function([x], [K.sum(x)], updates=[(last, K.sum(x, axis=0)),
                                            K.update_add(total, K.sum(x, axis=0))])
    batches = [np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[-1.0, 0.5]])]
    running = np.zeros(2)
    for b in batches:
        (s,) = f([b])
        assert float(s) == pytest.approx(b.sum())
        running += b.sum(axis=0)
        np.testing.assert_allclose(K.get_value(last), b.sum(axis=0))
        np.testing.assert_allclose(K.get_value(total), running)


def test_moving_average_update_of_the_batch_mean():
    avg = K.variable(np.zeros(3))
    x = K.placeholder((None, 3))
    momentum = 0.8
    f = K.function([x], [], updates=[K.moving_average_update(avg, K.mean(x, axis=0), momentum)])
    rng = np.random.RandomState(1)
    biased = np.zeros(3)
    for step in range(1, 5):
        batch = rng.rand(4, 3)
        f([batch])
        # TensorFlow's zero-debiased moving average, step by step
        biased = momentum * biased + (1 - momentum) * batch.mean(axis=0)
        np.testing.assert_allclose(K.get_value(avg), biased / (1 - momentum ** step), rtol=1e-5)


def test_eager_updates_still_apply_at_once_and_constant_tuples_assign():
    v = K.variable(np.zeros(2))
    K.update_add(v, np.ones(2))  # outside K.function, kernelkit applies at once
    np.testing.assert_allclose(K.get_value(v), [1.0, 1.0])
    f = K.function([], [], updates=[(v, np.array([5.0, 6.0]))])
    np.testing.assert_allclose(K.get_value(v), [1.0, 1.0])
    f([])
    np.testing.assert_allclose(K.get_value(v), [5.0, 6.0])


def test_an_update_changed_since_it_was_written_is_not_taken_back():
    v = K.variable(0.0)
    u = K.update_add(v, 1.0)
    K.set_value(v, 7.0)
    f = K.function([], [], updates=[u])
    assert float(K.get_value(v)) == 7.0
    f([])
    assert float(K.get_value(v)) == 8.0


def test_learning_phase_input_with_updates_and_bad_updates():
    n = K.variable(0.0)
    x = K.placeholder((None, 1))
    f = K.function([x, K.learning_phase()], [x + 1], updates=[K.update_add(n, 1.0)])
    (out,) = f([np.zeros((2, 1)), 0])
    np.testing.assert_allclose(out, np.ones((2, 1)))
    assert float(K.get_value(n)) == 1.0
    with pytest.raises(TypeError, match="`\\(variable, new_value\\)` tuple"):
        K.function([x], [x], updates=["not an update"])
    with pytest.raises(TypeError, match="needs a variable"):
        K.function([x], [x], updates=[(np.zeros(1), x)])


def test_two_updates_of_one_variable_are_both_taken_back_and_both_run():
    v = K.variable(0.0)
    f = K.function([], [], updates=[K.update_add(v, 1.0), K.update(v, 10.0)])
    assert float(K.get_value(v)) == 0.0
    f([])
    assert float(K.get_value(v)) == 10.0
    g = K.function([], [], updates=[K.update_add(v, 1.0), K.update_add(v, 2.0)])
    assert float(K.get_value(v)) == 10.0
    g([])
    g([])
    assert float(K.get_value(v)) == 16.0


def test_an_expression_of_variables_as_an_update_follows_the_weights_at_each_call():
    # keras-rl's soft target-network update: (target, tau * online + (1 - tau) * target),
    # written once; Keras 2.2.4 evaluates the expression at every call
    online, target = K.variable(np.ones((2, 2))), K.variable(np.zeros((2, 2)))
    tau = 0.5
    f = K.function([], [], updates=[(target, tau * online + (1.0 - tau) * target)])
    g = K.function([], [], updates=[K.update(online, online * 2.0)])
    expected_online, expected_target = np.ones((2, 2)), np.zeros((2, 2))
    for _ in range(3):
        f([])
        expected_target = tau * expected_online + (1 - tau) * expected_target
        np.testing.assert_allclose(K.get_value(target), expected_target)
        g([])
        expected_online = expected_online * 2
        np.testing.assert_allclose(K.get_value(online), expected_online)


def test_an_expression_read_in_the_evaluation_it_was_made_in_is_its_value_then():
    count = K.variable(3.0)
    current = count * 1                 # Keras 2.2.4's stateful metric reads the count so
    K.update_add(count, 2.0)            # (applied at once, outside K.function)
    assert float(K.eval(current + 10.0)) == 13.0
    assert float(K.get_value(count)) == 5.0
    f = K.function([], [current * 1.0])  # a later evaluation: computed from the count now
    assert float(f([])[0]) == 5.0


def test_an_expression_of_a_weight_in_a_loss_trains_that_weight():
    from kernelkit.layers import Dense
    from kernelkit.models import Sequential
    from kernelkit.optimizers import SGD
    model = Sequential([Dense(1, use_bias=False, kernel_initializer="ones", input_shape=(2,))])
    kernel = model.layers[0].kernel
    penalty = K.sum(K.square(kernel))   # made before compile, outside any training step

    def loss(y_true, y_pred):
        return K.mean(y_pred * 0.0) + penalty

    model.compile(SGD(0.1), loss)
    model.train_on_batch(np.ones((4, 2)), np.ones((4, 1)))
    # d(sum(k^2))/dk = 2k: one step of SGD(0.1) from ones gives 0.8
    np.testing.assert_allclose(K.get_value(kernel), np.full((2, 1), 0.8), rtol=1e-6)
