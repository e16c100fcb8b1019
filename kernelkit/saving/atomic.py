"""Where saved files go: path checks, atomic HDF5 writes, and opening files for reading.

A save writes a temporary file in the destination folder and renames it over the target
only once everything is written, so an interrupted save (an exception, a kill) leaves the
previous file as it was. Callers may also hand over an open `h5py.File` or group, which is
then written or read in place, as Keras allows.
"""
import contextlib
import errno
import os
import re
import stat
import threading
import uuid

_external = threading.local()

# At most this many HDF5 objects are inspected for external data (a Keras file has a few per
# layer); a file with more is refused as it is not one kernelkit or Keras wrote.
_MAX_OBJECTS = 1_000_000


def is_h5_group(obj):
    """True for an open h5py File or Group (h5py imported only if it already is)."""
    import sys
    h5py = sys.modules.get("h5py")
    return h5py is not None and isinstance(obj, h5py.Group)


def resolve_path(filepath, what="file"):
    """An absolute path from a str or path-like, with `~` expanded.

    Raises:
        TypeError: when `filepath` is neither a path nor an h5py object.
    """
    try:
        path = os.fspath(filepath)
    except TypeError:
        raise TypeError(f"Expected a path (str or pathlib.Path) or an open h5py.File for the "
                        f"{what}, got {type(filepath).__name__}.") from None
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    return os.path.abspath(os.path.expanduser(path))


def check_folder(path):
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"Cannot save to '{path}': the folder '{folder}' does not exist. "
                                "Create it first (e.g. os.makedirs(folder)).")


def check_not_open(path):
    """Refuse to replace an HDF5 file that is open elsewhere.

    Renaming over it would not corrupt a reader (it keeps the old inode), but the reader
    would go on seeing stale data, and on some platforms the rename fails half-way; Keras
    users expect a clear error instead. Open files are found in this process through h5py,
    and in others through HDF5's file lock.
    """
    if not os.path.exists(path):
        return
    import h5py
    for fid in h5py.h5f.get_obj_ids(types=h5py.h5f.OBJ_FILE):
        try:
            name = os.fsdecode(fid.name)
            same = os.path.samefile(name, path)
        except (OSError, ValueError):
            continue
        if same:
            raise OSError(f"Cannot save to '{path}': the file is open in this process (an "
                          "h5py.File or HDF5Matrix reading it). Close it first, or save under "
                          "another name.")
    if not h5py.is_hdf5(path):
        return
    try:
        h5py.File(path, "r+").close()
    except OSError as e:
        if "lock" in str(e).lower():
            raise OSError(f"Cannot save to '{path}': the file is open in another process "
                          f"({e}). Close it there first, or save under another name.") from None


def confirm_overwrite(filepath):
    """Keras's `overwrite=False`: ask on the console before replacing an existing file."""
    if is_h5_group(filepath):
        return True
    path = resolve_path(filepath)
    if not os.path.exists(path):
        return True
    from ..utils.io_utils import ask_to_proceed_with_overwrite
    return ask_to_proceed_with_overwrite(path)


def _temporary_name(base):
    """`.BASE.PID.RANDOM.tmp`: the writer's pid lets a later save tell a dead writer's file."""
    return f".{base}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(path):
    """Remove the temporaries of saves of `path` whose writer process is dead (killed saves).

    Returns:
        The number of files removed.
    """
    folder, base = os.path.split(path)
    pattern = re.compile(r"\." + re.escape(base) + r"\.(\d+)\.[0-9a-f]{8}\.tmp\Z")
    removed = 0
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    for name in names:
        match = pattern.match(name)
        if match is None:
            continue
        pid = int(match.group(1))
        if pid == os.getpid() or _pid_alive(pid):
            continue
        with contextlib.suppress(OSError):
            os.remove(os.path.join(folder, name))
            removed += 1
    return removed


def _fsync_path(path, directory=False):
    """fsync a file or a folder (a folder's entry for a renamed file is durable only then)."""
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        if directory:  # some platforms cannot open folders
            return
        raise
    try:
        os.fsync(fd)
    except OSError as e:
        if not directory or e.errno not in (errno.EINVAL, errno.EBADF):
            raise
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_h5_file(filepath):
    """Yield a new h5py.File to write; on success it replaces `filepath` in one rename.

    The temporary file is fsync'ed before the rename and the folder after it, so once the
    save returns, a crash or power loss leaves the new file whole. Temporaries of earlier
    saves of the same file whose writer died are removed first.

    Raises:
        FileNotFoundError: when the destination folder does not exist.
        OSError: when the destination is an HDF5 file open elsewhere, or writing fails
            (read-only folder, disk full, file-size limit): the message names the path
            and the reason, and the previous file is left as it was.
    """
    import h5py
    path = resolve_path(filepath)
    check_folder(path)
    if os.path.isdir(path):
        raise IsADirectoryError(f"Cannot save to '{path}': it is a folder.")
    check_not_open(path)
    remove_stale_temporaries(path)
    folder, base = os.path.split(path)
    tmp = os.path.join(folder, _temporary_name(base))
    try:
        # os.open honours the umask, so the final file gets the usual permissions.
        os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
    except OSError as e:
        raise OSError(e.errno, f"Cannot save to '{path}': cannot create a file in '{folder}' "
                      f"({e.strerror or e})") from None
    try:
        try:
            with h5py.File(tmp, "w") as f:
                yield f
            _fsync_path(tmp)
            os.replace(tmp, path)
        except (OSError, RuntimeError) as e:
            # HDF5 reports a failed write (disk full, file-size limit) as an OSError, or as
            # a RuntimeError naming the errno when the file is closed; others pass through.
            if isinstance(e, RuntimeError) and "errno" not in str(e):
                raise
            code = getattr(e, "errno", None)
            raise OSError(code, f"Cannot save to '{path}': writing failed ({e}); the previous "
                          "file, if any, is unchanged") from e
        _fsync_path(folder, directory=True)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


@contextlib.contextmanager
def writable_group(filepath):
    """Yield a group to write into: the caller's open h5py group, or an atomic new file."""
    if is_h5_group(filepath):
        yield filepath
        return
    with atomic_h5_file(filepath) as f:
        yield f


@contextlib.contextmanager
def external_data_allowed(allowed=True):
    """Allow (or refuse) HDF5 external links, external storage and virtual datasets while
    reading files inside this block (refused by default: they make a file read other files).

    Arguments:
        allowed: bool.
    """
    previous = getattr(_external, "allowed", False)
    _external.allowed = bool(allowed)
    try:
        yield
    finally:
        _external.allowed = previous


def check_no_external_data(f, path):
    """Refuse a file whose objects point outside it (Keras 3's safe_mode does the same).

    Raises:
        ValueError: an external link, a dataset with external storage, or a virtual dataset;
            the object is named, and `external_data_allowed()` is the opt-in.
    """
    if getattr(_external, "allowed", False):
        return
    import h5py
    hint = ("; such files read other files. If you trust it, load it inside "
            "`with kernelkit.saving.atomic.external_data_allowed():`.")
    seen, stack, count = set(), [f], 0
    while stack:
        group = stack.pop()
        for name in group:
            count += 1
            if count > _MAX_OBJECTS:
                raise ValueError(f"'{path}' holds more than {_MAX_OBJECTS} HDF5 objects; it is "
                                 "not a Keras model or weights file.")
            link = group.get(name, getlink=True)
            where = f"{group.name.rstrip('/')}/{name}"
            if isinstance(link, h5py.ExternalLink):
                raise ValueError(f"'{path}': '{where}' is an HDF5 external link to "
                                 f"'{link.filename}'{hint}")
            if not isinstance(link, h5py.HardLink):
                continue  # soft links point inside the file, and are visited there
            obj = group.get(name)
            if isinstance(obj, h5py.Dataset):
                if obj.is_virtual:
                    raise ValueError(f"'{path}': '{where}' is a virtual dataset{hint}")
                if obj.external:
                    raise ValueError(f"'{path}': '{where}' has external storage{hint}")
            elif isinstance(obj, h5py.Group):
                key = h5py.h5o.get_info(obj.id).addr
                if key not in seen:
                    seen.add(key)
                    stack.append(obj)


@contextlib.contextmanager
def readable_group(filepath):
    """Yield `(group, label)` for reading; `label` names the file in error messages.

    Raises:
        FileNotFoundError: when there is no such file.
        OSError: when the file is not a readable HDF5 file.
    """
    if is_h5_group(filepath):
        label = f"{filepath.file.filename}:{filepath.name}" if filepath.name != "/" \
            else filepath.file.filename
        yield filepath, label
        return
    import h5py
    path = resolve_path(filepath)
    if not os.path.exists(path):
        raise FileNotFoundError(f"No file or directory found at '{path}'.")
    if os.path.isdir(path):
        raise IsADirectoryError(f"'{path}' is a folder, not an HDF5 file.")
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise OSError(f"'{path}' is not a regular file (a named pipe, a device or a socket); "
                      "only HDF5 files are read.")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        hint = ""
        with open(path, "rb") as fh:
            if fh.read(4) == b"PK\x03\x04":
                hint = (" It is a zip file: Keras 3's native `.keras` format, which kernelkit "
                        "does not read; in Keras, save with `model.save('model.h5')`.")
        raise OSError(f"Unable to open '{path}' as an HDF5 file: {e}.{hint}") from None
    with f:
        try:
            check_no_external_data(f, path)
        except (KeyError, RuntimeError, TypeError, AttributeError) as e:
            raise ValueError(f"Unable to read '{path}': {type(e).__name__}: {e}") from e
        yield f, path
