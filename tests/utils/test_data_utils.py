"""get_file, hashing, safe extraction and kernelkit_home, against a server on 127.0.0.1."""
import hashlib
import io
import os
import tarfile
import tempfile
import zipfile

import pytest

from kernelkit import _home
from kernelkit.utils import DownloadError, get_file, validate_file
from kernelkit.utils.data_utils import _extract_archive, _hash_file
from tests.datasets.local_server import (  # noqa: F401 (fixtures)
    TRUNCATE,
    TRUNCATE_NO_LENGTH,
    free_port,
    home,
    local_server,
    no_internet,
)

pytestmark = pytest.mark.usefixtures("no_internet")

BODY = bytes(range(256)) * 300  # 76,800 bytes: more than one read chunk
SHA256 = hashlib.sha256(BODY).hexdigest()
MD5 = hashlib.md5(BODY).hexdigest()


def _files_under(folder):
    return sorted(os.path.relpath(os.path.join(root, name), folder)
                  for root, dirs, names in os.walk(folder) for name in names + dirs)


# --- hashing -----------------------------------------------------------------------------------

def test_hash_file_known_vectors(tmp_path):
    path = tmp_path / "abc"
    path.write_bytes(b"abc")
    assert _hash_file(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert _hash_file(path, "md5") == "900150983cd24fb0d6963f7d28e17f72"
    assert _hash_file(path, "auto", chunk_size=1) == _hash_file(path)


def test_validate_file_picks_algorithm_from_length(tmp_path):
    path = tmp_path / "abc"
    path.write_bytes(b"abc")
    assert validate_file(path, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    assert validate_file(path, "900150983CD24FB0D6963F7D28E17F72")  # md5, any case
    assert not validate_file(path, "900150983cd24fb0d6963f7d28e17f70")
    assert not validate_file(path, "900150983cd24fb0d6963f7d28e17f72", algorithm="sha256")
    with pytest.raises(ValueError, match="hash_algorithm"):
        validate_file(path, "abc", algorithm="sha1")


# --- downloads ---------------------------------------------------------------------------------

def test_download_then_cache(home, local_server):
    local_server.files["data.bin"] = BODY
    path = get_file("data.bin", local_server.url("data.bin"), file_hash=SHA256)
    assert path == str(home / "data.bin")
    assert (home / "data.bin").read_bytes() == BODY
    assert get_file("data.bin", local_server.url("data.bin"), file_hash=SHA256) == path
    assert local_server.count("data.bin") == 1
    assert _files_under(home) == ["data.bin"]  # no temporary file left


def test_md5_hash_argument(home, local_server):
    local_server.files["data.bin"] = BODY
    path = get_file("data.bin", local_server.url("data.bin"), md5_hash=MD5)
    assert open(path, "rb").read() == BODY


def test_without_hash_cached_file_is_trusted(home, local_server):
    local_server.files["data.bin"] = BODY
    home.mkdir(parents=True)
    (home / "data.bin").write_bytes(b"old")
    assert open(get_file("data.bin", local_server.url("data.bin")), "rb").read() == b"old"
    assert local_server.count("data.bin") == 0


def test_cached_file_with_bad_hash_is_downloaded_again(home, local_server):
    local_server.files["data.bin"] = BODY
    home.mkdir(parents=True)
    (home / "data.bin").write_bytes(BODY[:100])
    get_file("data.bin", local_server.url("data.bin"), file_hash=SHA256)
    assert local_server.count("data.bin") == 1
    assert (home / "data.bin").read_bytes() == BODY


def test_hash_mismatch_leaves_nothing(home, local_server):
    local_server.files["data.bin"] = BODY
    url = local_server.url("data.bin")
    with pytest.raises(ValueError) as info:
        get_file("data.bin", url, file_hash="0" * 64)
    assert "data.bin" in str(info.value) and url in str(info.value)
    assert _files_under(home) == []


def test_bad_cached_file_and_failed_download_leave_nothing(home, local_server):
    local_server.modes["data.bin"] = TRUNCATE
    local_server.files["data.bin"] = BODY
    home.mkdir(parents=True)
    (home / "data.bin").write_bytes(b"stale")
    with pytest.raises(DownloadError):
        get_file("data.bin", local_server.url("data.bin"), file_hash=SHA256)
    assert _files_under(home) == []


def test_connection_dropped_is_detected_without_hash(home, local_server):
    local_server.files["data.bin"] = BODY
    local_server.modes["data.bin"] = TRUNCATE
    url = local_server.url("data.bin")
    with pytest.raises(DownloadError, match=f"cut off: received {len(BODY) // 2} of {len(BODY)}") as info:
        get_file("data.bin", url)
    assert url in str(info.value) and "data.bin" in str(info.value)
    assert _files_under(home) == []


def test_truncated_without_length_caught_by_hash(home, local_server):
    local_server.files["data.bin"] = BODY
    local_server.modes["data.bin"] = TRUNCATE_NO_LENGTH
    with pytest.raises(ValueError, match="Incomplete or corrupted"):
        get_file("data.bin", local_server.url("data.bin"), file_hash=SHA256)
    assert _files_under(home) == []


def test_http_error(home, local_server):
    url = local_server.url("nothing.bin")
    with pytest.raises(DownloadError, match="HTTP 404") as info:
        get_file("nothing.bin", url)
    assert url in str(info.value)
    assert _files_under(home) == []


def test_connection_refused(home):
    url = f"http://127.0.0.1:{free_port()}/data.bin"
    with pytest.raises(DownloadError, match="data.bin") as info:
        get_file("data.bin", url)
    assert url in str(info.value)
    assert _files_under(home) == []


def test_interrupt_during_download_leaves_nothing(home, local_server, monkeypatch):
    local_server.files["data.bin"] = BODY
    calls = []

    def interrupted_update(self, chunk):
        calls.append(len(chunk))
        if len(calls) == 2:
            raise KeyboardInterrupt
    monkeypatch.setattr("kernelkit.utils.downloads.hashlib.new",
                        lambda name: type("H", (), {"update": interrupted_update})())
    with pytest.raises(KeyboardInterrupt):
        get_file("data.bin", local_server.url("data.bin"))
    assert _files_under(home) == []


def test_fname_from_url_and_subdirs(home, local_server, tmp_path):
    local_server.files["dir/data.bin"] = BODY
    assert get_file(origin=local_server.url("dir/data.bin")) == str(home / "data.bin")
    other = tmp_path / "elsewhere"
    path = get_file("data.bin", local_server.url("dir/data.bin"), cache_subdir=str(other))
    assert path == str(other / "data.bin") and (other / "data.bin").read_bytes() == BODY
    path = get_file("data.bin", local_server.url("dir/data.bin"), cache_dir=tmp_path / "c",
                    cache_subdir="sub")
    assert path == str(tmp_path / "c" / "sub" / "data.bin")


def test_unwritable_cache_dir_falls_back_to_temp(home, local_server, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    local_server.files["data.bin"] = BODY
    path = get_file("data.bin", local_server.url("data.bin"), cache_dir=blocker / "cache")
    assert path == os.path.join(_home.fallback_home(), "datasets", "data.bin")
    assert path.startswith(str(tmp_path / "tmp"))


def test_origin_required():
    with pytest.raises(ValueError, match="origin"):
        get_file("x.bin")


# --- archives ----------------------------------------------------------------------------------

def _tar_gz(members):
    """members: name -> bytes (a file), or (type, linkname) for links."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            if isinstance(content, tuple):
                info.type, info.linkname = content
                archive.addfile(info)
            else:
                info.size = len(content)
                archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def _zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_extract_tar_gz(home, local_server):
    local_server.files["pack.tar.gz"] = _tar_gz({"pack/a.txt": b"A", "pack/sub/b.txt": b"B"})
    path = get_file("pack.tar.gz", local_server.url("pack.tar.gz"), extract=True)
    assert path == str(home / "pack.tar.gz")
    assert (home / "pack" / "a.txt").read_bytes() == b"A"
    assert (home / "pack" / "sub" / "b.txt").read_bytes() == b"B"
    assert not [n for n in os.listdir(home) if n.startswith(".")]


def test_untar_returns_folder_and_extracts_once(home, local_server):
    local_server.files["pack.tar.gz"] = _tar_gz({"pack/a.txt": b"A"})
    path = get_file("pack", local_server.url("pack.tar.gz"), untar=True)
    assert path == str(home / "pack")
    assert (home / "pack" / "a.txt").read_bytes() == b"A"
    (home / "pack" / "a.txt").write_bytes(b"edited")
    get_file("pack", local_server.url("pack.tar.gz"), untar=True)
    assert (home / "pack" / "a.txt").read_bytes() == b"edited"  # not extracted again
    assert local_server.count("pack.tar.gz") == 1


def test_extract_zip_merges_into_existing_folder(home, local_server):
    (home / "pack").mkdir(parents=True)
    (home / "pack" / "keep.txt").write_bytes(b"K")
    (home / "pack" / "a.txt").write_bytes(b"old")
    local_server.files["pack.zip"] = _zip({"pack/a.txt": b"A", "pack/b.txt": b"B"})
    get_file("pack.zip", local_server.url("pack.zip"), extract=True)
    assert (home / "pack" / "a.txt").read_bytes() == b"A"
    assert (home / "pack" / "b.txt").read_bytes() == b"B"
    assert (home / "pack" / "keep.txt").read_bytes() == b"K"


def test_extract_archive_formats(tmp_path):
    tar_path = tmp_path / "x.tar.gz"
    tar_path.write_bytes(_tar_gz({"t.txt": b"T"}))
    zip_path = tmp_path / "x.zip"
    zip_path.write_bytes(_zip({"z.txt": b"Z"}))
    plain = tmp_path / "plain.bin"
    plain.write_bytes(BODY)
    out = tmp_path / "out"
    assert not _extract_archive(zip_path, out, archive_format="tar")
    assert not _extract_archive(tar_path, out, archive_format=None)
    assert not _extract_archive(plain, out)
    assert _extract_archive(zip_path, out, archive_format=["tar", "zip"])
    assert _extract_archive(tar_path, out)
    assert sorted(os.listdir(out)) == ["t.txt", "z.txt"]


@pytest.mark.parametrize("members", [
    {"../evil.txt": b"E"},
    {"ok/../../evil.txt": b"E"},
    {"/tmp/kernelkit-evil.txt": b"E"},
    {"link": (tarfile.SYMTYPE, "../.."), "link/evil.txt": b"E"},
    {"link": (tarfile.SYMTYPE, "/etc")},
    {"hard": (tarfile.LNKTYPE, "../outside.txt")},
    {"dev": (tarfile.CHRTYPE, "")},
], ids=["dotdot", "nested-dotdot", "absolute", "symlink-out", "symlink-absolute", "hardlink-out",
        "device"])
def test_unsafe_tar_is_refused_and_nothing_written(tmp_path, members):
    archive = tmp_path / "bad.tar.gz"
    archive.write_bytes(_tar_gz(members))
    out = tmp_path / "out" / "deep"
    before = _files_under(tmp_path)
    with pytest.raises(ValueError, match="Refusing to extract"):
        _extract_archive(archive, out)
    assert _files_under(tmp_path) == sorted(before + ["out", "out/deep"])
    assert not os.path.exists("/tmp/kernelkit-evil.txt")


def test_unsafe_zip_is_refused(tmp_path):
    archive = tmp_path / "bad.zip"
    archive.write_bytes(_zip({"fine.txt": b"F", "../evil.txt": b"E"}))
    out = tmp_path / "out"
    with pytest.raises(ValueError, match="evil.txt"):
        _extract_archive(archive, out)
    assert os.listdir(out) == [] and not (tmp_path / "evil.txt").exists()


def test_links_inside_the_archive_are_fine(tmp_path):
    archive = tmp_path / "ok.tar.gz"
    archive.write_bytes(_tar_gz({"d/a.txt": b"A", "d/alias.txt": (tarfile.SYMTYPE, "a.txt")}))
    assert _extract_archive(archive, tmp_path / "out")
    assert (tmp_path / "out" / "d" / "alias.txt").read_bytes() == b"A"


# --- kernelkit_home ----------------------------------------------------------------------------

def test_home_from_environment_is_created(tmp_path, monkeypatch):
    monkeypatch.setenv("KERNELKIT_HOME", str(tmp_path / "a" / "b"))
    assert _home.kernelkit_home() == str(tmp_path / "a" / "b")
    assert (tmp_path / "a" / "b").is_dir()


def test_home_default_is_dot_kernelkit(tmp_path, monkeypatch):
    monkeypatch.delenv("KERNELKIT_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert _home.kernelkit_home() == str(tmp_path / ".kernelkit")


def test_home_not_writable_falls_back_to_temp(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("KERNELKIT_HOME", str(blocker / "home"))
    home_dir = _home.kernelkit_home()
    assert os.path.dirname(home_dir) == str(tmp_path / "tmp") and os.path.isdir(home_dir)


def test_home_read_only_falls_back(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    read_only = str(tmp_path / "ro")
    os.mkdir(read_only)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: p != read_only and real_access(p, mode))
    monkeypatch.setenv("KERNELKIT_HOME", read_only)
    assert _home.kernelkit_home() == _home.fallback_home()


def test_home_module_is_stdlib_only():
    import ast

    tree = ast.parse(open(_home.__file__).read())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    assert imported <= {"os", "tempfile"}


def test_keras_path_settings_write_through_to_the_modules_that_read_them():
    from kernelkit.utils import data_utils, downloads, workers
    assert data_utils.PROCESS_START_METHOD == workers.PROCESS_START_METHOD == "spawn"
    try:
        data_utils.PROCESS_START_METHOD = "forkserver"
        assert workers.PROCESS_START_METHOD == "forkserver"
        data_utils.DOWNLOAD_TIMEOUT = 7
        assert downloads.DOWNLOAD_TIMEOUT == 7 and data_utils.DOWNLOAD_TIMEOUT == 7
    finally:
        workers.PROCESS_START_METHOD = "spawn"
        downloads.DOWNLOAD_TIMEOUT = 60
    assert data_utils.PROCESS_START_METHOD == "spawn"
    with pytest.raises(AttributeError, match="no attribute 'NOT_A_SETTING'"):
        data_utils.NOT_A_SETTING


def test_keras_path_reexports_the_implementations():
    from kernelkit.utils import data_utils, downloads, sequences
    assert data_utils.get_file is downloads.get_file
    assert data_utils.Sequence is sequences.Sequence
    assert data_utils.OrderedEnqueuer.__module__ == "kernelkit.utils.sequences"
