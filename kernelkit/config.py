"""Backend settings (floatx, epsilon, image_data_format), read from $KERNELKIT_HOME/kernelkit.json.

As the Keras FAQ describes for ~/.keras/keras.json: the file is read once at import and
written with the defaults when it does not exist and the folder is writable.
"""
import json
import os

_DEFAULTS = {"floatx": "float32", "epsilon": 1e-7, "image_data_format": "channels_last",
             "backend": "kernelkit"}
_settings = dict(_DEFAULTS)


def _load():
    from ._home import kernelkit_home
    try:
        home = kernelkit_home()
    except OSError:
        return
    path = os.path.join(home, "kernelkit.json")
    if os.path.exists(path):
        try:
            with open(path) as f:
                user = json.load(f)
        except (OSError, ValueError):
            return
        if user.get("floatx") in ("float16", "float32", "float64"):
            _settings["floatx"] = user["floatx"]
        if isinstance(user.get("epsilon"), (int, float)):
            _settings["epsilon"] = float(user["epsilon"])
        if user.get("image_data_format") in ("channels_last", "channels_first"):
            _settings["image_data_format"] = user["image_data_format"]
    else:
        try:
            tmp = path + f".tmp{os.getpid()}"
            with open(tmp, "w") as f:
                json.dump(_DEFAULTS, f, indent=4)
            os.replace(tmp, path)
        except OSError:
            pass


def floatx():
    """Returns the default float type, as a string (`"float32"` unless changed).

    Returns:
        `"float16"`, `"float32"` or `"float64"`.
    """
    return _settings["floatx"]


def set_floatx(value):
    """Sets the default float type.

    Arguments:
        value: `"float16"`, `"float32"` or `"float64"`.

    Raises:
        ValueError: for any other value.
    """
    if value not in ("float16", "float32", "float64"):
        raise ValueError(f"Unknown floatx type: {value!r}; expected 'float16', 'float32' or "
                         "'float64'.")
    _settings["floatx"] = str(value)


def epsilon():
    """Returns the fuzz factor used in numeric expressions (default 1e-7).

    Returns:
        A float.
    """
    return _settings["epsilon"]


def set_epsilon(value):
    """Sets the fuzz factor used in numeric expressions.

    Arguments:
        value: float, the new epsilon.
    """
    _settings["epsilon"] = float(value)


def image_data_format():
    """Returns the default image data format convention.

    Returns:
        `"channels_last"` (the default) or `"channels_first"`.
    """
    return _settings["image_data_format"]


def set_image_data_format(data_format):
    """Sets the default image data format convention.

    Arguments:
        data_format: `"channels_last"` or `"channels_first"`.

    Raises:
        ValueError: for any other value.
    """
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"Unknown data_format: {data_format!r}; expected 'channels_last' or "
                         "'channels_first'.")
    _settings["image_data_format"] = str(data_format)


def normalize_data_format(value):
    """Checks a `data_format` argument, filling in the default.

    Arguments:
        value: `"channels_first"`, `"channels_last"` (any case) or None (meaning
            `K.image_data_format()`).

    Returns:
        `"channels_first"` or `"channels_last"`.

    Raises:
        ValueError: for any other value.
    """
    value = image_data_format() if value is None else value.lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"The `data_format` argument must be one of 'channels_first', "
                         f"'channels_last'. Received: {value!r}")
    return value



def cast_to_floatx(x):
    """`x` as a NumPy array of dtype `floatx()` (Keras 2.2.4's `K.cast_to_floatx`).

    Arguments:
        x: a NumPy array or a Python number / nested list.

    Returns:
        A new NumPy array (or NumPy scalar) of dtype `floatx()`.
    """
    import numpy as np
    return np.asarray(x, dtype=floatx())


def image_dim_ordering():
    """Keras 1's name of the image data format: `'th'` (channels_first) or `'tf'`
    (channels_last), as Keras 2.2.4's `K.image_dim_ordering()` answers."""
    return "th" if image_data_format() == "channels_first" else "tf"


def set_image_dim_ordering(dim_ordering):
    """Set the image data format with Keras 1's name (`'tf'` or `'th'`).

    Arguments:
        dim_ordering: `'tf'` (channels_last) or `'th'` (channels_first).

    Raises:
        ValueError: any other value.
    """
    if dim_ordering not in ("tf", "th"):
        raise ValueError(f"Unknown dim_ordering: {dim_ordering!r}; expected 'tf' or 'th'.")
    set_image_data_format("channels_first" if dim_ordering == "th" else "channels_last")


_load()
