"""Reading layer configs that other Keras versions wrote: drop the keys kernelkit's classes
do not take.

Keras 3 adds keys to many configs (`quantization_config` on Dense, `seed` on RNNs,
`synchronized` and `renorm*` on BatchNormalization, `input_axes` on GlorotUniform, ...), and
writes dtypes as DTypePolicy dicts. For kernelkit's own classes such a key is dropped silently
when its value means what kernelkit does anyway (None, False, a seed), and with a warning
otherwise, so a model never loads quietly with a behaviour it does not have. Classes from
users are left alone: their `from_config` sees the config as written.

The one layer deserializer (`kernelkit.layers.serialization.deserialize`) cleans each layer's
config here; `kernelkit.saving.config_compat` re-exports these names.
"""
import inspect
import warnings

from .. import registry
from .base import _BASE_KWARGS, Layer
from .model_kinds import is_model_class

__all__ = ["accepted_keys", "clean_layer_config", "normalize_dtype"]

_ANY = object()

# Keys from other Keras versions, and the values with which dropping them changes nothing.
_HARMLESS = {
    "quantization_config": (None,),
    "synchronized": (False,),
    "renorm": (False,),
    "renorm_clipping": _ANY,   # only used with renorm=True
    "renorm_momentum": _ANY,
    "fused": _ANY,             # an implementation choice
    "virtual_batch_size": (None,),
    "adjustment": (None,),
    "seed": _ANY,              # only changes which random numbers are drawn
    "optional": (False,),
    "input_axes": (None,),
    "output_axes": (None,),
    "lora_rank": (None,),
    "lora_alpha": (None,),
    "implementation": _ANY,    # Keras's speed/memory switch for RNNs
    "time_major": (False,),
    "autocast": _ANY,
    "dynamic": _ANY,
    "zero_output_for_mask": (False,),
    "rms_scaling": (False,),
}

_OBJECT_KINDS = (("_initializer", "initializer"), ("_regularizer", "regularizer"),
                 ("_constraint", "constraint"))


def _own_class(cls):
    return isinstance(cls, type) and (cls.__module__ or "").startswith("kernelkit.")


def accepted_keys(cls):
    """Keyword arguments `cls(...)` takes, following `**kwargs` up the class tree.

    Arguments:
        cls: a class.

    Returns:
        A set of argument names (with the Keras 1 names a legacy decorator converts), or None
        when some class passes `**kwargs` on to code we cannot see.
    """
    keys = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        try:
            params = inspect.signature(init).parameters
        except (TypeError, ValueError):
            return None
        keys |= {n for n, p in params.items()
                 if n != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        # a Keras 1 config's keys, which the constructor's legacy decorator converts
        keys |= getattr(init, "_legacy_keys", frozenset())
        if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
            return keys
        if klass is Layer:
            return keys | set(_BASE_KWARGS)
    return None


def _drop_unknown(config, accepted, what, only_known=False):
    """Keep the `accepted` keys; drop the others (with `only_known`, only Keras's known extras,
    for classes whose own `from_config` may read keys their constructor does not take)."""
    out = {}
    for key, value in config.items():
        if key in accepted or (only_known and key not in _HARMLESS):
            out[key] = value
            continue
        harmless = _HARMLESS.get(key)
        if harmless is None or (harmless is not _ANY and value not in harmless):
            warnings.warn(f"{what}: the config key {key!r} = {value!r} (written by another "
                          "Keras version) is not supported by kernelkit and is ignored.",
                          stacklevel=4)
    return out


def normalize_dtype(dtype, what):
    """A plain dtype name from Keras 3's DTypePolicy dict or a mixed-precision policy name.

    Arguments:
        dtype: a dtype name, a DTypePolicy dict `{"class_name", "config": {"name"}}`, or None.
        what: string naming the layer, for the warning.

    Returns:
        The dtype name ("float32" for a mixed-precision policy, with a warning), or None.
    """
    if isinstance(dtype, dict):
        dtype = (dtype.get("config") or {}).get("name")
    if isinstance(dtype, str) and dtype.startswith("mixed_"):
        warnings.warn(f"{what}: mixed-precision policy {dtype!r} is not supported by kernelkit; "
                      "the layer computes in float32.", stacklevel=4)
        dtype = "float32"
    return dtype


def _clean_object(kind, value, what):
    """An initializer/regularizer/constraint config with unknown keys dropped."""
    if not (isinstance(value, dict) and isinstance(value.get("config"), dict)):
        return value
    cls = registry.lookup(kind, value.get("class_name"))
    if not _own_class(cls):
        return value
    accepted = accepted_keys(cls)
    if accepted is None:
        return value
    inner = _drop_unknown(value["config"], accepted | {"dtype"},
                          f"{what}: {value.get('class_name')}")
    return {**value, "config": inner}


def clean_layer_config(cls, config):
    """`config` for kernelkit's layer class `cls`, with keys it does not take dropped.

    Nested initializers, regularizers and constraints are cleaned the same way. A wrapped
    layer's config (Bidirectional, TimeDistributed, an RNN's cell) is left as it is: the
    wrapper's `from_config` rebuilds it through the layer deserializer, which cleans it then.
    Cleaning it here as well would clean a layer nested d deep d times (quadratic in depth).

    Arguments:
        cls: the layer class the config is for.
        config: the layer's config dict, as a file holds it.

    Returns:
        A new dict (or `config` itself for a user's class, a model class or a non-dict).
    """
    if not _own_class(cls) or not isinstance(config, dict) or is_model_class(cls):
        return config
    what = f"Layer '{config.get('name')}' ({cls.__name__})"
    config = dict(config)
    if "dtype" in config:
        config["dtype"] = normalize_dtype(config["dtype"], what)
    for key, value in config.items():
        for suffix, kind in _OBJECT_KINDS:
            if key.endswith(suffix):
                config[key] = _clean_object(kind, value, what)
    accepted = accepted_keys(cls)
    if accepted is None:
        return config
    own_from_config = getattr(cls.from_config, "__func__", None) is not Layer.from_config.__func__
    return _drop_unknown(config, accepted, what, only_known=own_from_config)
