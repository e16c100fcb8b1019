"""A layer's per-weight constructor arguments (`kernel_initializer`, `bias_regularizer`,
`depthwise_constraint`, ...): resolved once in `__init__`, serialized once in `get_config`,
for Dense, the convolutions and any layer naming its weights the same way."""
from .. import constraints, initializers, regularizers

__all__ = ["set_weight_arguments", "weight_config"]

# each kind of argument, in the order Keras lists them, with the module that resolves it
_KINDS = (("initializer", initializers), ("regularizer", regularizers),
          ("constraint", constraints))


def set_weight_arguments(layer, arguments, *weights):
    """Sets `layer.<weight>_<kind>` from `arguments["<weight>_<kind>"]`, resolved by the
    kind's `get` (a name, a config dict, an instance or None).

    Arguments:
        layer: the layer being constructed.
        arguments: a dict holding the arguments, usually the constructor's `locals()`.
        *weights: the weights' names (`"kernel"`, `"bias"`, `"depthwise"`, ...).

    Raises:
        ValueError: from the kind's `get` for an unknown name.
    """
    for kind, module in _KINDS:
        for weight in weights:
            name = f"{weight}_{kind}"
            setattr(layer, name, module.get(arguments[name]))


def weight_config(layer, *weights, activity=False):
    """The serialized `<weight>_<kind>` attributes of `layer`, in Keras's order (initializers,
    regularizers, then `activity_regularizer` when `activity`, then constraints).

    Arguments:
        layer: a layer whose attributes `set_weight_arguments` set.
        *weights: the weights' names.
        activity: boolean, include the layer's `activity_regularizer`.

    Returns:
        A dict for the layer's config.
    """
    cfg = {}
    for kind, module in _KINDS:
        if kind == "constraint" and activity:
            cfg["activity_regularizer"] = regularizers.serialize(layer.activity_regularizer)
        for weight in weights:
            cfg[f"{weight}_{kind}"] = module.serialize(getattr(layer, f"{weight}_{kind}"))
    return cfg
