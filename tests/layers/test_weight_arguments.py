"""set_weight_arguments / weight_config: the per-weight arguments of Dense and the
convolutions, resolved and serialized in Keras 2.2.4's keys and order."""
import kernelkit.layers as L
from kernelkit import constraints, initializers, regularizers


def test_dense_config_keys_in_keras_order_and_values():
    layer = L.Dense(3, kernel_initializer="ones", bias_regularizer="l2",
                    kernel_constraint="non_neg", activity_regularizer="l1")
    assert isinstance(layer.kernel_initializer, initializers.Ones)
    assert isinstance(layer.bias_regularizer, regularizers.L1L2)
    assert isinstance(layer.kernel_constraint, constraints.NonNeg)
    cfg = layer.get_config()
    keys = [k for k in cfg if k.endswith(("_initializer", "_regularizer", "_constraint"))]
    assert keys == ["kernel_initializer", "bias_initializer", "kernel_regularizer",
                    "bias_regularizer", "activity_regularizer", "kernel_constraint",
                    "bias_constraint"]
    assert cfg["kernel_initializer"] == {"class_name": "Ones", "config": {}}
    assert cfg["bias_regularizer"]["config"]["l2"] > 0 and cfg["kernel_regularizer"] is None
    assert cfg["activity_regularizer"]["config"]["l1"] > 0
    assert cfg["kernel_constraint"]["class_name"] == "NonNeg"


def test_separable_and_depthwise_weight_keys():
    sep = L.SeparableConv2D(4, 3, pointwise_initializer="zeros", depthwise_constraint="non_neg")
    cfg = sep.get_config()
    assert [k for k in cfg if k.startswith(("depthwise_", "pointwise_"))] == [
        "depthwise_initializer", "pointwise_initializer", "depthwise_regularizer",
        "pointwise_regularizer", "depthwise_constraint", "pointwise_constraint"]
    assert cfg["pointwise_initializer"] == {"class_name": "Zeros", "config": {}}
    assert cfg["depthwise_constraint"]["class_name"] == "NonNeg"
    dw = L.DepthwiseConv2D(3, depthwise_initializer="ones")
    cfg = dw.get_config()
    assert "kernel_initializer" not in cfg
    assert cfg["depthwise_initializer"] == {"class_name": "Ones", "config": {}}
    assert type(L.DepthwiseConv2D.from_config(cfg).depthwise_initializer) is initializers.Ones
