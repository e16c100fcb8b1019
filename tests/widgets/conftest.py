"""Fixtures for the notebook pieces: a recorder standing in for the Jupyter front end."""
import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes tens of seconds (builds, installs); CI runs it")


class FrontEnd:
    """Records what kernelkit.widgets publishes, and keeps the outputs as a notebook would:
    `display` adds an output, `update_display` replaces the output with that display id."""

    def __init__(self):
        self.messages = []   # (kind, display_id, bundle, metadata)
        self.outputs = {}    # display_id -> bundle, in display order

    def publish(self, bundle, display_id, update, metadata=None):
        self.messages.append(("update" if update else "display", display_id, dict(bundle),
                              metadata))
        if update:
            assert display_id in self.outputs, "update of a display that was never shown"
        self.outputs[display_id] = dict(bundle)

    def displays(self):
        return [m for m in self.messages if m[0] == "display"]

    def updates(self, display_id=None):
        return [m for m in self.messages if m[0] == "update"
                and (display_id is None or m[1] == display_id)]

    def final(self):
        return list(self.outputs.values())


@pytest.fixture
def frontend(monkeypatch):
    """Publish into a `FrontEnd` recorder instead of IPython, with notebook progress forced."""
    from kernelkit.widgets import _frontend, progress
    recorder = FrontEnd()
    monkeypatch.setattr(_frontend, "publish", recorder.publish)
    monkeypatch.setattr(_frontend, "_live", {})
    monkeypatch.setattr(progress, "_pool", [])
    return recorder


class FakeClock:
    """A `time.monotonic` that moves only when told to."""

    def __init__(self, start=1000.0):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds
