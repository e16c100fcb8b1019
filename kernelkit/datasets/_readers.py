"""Readers of the file formats the data sets come in, none of which runs code from a file.

- `load_npz`: a NumPy ``.npz`` archive. Arrays of numbers are read as `np.load` reads them;
  object arrays (imdb's and reuters's lists of word indices) are pickles inside the archive,
  and are read with `RestrictedUnpickler` instead of `np.load(allow_pickle=True)`.
- `read_tar_pickles`: the pickled batches of the CIFAR archives, read straight from the
  ``.tar.gz`` (nothing is extracted), with ``encoding='bytes'`` as Keras reads them.
- `read_idx_gz`: a gzip-compressed IDX file (MNIST's and Fashion-MNIST's format).

`RestrictedUnpickler` rebuilds plain containers (dict, list, tuple, set, str, bytes, numbers)
and NumPy arrays; any other global named in a pickle is refused with an error naming the file.
"""
import codecs
import gzip
import io
import pickle
import tarfile
import zipfile

import numpy as np

# The function NumPy pickles arrays with; its module is numpy.core.multiarray in NumPy 1 and
# numpy._core.multiarray in NumPy 2, and a file may name either.
_reconstruct = np.empty(0).__reduce__()[0]
_scalar = np.float64(0).__reduce__()[0]
_frombuffer = np.arange(1).__reduce_ex__(5)[0]  # how protocol 5 pickles an array's bytes

_ALLOWED_GLOBALS = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy.core.multiarray", "scalar"): _scalar,
    ("numpy._core.multiarray", "scalar"): _scalar,
    ("numpy.core.numeric", "_frombuffer"): _frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _frombuffer,
    # Python 3 writes bytes into protocol-2 pickles as _codecs.encode(text, 'latin1').
    ("_codecs", "encode"): codecs.encode,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "bytearray"): bytearray,
    ("builtins", "complex"): complex,
    ("__builtin__", "set"): set,
    ("__builtin__", "frozenset"): frozenset,
    ("__builtin__", "bytearray"): bytearray,
    ("__builtin__", "complex"): complex,
}


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle named something other than plain containers and NumPy arrays."""


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that only rebuilds plain containers, numbers, strings and NumPy arrays.

    Arguments:
        file: a binary file object holding the pickle.
        source: the name of the file, used in errors.
        encoding: how to decode Python 2 strings ('bytes' keeps them as bytes, as Keras does
            for the CIFAR batches; 'latin1' is what NumPy uses for arrays written by Python 2).
    """

    def __init__(self, file, source, encoding="bytes"):
        super().__init__(file, encoding=encoding)
        self.source = source

    def find_class(self, module, name):
        found = _ALLOWED_GLOBALS.get((module, name))
        if found is None:
            raise UnsafePickleError(
                f"{self.source} is not a plain data pickle: it names {module}.{name}, and "
                "kernelkit only loads dicts, lists, tuples, strings, numbers and NumPy arrays "
                "from data files (loading never runs code from a file). The file is not the "
                "expected data set: delete it and download it again.")
        return found

    def persistent_load(self, pid):
        raise UnsafePickleError(f"{self.source} holds a persistent reference; it is not a plain "
                                "data pickle.")


def restricted_loads(data, source, encoding="bytes"):
    """Unpickle `data` (bytes) with `RestrictedUnpickler`; errors name `source`.

    Raises:
        UnsafePickleError: the pickle names a global other than the allowed ones.
        ValueError: the bytes are not a readable pickle.
    """
    try:
        return RestrictedUnpickler(io.BytesIO(data), source, encoding).load()
    except UnsafePickleError:
        raise
    except Exception as error:
        raise ValueError(f"{source} could not be read as a pickle: {error!r}. The file is "
                         "damaged or not the expected data set.") from error


def load_npz(path):
    """Read every array of a ``.npz`` file into a dict, object arrays through the restricted
    unpickler.

    Arguments:
        path: path of the ``.npz`` file.

    Returns:
        A dict from array name (without ``.npy``) to NumPy array.

    Raises:
        ValueError: the file is not a readable ``.npz`` archive.
        UnsafePickleError: an object array's pickle names something other than plain data.
    """
    arrays = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                key = member[:-4] if member.endswith(".npy") else member
                arrays[key] = _read_npy_member(archive, member, f"{path} ({member})")
    except zipfile.BadZipFile as error:
        raise ValueError(f"{path} is not a .npz archive ({error}); the file is damaged or not "
                         "the expected data set.") from error
    return arrays


def _read_npy_member(archive, member, source):
    with archive.open(member) as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(f)
        else:
            shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(f)
        if not dtype.hasobject:
            payload = None
        else:
            payload = f.read()
    if payload is None:
        with archive.open(member) as f:
            return np.lib.format.read_array(f, allow_pickle=False)
    array = restricted_loads(payload, source, encoding="latin1")
    if not isinstance(array, np.ndarray) or array.shape != tuple(shape):
        raise ValueError(f"{source} should hold an array of shape {tuple(shape)}, but its pickle "
                         f"holds {type(array).__name__} "
                         f"{getattr(array, 'shape', '')}.")
    return array


def read_tar_pickles(path, member_names):
    """Unpickle some members of a ``.tar.gz`` archive, in one pass and without extracting.

    Arguments:
        path: path of the archive.
        member_names: the members to read (e.g. ``"cifar-10-batches-py/test_batch"``).

    Returns:
        A dict from member name to the unpickled object (``encoding='bytes'``: dict keys
        written by Python 2 come back as bytes).

    Raises:
        ValueError: the archive cannot be read or lacks one of the members.
        UnsafePickleError: a member names something other than plain data.
    """
    wanted = set(member_names)
    found = {}
    try:
        with tarfile.open(path, "r:*") as archive:
            for member in archive:
                if member.name not in wanted or not member.isfile():
                    continue
                data = archive.extractfile(member).read()
                found[member.name] = restricted_loads(data, f"{path} ({member.name})")
    except (tarfile.TarError, EOFError, OSError) as error:
        raise ValueError(f"{path} could not be read as a tar archive: {error!r}. The file is "
                         "damaged or not the expected data set.") from error
    missing = [name for name in member_names if name not in found]
    if missing:
        raise ValueError(f"{path} lacks {', '.join(missing)}: it is not the expected archive.")
    return found


# IDX type codes and the big-endian dtypes they stand for.
_IDX_DTYPES = {0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype(">i2"),
               0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def read_idx_gz(path):
    """Read a gzip-compressed IDX file (the format of MNIST and Fashion-MNIST).

    Arguments:
        path: path of the ``.gz`` file.

    Returns:
        A writable NumPy array with the shape and type the file's header gives (uint8 for
        the MNIST files), in native byte order.

    Raises:
        ValueError: the file is not gzip-compressed IDX data or its length does not match
            its header.
    """
    try:
        with gzip.open(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as error:
        raise ValueError(f"{path} could not be decompressed: {error!r}. The file is damaged or "
                         "not the expected data set.") from error
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file: it does not start with the IDX magic "
                         "number (two zero bytes, a type code, the number of dimensions).")
    dtype, ndim = _IDX_DTYPES[data[2]], data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path} is cut off inside its IDX header.")
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) - header != expected:
        raise ValueError(f"{path} holds {len(data) - header} bytes of data, but its IDX header "
                         f"announces shape {shape} of {dtype.name}, that is {expected} bytes.")
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="))  # a writable copy in native byte order
