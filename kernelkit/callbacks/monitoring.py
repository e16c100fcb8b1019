"""What the monitoring callbacks share: reading a metric from the logs, and "better" by mode."""
import warnings

import numpy as np


def _aliases(key):
    """tf.keras and Keras 2.2 spell accuracy differently ('val_accuracy' / 'val_acc')."""
    if key.endswith("accuracy"):
        return [key[: -len("accuracy")] + "acc"]
    if key.endswith("acc"):
        return [key + "uracy"]
    return []


def monitor_value(logs, monitor):
    """`logs[monitor]`, accepting either spelling of accuracy; None if absent."""
    logs = logs or {}
    if monitor in logs:
        return logs[monitor]
    for alias in _aliases(monitor):
        if alias in logs:
            return logs[alias]
    return None


def format_logs(logs):
    """The logs with both spellings of accuracy, for filename templates."""
    out = dict(logs or {})
    for key in list(out):
        for alias in _aliases(key):
            out.setdefault(alias, out[key])
    return out


def resolve_mode(mode, monitor, who):
    """'min' or 'max'; 'auto' is 'max' for accuracies (and fmeasure, auc), else 'min'."""
    if mode not in ("auto", "min", "max"):
        warnings.warn(f"{who} mode {mode!r} is unknown, fallback to auto mode.", RuntimeWarning,
                      stacklevel=3)
        mode = "auto"
    if mode != "auto":
        return mode
    name = monitor[4:] if monitor.startswith("val_") else monitor
    return "max" if "acc" in name or name.startswith(("fmeasure", "auc")) else "min"


def worst(mode):
    return np.inf if mode == "min" else -np.inf


def improves(mode, current, reference, min_delta=0.0):
    """Whether `current` beats `reference` by more than `min_delta` (>= 0) in direction `mode`."""
    if mode == "min":
        return current < reference - min_delta
    return current > reference + min_delta


def warn_missing(who, monitor, logs):
    warnings.warn(f"{who} conditioned on metric `{monitor}` which is not available. Available "
                  f"metrics are: {','.join(sorted(logs or {}))}", RuntimeWarning, stacklevel=3)
