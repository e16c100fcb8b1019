"""Where a data set's file comes from: kernelkit's cache, Keras's cache, or a download.

`fetch` returns the path of a file, trying in order:

1. kernelkit's cache, ``$KERNELKIT_HOME/datasets/<name>``: used without network access when
   its hash is right (`get_file` downloads it again when it is not);
2. Keras's cache, ``$KERAS_HOME/datasets/<name>`` and ``~/.keras/datasets/<name>``: a user
   who already downloaded the data set with Keras gets that copy read in place, when its
   hash is right (a file there with another hash is ignored). Nothing is ever written into
   Keras's folder;
3. a download from `origin` into kernelkit's cache, through `get_file` (progress bar, hash
   check, nothing left behind on failure).
"""
import json
import os

from kernelkit._home import kernelkit_home
from kernelkit.utils.data_utils import get_file, validate_file

KERAS_HOME_ENV_VAR = "KERAS_HOME"


def keras_cache_dirs():
    """The folders Keras keeps its files in: $KERAS_HOME if set, then ``~/.keras``."""
    folders = []
    configured = os.environ.get(KERAS_HOME_ENV_VAR)
    if configured:
        folders.append(os.path.abspath(os.path.expanduser(configured)))
    default = os.path.abspath(os.path.expanduser(os.path.join("~", ".keras")))
    if default not in folders:
        folders.append(default)
    return folders


def fetch(fname, origin, file_hash, cache_subdir="datasets"):
    """Return the path of a data set's file, downloading it only when no valid copy exists.

    Arguments:
        fname: the file's name under `cache_subdir` (Keras's `path` argument); an absolute
            path is used as is, and Keras's cache is then not looked at.
        origin: the URL to download it from.
        file_hash: its md5 or sha256 hash.
        cache_subdir: the folder under the cache folder (``datasets``, or Keras's
            ``datasets/fashion-mnist``).

    Returns:
        The path of a file with the expected hash.

    Raises:
        DownloadError: the file had to be downloaded and the download failed.
        ValueError: the downloaded file does not have the expected hash.
    """
    fname = os.fspath(fname)
    own = os.path.join(kernelkit_home(), cache_subdir, fname)
    if not os.path.isabs(fname) and not os.path.exists(own):
        for folder in keras_cache_dirs():
            candidate = os.path.join(folder, cache_subdir, fname)
            if os.path.isfile(candidate) and validate_file(candidate, file_hash):
                return candidate
    return get_file(fname, origin=origin, file_hash=file_hash, cache_subdir=cache_subdir)


def fetch_json(fname, origin, file_hash):
    """`fetch` a JSON file (a word index) and return what it holds."""
    with open(fetch(fname, origin, file_hash), encoding="utf-8") as f:
        return json.load(f)
