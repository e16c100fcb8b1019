"""Jupyter's "Interrupt kernel" during `fit`, in a real ipykernel: every interrupt ends the cell
through kernelkit's KeyboardInterrupt handling (the warning, a History with the completed
epochs), and the kernel stays usable. The terminal version is test_interrupts.py.
"""
import json
import queue
import sys
import textwrap
import time

import numpy as np
import pytest

jupyter_client = pytest.importorskip("jupyter_client")
pytest.importorskip("ipykernel")

SETUP = textwrap.dedent("""
    import signal, warnings, numpy as np
    from kernelkit.layers import Dense
    from kernelkit.models import Sequential
    np.random.seed(0)
    model = Sequential([Dense(32, activation="relu", input_shape=(16,)), Dense(2)])
    model.compile("sgd", "mse")
    x = np.random.rand(2000, 16).astype("float32")
    y = np.random.rand(2000, 2).astype("float32")
    model.fit(x[:64], y[:64], verbose=0)  # compiles the kernels before the timed rounds
    print("ready")
""")

# Each fit would run for minutes: only the interrupt ends it.
FIT_CELL = textwrap.dedent("""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        print("go", flush=True)
        history = model.fit(x, y, batch_size=16, epochs=100000, verbose=0)
    print("epochs", len(history.epoch))
    print("warned", any("Training interrupted by the user" in str(w.message) for w in caught))
    print("finite", all(np.isfinite(w).all() for w in model.get_weights()))
""")

CHECK_CELL = ("print('handler', signal.getsignal(signal.SIGINT) is signal.default_int_handler); "
              "print('predict', model.predict(x[:3]).shape)")

# A cell must end within this many seconds of the interrupt. One batch takes well under a
# millisecond; the margin is for a machine shared by many processes.
DEADLINE = 5.0


@pytest.fixture
def kernel(tmp_path):
    """A kernel running this interpreter (the venv's kernelkit), and a client for it."""
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager
    spec_dir = tmp_path / "kernels" / "kernelkit-test"
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "kernelkit test", "language": "python"}))
    km = KernelManager(kernel_name="kernelkit-test",
                       kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec_dir.parent)]),
                       transport="ipc", ip=str(tmp_path / "kernel-ipc"))  # no TCP ports
    km.start_kernel(cwd=str(tmp_path))
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _collect(kc, msg_id, until, timeout):
    """stdout lines and the error name (if any) of cell `msg_id`, read from IOPub until the
    kernel is idle again or `until(line)` is true for a line."""
    lines, error, end = [], None, time.perf_counter() + timeout
    while True:
        left = end - time.perf_counter()
        if left <= 0:
            raise AssertionError(f"no end of the cell within {timeout} s; output so far {lines}")
        try:
            msg = kc.get_iopub_msg(timeout=left)
        except queue.Empty:
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream" and content["name"] == "stdout":
            for line in content["text"].splitlines():
                lines.append(line)
                if until is not None and until(line):
                    return lines, error
        elif kind == "error":
            error = f"{content['ename']}: {content['evalue']}"
        elif kind == "status" and content["execution_state"] == "idle":
            return lines, error


def _reply(kc, msg_id, timeout):
    """The execute_reply of cell `msg_id` (earlier replies are skipped)."""
    end = time.perf_counter() + timeout
    while True:
        msg = kc.get_shell_msg(timeout=max(end - time.perf_counter(), 0.01))
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg


def _run(kc, code, timeout=60):
    msg_id = kc.execute(code)
    lines, error = _collect(kc, msg_id, None, timeout)
    assert error is None and _reply(kc, msg_id, timeout)["content"]["status"] == "ok", \
        (error, lines)
    return lines


def _values(lines):
    """{'epochs': '12', 'warned': 'True', ...} from "name value" lines."""
    return dict(line.split(" ", 1) for line in lines if " " in line)


def test_interrupt_kernel_stops_fit_every_time(kernel):
    km, kc = kernel
    assert _run(kc, SETUP) == ["ready"]
    rng = np.random.default_rng(4)
    delays = []
    for round_ in range(5):
        msg_id = kc.execute(FIT_CELL)
        _collect(kc, msg_id, lambda line: line == "go", timeout=30)
        time.sleep(float(rng.uniform(0.05, 0.6)))  # a seeded random moment inside fit
        sent = time.perf_counter()
        km.interrupt_kernel()
        lines, error = _collect(kc, msg_id, None, timeout=DEADLINE)
        delays.append(time.perf_counter() - sent)
        reply = _reply(kc, msg_id, DEADLINE)
        values = _values(lines)
        assert error is None and reply["content"]["status"] == "ok", (round_, error, lines)
        assert values.get("warned") == "True", (round_, lines)  # fit's KeyboardInterrupt branch
        assert int(values["epochs"]) < 100000 and values["finite"] == "True", (round_, lines)
        # the kernel is usable, with Python's SIGINT handler back in place for the next cell
        assert _values(_run(kc, CHECK_CELL)) == {"handler": "True", "predict": "(3, 2)"}
    print("delays from interrupt to the end of the cell (s):", np.round(delays, 3))
