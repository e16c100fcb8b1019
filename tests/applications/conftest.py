import pytest

from tests.datasets.local_server import home, local_server, no_internet  # noqa: F401 (fixtures)


@pytest.fixture(autouse=True)
def _offline(no_internet):
    """Every applications test runs with non-loopback connections refused."""
