"""Where kernelkit keeps its files: the folder $KERNELKIT_HOME, by default ~/.kernelkit.

Downloaded data sets live in its `datasets` subfolder (see `kernelkit.utils.get_file`).
As the Keras FAQ describes for ~/.keras, when the folder cannot be created or written to
(a read-only home on a shared machine or a container) kernelkit falls back to a folder in
the system's temporary directory. This module imports only the standard library.
"""
import os
import tempfile

HOME_ENV_VAR = "KERNELKIT_HOME"
DEFAULT_HOME = os.path.join("~", ".kernelkit")


def writable_dir(path):
    """Create `path` if missing and return it when it is a writable folder, else None."""
    path = os.path.abspath(os.path.expanduser(os.fspath(path)))
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        return None
    if os.path.isdir(path) and os.access(path, os.W_OK | os.X_OK):
        return path
    return None


def fallback_home():
    """The folder used when the configured home is not writable.

    It is named per user, so that on a shared machine one user's folder in /tmp does not
    block another's.
    """
    user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    return os.path.join(tempfile.gettempdir(), f".kernelkit-{user}")


def kernelkit_home():
    """Return kernelkit's folder, creating it if missing.

    Returns:
        $KERNELKIT_HOME if set (``~`` is expanded), else ``~/.kernelkit``; when that folder
        cannot be created or is not writable, a per-user folder under
        ``tempfile.gettempdir()``.

    Raises:
        OSError: when neither folder can be created and written to.
    """
    configured = os.environ.get(HOME_ENV_VAR) or DEFAULT_HOME
    home = writable_dir(configured) or writable_dir(fallback_home())
    if home is None:
        raise OSError(
            f"kernelkit found no writable folder for its files: neither {configured!r} nor "
            f"{fallback_home()!r} could be created and written to. Set ${HOME_ENV_VAR} to a "
            "writable folder."
        )
    return home
