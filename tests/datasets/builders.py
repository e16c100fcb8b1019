"""Small data files in the real formats of Keras's data sets, built by the tests, and a helper
to serve them from the 127.0.0.1 test server."""
import gzip
import hashlib
import io
import pickle
import struct
import tarfile

import numpy as np


def md5(body):
    return hashlib.md5(body).hexdigest()


def serve(local_server, monkeypatch, module, name, body, origin_attr="ORIGIN",
          hash_attr="FILE_HASH"):
    """Serve `body` as `name` and point `module`'s origin and hash attributes at it."""
    local_server.files[name] = body
    monkeypatch.setattr(module, origin_attr, local_server.url(name))
    monkeypatch.setattr(module, hash_attr, md5(body))
    return body


def object_array(lists):
    out = np.empty(len(lists), dtype=object)
    for i, item in enumerate(lists):
        out[i] = list(item)
    return out


def npz_bytes(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # object arrays are pickled inside, as in Keras's files
    return buffer.getvalue()


def random_sequences(rng, count, vocabulary, max_length):
    """Lists of Python ints 1..vocabulary-1 of random lengths 1..max_length."""
    return [[int(w) for w in rng.integers(1, vocabulary, size=rng.integers(1, max_length + 1))]
            for _ in range(count)]


def cifar_batch_pickle(data, labels_by_key):
    """A CIFAR batch as the real files hold it: a protocol-2 pickle of a dict with bytes keys."""
    batch = {b"batch_label": b"testing batch", b"data": data,
             b"filenames": [f"img_{i}.png".encode() for i in range(len(data))]}
    batch.update({key.encode(): labels for key, labels in labels_by_key.items()})
    return pickle.dumps(batch, protocol=2)


def tar_gz(members):
    """A .tar.gz holding `members` (name -> bytes), plus a readme as the real archives have."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, body in list(members.items()) + [("readme.html", b"<html></html>")]:
            info = tarfile.TarInfo(name)
            info.size = len(body)
            archive.addfile(info, io.BytesIO(body))
    return buffer.getvalue()


def idx_gz(array):
    """A gzip-compressed IDX file of a uint8 array: magic 0 0 8 ndim, big-endian sizes, data."""
    array = np.asarray(array, dtype=np.uint8)
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim)
    header += b"".join(struct.pack(">I", n) for n in array.shape)
    return gzip.compress(header + array.tobytes())
