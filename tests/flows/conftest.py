import hashlib

import pytest

from tests.datasets.local_server import home, local_server, no_internet  # noqa: F401 (fixtures)


@pytest.fixture(autouse=True)
def _offline(no_internet, home):
    """Every flow runs offline, with a fresh kernelkit cache."""


@pytest.fixture
def serve(local_server, monkeypatch):
    """serve(module, name, body): the module's loader downloads `body` from the local server."""

    def serve_file(module, name, body):
        local_server.files[name] = body
        monkeypatch.setattr(module, "ORIGIN", local_server.url(name))
        monkeypatch.setattr(module, "FILE_HASH", hashlib.md5(body).hexdigest())

    serve_file.server = local_server
    return serve_file
