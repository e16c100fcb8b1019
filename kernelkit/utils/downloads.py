"""Downloads into kernelkit's cache: `get_file`, file hashes and archive extraction.

`get_file` downloads a file into kernelkit's cache (by default ``kernelkit_home()/datasets``),
verifies its hash, and extracts tar/zip archives. A download is written to a temporary file
in the destination folder and renamed into place only once complete and verified, so the
cache never holds a partial or corrupt file. Keras 2's import path for these names is
`kernelkit.utils.data_utils`, which re-exports them.
"""
import contextlib
import hashlib
import http.client
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile

from kernelkit._home import fallback_home, kernelkit_home, writable_dir

# Seconds a download may wait for data before it is abandoned (a stalled server would
# otherwise hang the caller forever).
DOWNLOAD_TIMEOUT = 60
_CHUNK_SIZE = 1 << 16


class DownloadError(OSError):
    """A file could not be downloaded; nothing was left in the cache."""


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None):
    """Download a file from a URL unless it is already in the cache; return its path.

    The file lands in ``cache_dir/cache_subdir/fname``, by default
    ``kernelkit_home()/datasets/fname`` (``~/.kernelkit/datasets``; see `kernelkit_home`).
    A cached file is trusted if no hash is given, and re-downloaded if its hash is wrong.

    Arguments:
        fname: name of the file; an absolute path is used as is. None: the last part of
            the URL.
        origin: URL of the file.
        untar: deprecated in favor of `extract`: the file is a ``.tar.gz`` saved as
            ``fname + ".tar.gz"`` and extracted next to it; the path ``fname`` is returned.
        md5_hash: deprecated in favor of `file_hash`: an md5 hash of the file.
        file_hash: expected sha256 or md5 hash of the file.
        cache_subdir: folder under the cache folder; an absolute path is used as is.
        hash_algorithm: 'md5', 'sha256', or 'auto' (chosen from the length of `file_hash`).
        extract: whether to extract the file as an archive into its folder.
        archive_format: 'auto' (tar then zip), 'tar', 'zip', a list of these, or None.
        cache_dir: cache folder; None for `kernelkit_home()`. If it is not writable, a
            folder under the system's temporary directory is used instead.

    Returns:
        The path of the downloaded file (of the extracted folder with `untar`).

    Raises:
        DownloadError: the download failed (HTTP error, no connection, transfer cut off).
        ValueError: the downloaded file does not have the expected hash.
        In every error case no file is left behind.
    """
    if origin is None:
        raise ValueError('get_file needs the URL of the file: pass origin="https://...".')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    if fname is None:
        fname = os.path.basename(urllib.parse.urlparse(origin).path)
        if not fname:
            raise ValueError(f"get_file cannot name the file from the URL {origin}; pass fname.")
    datadir = _cache_folder(cache_dir, cache_subdir)
    fname = os.fspath(fname)
    if untar:
        untar_fpath = os.path.join(datadir, fname)
        fpath = untar_fpath + ".tar.gz"
    else:
        fpath = os.path.join(datadir, fname)

    if not os.path.exists(fpath):
        _download(origin, fpath, file_hash, hash_algorithm)
    elif file_hash is not None and not validate_file(fpath, file_hash, hash_algorithm):
        algorithm = _hash_algorithm_for(file_hash, hash_algorithm)
        print(f"A local file was found at {fpath}, but its {algorithm} hash does not match "
              f"{file_hash}: it is incomplete or outdated, so it will be downloaded again.")
        os.remove(fpath)
        _download(origin, fpath, file_hash, hash_algorithm)

    if untar:
        if not os.path.exists(untar_fpath):
            _extract_archive(fpath, datadir, archive_format="tar")
        return untar_fpath
    if extract:
        _extract_archive(fpath, datadir, archive_format)
    return fpath


def _cache_folder(cache_dir, cache_subdir):
    if cache_dir is None:
        base = kernelkit_home()
    else:
        base = writable_dir(cache_dir) or writable_dir(fallback_home())
        if base is None:
            raise OSError(f"get_file found no writable folder: {cache_dir!r} is not writable, "
                          f"and neither is {fallback_home()!r}.")
    datadir = os.path.join(base, os.fspath(cache_subdir))
    os.makedirs(datadir, exist_ok=True)
    return datadir


def _download(origin, fpath, file_hash, hash_algorithm):
    """Download `origin` to `fpath` through a temporary file that is removed on any failure."""
    folder = os.path.dirname(fpath)
    os.makedirs(folder, exist_ok=True)
    algorithm = _hash_algorithm_for(file_hash, hash_algorithm) if file_hash else "sha256"
    hasher = hashlib.new(algorithm)
    print(f"Downloading data from {origin}")
    fd, part_path = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(fpath)}.",
                                     suffix=".part")
    try:
        with os.fdopen(fd, "wb") as part:
            _stream(origin, fpath, part, hasher)
        if file_hash is not None and hasher.hexdigest() != str(file_hash).lower():
            raise ValueError(
                f"Incomplete or corrupted download of {fpath} from {origin}: its {algorithm} "
                f"hash is {hasher.hexdigest()}, expected {str(file_hash).lower()}. The file was "
                "not kept; try again, and check the URL and the hash if it keeps failing.")
        os.replace(part_path, fpath)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(part_path)
        raise


def _stream(origin, fpath, out, hasher):
    """Copy the body of `origin` into the open file `out`, failing unless all of it arrived."""
    received = 0
    try:
        with urllib.request.urlopen(origin, timeout=DOWNLOAD_TIMEOUT) as response:
            expected = response.headers.get("Content-Length")
            total = int(expected) if expected is not None and expected.isdigit() else None
            bar = _download_progress(total)
            while True:
                chunk = response.read(_CHUNK_SIZE)
                if not chunk:
                    break
                out.write(chunk)
                hasher.update(chunk)
                received += len(chunk)
                # Not final yet, even at the announced size: the length is checked below.
                # The bar throttles its own redraws.
                bar.update(received, finalize=False)
    except urllib.error.HTTPError as error:
        raise DownloadError(f"Download of {fpath} from {origin} failed: HTTP {error.code} "
                            f"{error.reason}.") from error
    except urllib.error.URLError as error:
        raise DownloadError(f"Download of {fpath} from {origin} failed: {error.reason}.") from error
    except (OSError, http.client.HTTPException) as error:
        raise DownloadError(f"Download of {fpath} from {origin} failed after {received} bytes: "
                            f"{error!r}.") from error
    # http.client returns a short body rather than raising when the connection drops early.
    if expected is not None and expected.isdigit() and received != int(expected):
        raise DownloadError(f"Download of {fpath} from {origin} was cut off: received {received} "
                            f"of {expected} bytes. The partial file was not kept; try again.")
    bar.update(received, finalize=True)


def _download_progress(total):
    """The progress display of a download: Keras's text bar, or the notebook bar in Jupyter.

    Arguments:
        total: the size of the file in bytes, or None when the server did not say.

    Returns:
        An object with ``update(current, values=None, finalize=None)``.
    """
    # A function-level import that goes up the map, on purpose: this module imports only the
    # standard library at module level (the enqueuers' worker processes import it too), and
    # the display (notebook or terminal) is chosen by kernelkit.callbacks.progress when a
    # download starts, reusing the bars that fit and evaluate show rather than a third one.
    from kernelkit.callbacks.progress import progress_bar

    return progress_bar(total, unit_name="byte")


def _hash_algorithm_for(file_hash, algorithm):
    if algorithm == "auto":
        return "sha256" if len(str(file_hash)) == 64 else "md5"
    if algorithm in ("sha256", "md5"):
        return algorithm
    raise ValueError(f"hash_algorithm must be 'auto', 'sha256' or 'md5', got {algorithm!r}.")


def _hash_file(fpath, algorithm="sha256", chunk_size=65535):
    """Return the hex digest of a file, read in chunks.

    Arguments:
        fpath: path of the file.
        algorithm: 'sha256', 'md5', or 'auto' (sha256).
        chunk_size: bytes read at a time.
    """
    hasher = hashlib.new("sha256" if algorithm == "auto" else _hash_algorithm_for("", algorithm))
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535):
    """Return whether the file at `fpath` has the hash `file_hash` (sha256 or md5).

    Arguments:
        fpath: path of the file.
        file_hash: expected hex digest.
        algorithm: 'sha256', 'md5', or 'auto' (chosen from the length of `file_hash`).
        chunk_size: bytes read at a time.
    """
    algorithm = _hash_algorithm_for(file_hash, algorithm)
    return _hash_file(fpath, algorithm, chunk_size) == str(file_hash).lower()


def _extract_archive(file_path, path=".", archive_format="auto"):
    """Extract a tar or zip archive into the folder `path`, refusing unsafe members.

    Members are first extracted into a temporary folder inside `path` and moved into place
    only when all of them are out, so an interrupted extraction leaves nothing half done.

    Arguments:
        file_path: path of the archive.
        path: destination folder.
        archive_format: 'auto' (tar then zip), 'tar', 'zip', a list of these, or None.

    Returns:
        True if the file was an archive of one of the formats and was extracted, else False.

    Raises:
        ValueError: a member would land outside `path` (absolute path, ``..``, or a link
            pointing out), or is a device file.
    """
    if archive_format is None:
        return False
    if archive_format == "auto":
        archive_format = ["tar", "zip"]
    if isinstance(archive_format, str):
        archive_format = [archive_format]
    for kind in archive_format:
        if kind == "tar" and tarfile.is_tarfile(file_path):
            extract = _extract_tar
        elif kind == "zip" and zipfile.is_zipfile(file_path):
            extract = _extract_zip
        else:
            continue
        os.makedirs(path, exist_ok=True)
        staging = tempfile.mkdtemp(dir=path, prefix=".extracting-")
        try:
            extract(file_path, staging)
            _move_tree(staging, path)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return True
    return False


def _check_inside(root, member_path, archive, member_name):
    root = os.path.realpath(root)
    target = os.path.realpath(os.path.join(root, member_path))
    if os.path.commonpath([root, target]) != root:
        raise ValueError(f"Refusing to extract {archive}: member {member_name!r} would be "
                         "written outside the destination folder.")


def _extract_tar(file_path, staging):
    has_data_filter = hasattr(tarfile, "data_filter")
    with tarfile.open(file_path) as archive:
        members = archive.getmembers()
        for member in members:
            _check_inside(staging, member.name, file_path, member.name)
            if member.issym() or member.islnk():
                if not has_data_filter:
                    raise ValueError(f"Refusing to extract {file_path}: member {member.name!r} "
                                     "is a link, which this Python cannot extract safely.")
                base = os.path.dirname(member.name) if member.issym() else ""
                _check_inside(staging, os.path.join(base, member.linkname), file_path, member.name)
            elif not (member.isfile() or member.isdir()):
                raise ValueError(f"Refusing to extract {file_path}: member {member.name!r} is a "
                                 "device file or pipe.")
        # The 'data' filter re-checks every member as it is written (links included).
        options = {"filter": "data"} if has_data_filter else {}
        archive.extractall(staging, members=members, **options)


def _extract_zip(file_path, staging):
    with zipfile.ZipFile(file_path) as archive:
        for name in archive.namelist():
            _check_inside(staging, name, file_path, name)
        archive.extractall(staging)


def _move_tree(source, destination):
    """Move the contents of `source` into `destination`, merging folders, replacing files."""
    for name in os.listdir(source):
        src = os.path.join(source, name)
        dst = os.path.join(destination, name)
        src_is_dir = os.path.isdir(src) and not os.path.islink(src)
        dst_is_dir = os.path.isdir(dst) and not os.path.islink(dst)
        if src_is_dir and dst_is_dir:
            _move_tree(src, dst)
            continue
        if dst_is_dir:
            shutil.rmtree(dst)
        elif src_is_dir and os.path.lexists(dst):
            os.remove(dst)
        os.replace(src, dst)


__all__ = ["get_file", "validate_file", "DownloadError", "DOWNLOAD_TIMEOUT"]
