"""Reading configs that other Keras versions wrote.

The layer part (dropping the keys kernelkit's layer classes do not take, DTypePolicy dicts)
lives with the one layer deserializer in `kernelkit.layers.config_compat` and is re-exported
here; the optimizer part, which only loading a whole model needs, is here.
"""
import warnings

from ..layers.config_compat import (  # noqa: F401 - re-exports (the old path)
    accepted_keys, clean_layer_config, normalize_dtype)

__all__ = ["accepted_keys", "check_optimizer_config", "clean_layer_config", "normalize_dtype"]


def check_optimizer_config(config):
    """Warn about Keras 3 optimizer options that kernelkit's optimizers do not have.

    Arguments:
        config: the optimizer's `{"class_name", "config"}` dict from a training config.
    """
    inner = config.get("config", {}) if isinstance(config, dict) else {}
    unsupported = {"weight_decay": None, "use_ema": False,
                   "gradient_accumulation_steps": None, "loss_scale_factor": None}
    if inner.get("clipnorm") is not None:   # global_clipnorm is read as clipnorm (Keras 2.2.4's)
        unsupported["global_clipnorm"] = None
    for key, off in unsupported.items():
        value = inner.get(key, off)
        if value != off and not (key == "weight_decay" and value == 0):
            warnings.warn(f"Optimizer {config.get('class_name')}: option {key}={value!r} "
                          "is not supported by kernelkit and is ignored.", stacklevel=3)
