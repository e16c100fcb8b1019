"""Running notebooks in a real kernel (nbclient): shared helpers."""
import os
import sys
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOTEBOOKS = os.path.join(REPO, "notebooks")
ARTIFACTS_VARIABLE = "KERNELKIT_ARTIFACT_DIR"


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes tens of seconds (builds, installs); CI runs it")


def execute(nb, cwd, km=None, kernel_name="python3", timeout=300):
    """Run every cell of `nb` in a fresh kernel with working directory `cwd`; return seconds.

    Raises nbclient's CellExecutionError, with the failing cell and traceback, if a cell fails.
    """
    from nbclient import NotebookClient
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel_name, km=km,
                            resources={"metadata": {"path": str(cwd)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def save_artifact(nb, name):
    """Keep an executed notebook where CI collects artifacts, when KERNELKIT_ARTIFACT_DIR is set."""
    import nbformat
    folder = os.environ.get(ARTIFACTS_VARIABLE)
    if folder:
        os.makedirs(folder, exist_ok=True)
        nbformat.write(nb, os.path.join(folder, name))


@pytest.fixture
def fast(monkeypatch):
    """KERNELKIT_FAST=1 for the kernels started by the test: fewer epochs, same code; and
    KERNELKIT_OFFLINE=1: tutorials that would download (ImageNet weights) take their offline path."""
    monkeypatch.setenv("KERNELKIT_FAST", "1")
    monkeypatch.setenv("KERNELKIT_OFFLINE", "1")
    # Programs installed with kernelkit's extras (mpiexec for the MPI engines) sit beside the
    # interpreter, on PATH in an activated environment; the same for an unactivated one.
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    monkeypatch.delenv("KERNELKIT_PROGRESS", raising=False)
