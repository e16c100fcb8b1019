import pytest

from tests.datasets.local_server import home, local_server, no_internet  # noqa: F401 (fixtures)


@pytest.fixture(autouse=True)
def _offline(no_internet):
    """Every data-set test runs with non-loopback connections refused."""


@pytest.fixture
def user_home(tmp_path, monkeypatch):
    """HOME at an empty folder and KERAS_HOME unset, so that no real ~/.keras cache is read;
    returns the folder where Keras would keep its files (``~/.keras``)."""
    user = tmp_path / "user"
    user.mkdir()
    monkeypatch.setenv("HOME", str(user))
    monkeypatch.delenv("KERAS_HOME", raising=False)
    return user / ".keras"
