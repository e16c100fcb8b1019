"""The browser tests: JupyterLab on 127.0.0.1 with a token, driven by headless Chromium."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
# JupyterLab's own settings for the test: no news or update pop-ups; every cell kept in the
# page (no windowing), so outputs far down the notebook are in the DOM.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives JupyterLab in headless Chromium")
    config.addinivalue_line("markers", "slow: takes tens of seconds (builds, installs); CI runs it")


def require_browser():
    """Skip without Chromium or Playwright on a developer's machine; fail in CI."""
    missing = []
    if not os.path.exists(CHROMIUM):
        missing.append(f"{CHROMIUM} (run .ci/browser-setup.sh)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install kernelkit[test])")
    if shutil.which("jupyter") is None and not _has_module("jupyterlab"):
        missing.append("jupyterlab")
    if missing:
        message = "browser test needs " + ", ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _has_module(name):
    import importlib.util
    return importlib.util.find_spec(name) is not None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children_of(pid):
    """Every process descended from `pid` (from /proc), to check that none is left behind."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                parents[int(entry)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                pass
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class LabServer:
    """`jupyter lab` on 127.0.0.1 with a token, serving `root`; stopped with everything it ran."""

    def __init__(self, root, settings_dir, workspaces_dir, env=None, log_path=None):
        self.port = free_port()
        self.token = os.urandom(16).hex()
        self.root = root
        environ = dict(os.environ, **(env or {}))
        environ.update(JUPYTERLAB_SETTINGS_DIR=str(settings_dir),
                       JUPYTERLAB_WORKSPACES_DIR=str(workspaces_dir))
        for relative, values in LAB_SETTINGS.items():
            path = os.path.join(settings_dir, relative)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                json.dump(values, f)
        self.log = open(log_path or os.devnull, "w")
        args = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
                f"--port={self.port}", f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.append("--allow-root")
        self.process = subprocess.Popen(args, env=environ, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def api(self, path, method="GET"):
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def _wait_ready(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.process.returncode}")
            try:
                self.api("/api/status")
                return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError("jupyter lab did not answer within 90 s")

    def stop(self):
        """Shut down the kernels and the server; then make sure no process of ours is left."""
        started = children_of(self.process.pid) | {self.process.pid}
        try:
            self.api("/api/shutdown", method="POST")
            self.process.wait(timeout=30)
        except Exception:  # noqa: BLE001 - fall through to the signals
            pass
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(alive(p) for p in started):
            time.sleep(0.2)
        for pid in started:  # kernels run in sessions of their own
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        self.log.close()
        return [p for p in started if alive(p)]


def artifact_dir(tmp_path):
    folder = os.environ.get("KERNELKIT_ARTIFACT_DIR") or str(tmp_path / "artifacts")
    os.makedirs(folder, exist_ok=True)
    return folder
