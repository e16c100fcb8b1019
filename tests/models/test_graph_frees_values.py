"""The graph executor drops each intermediate value once no later node reads it (layers/graph.py
`_last_uses`), so a long model does not keep every layer's output alive until the run ends;
never when a layer might read a tensor by closure (a Lambda, a layer from outside kernelkit)."""
import numpy as np

from kernelkit.layers import Activation, Add, Dense, Input, Lambda, Layer
from kernelkit.layers import graph as graph_module
from kernelkit.models import Model


def _residual(extra=None):
    np.random.seed(0)
    inp = Input((6,))
    a = Dense(6, name="a")(inp)
    b = Dense(6, name="b")(a)
    c = Add(name="c")([a, b])
    d = Activation("relu", name="d")(c)
    if extra is not None:
        d = extra(d)
    return Model(inp, Dense(3, name="out")(d))


def _kept_after_run(model, monkeypatch):
    kept = []
    run_nodes = graph_module.GraphNetwork._run_nodes

    def recording(self, values, masks, training):
        run_nodes(self, values, masks, training)
        kept.append(len(values))
    monkeypatch.setattr(graph_module.GraphNetwork, "_run_nodes", recording)
    x = np.random.RandomState(1).rand(5, 6).astype("float32")
    return model.predict(x, batch_size=5), kept[-1]


def test_last_uses_drop_each_value_after_its_last_reader():
    graph = _residual()._self_graph
    names = [node.layer.name for node in graph.nodes]
    drops = graph_module._last_uses(graph)
    # dropped as each node starts: the input once `a` has run, `a` (read by `b` and `c`) and
    # `b` once `c` has, `c` once `d` has; `d`, read by the last node, stays to the end
    assert names == ["a", "b", "c", "d", "out"]
    assert [len(d) for d in drops] == [0, 1, 0, 2, 1]
    assert not any(id(t) in d for d in drops for t in graph.outputs)


def test_a_run_keeps_only_what_is_still_read(monkeypatch):
    model = _residual()
    with_drops, kept = _kept_after_run(model, monkeypatch)
    assert kept == 2             # the output and `d`, read by the last node
    monkeypatch.setattr(graph_module, "_last_uses", lambda g: [[] for _ in g.nodes])
    model = _residual()
    without, kept_all = _kept_after_run(model, monkeypatch)
    assert kept_all == 6
    np.testing.assert_array_equal(with_drops, without)


def test_nothing_is_dropped_beside_a_lambda_or_a_user_layer(monkeypatch):
    class Twice(Layer):
        def call(self, x):
            return 2 * x
    for extra in (Lambda(lambda t: t * 2), Twice()):
        drops = graph_module._last_uses(_residual(extra)._self_graph)
        assert not any(drops)
    assert graph_module.reads_no_closures(Dense(2))
    assert not graph_module.reads_no_closures(Twice())
