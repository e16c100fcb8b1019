"""SIGINT (Ctrl-C, Jupyter's "Interrupt kernel") stops fit, evaluate and predict within a
batch, every time: seeded interrupts at random moments, in a child process."""
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

CHILD = textwrap.dedent("""
    import sys, time, warnings, numpy as np
    from kernelkit.layers import Dense
    from kernelkit.models import Sequential
    warnings.simplefilter("ignore")
    np.random.seed(0)
    model = Sequential([Dense(64, activation="relu", input_shape=(32,)), Dense(4)])
    model.compile("sgd", "mse")
    x = np.random.rand(20000, 32).astype("float32")
    y = np.random.rand(20000, 4).astype("float32")
    model.predict(x[:64]); model.fit(x[:64], y[:64], verbose=0)
    mode, rounds = sys.argv[1], int(sys.argv[2])
    for i in range(rounds):
        print("go", flush=True)
        start = time.perf_counter()
        try:
            # Each call repeats until interrupted, so the signal always lands inside work
            # however fast (or slow, on a busy machine) one pass is.
            if mode == "fit":
                history = model.fit(x, y, batch_size=16, epochs=1000, verbose=0)
                outcome = "stopped" if len(history.epoch) < 1000 else "finished"
            elif mode == "evaluate":
                while time.perf_counter() - start < 20:  # a swallowed signal ends as "finished"
                    model.evaluate(x, y, batch_size=4, verbose=0)
                outcome = "finished"
            else:
                while time.perf_counter() - start < 20:
                    model.predict(x, batch_size=2)
                outcome = "finished"
        except KeyboardInterrupt:
            outcome = "stopped"
        print(outcome, round(time.perf_counter() - start, 3), flush=True)
""")


def run_interrupts(tmp_path, mode, rounds, seed):
    """Send one SIGINT per round at a seeded random moment; return (honoured, delays)."""
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    rng = np.random.default_rng(seed)
    proc = subprocess.Popen([sys.executable, str(script), mode, str(rounds)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    honoured, delays = 0, []
    try:
        for _ in range(rounds):
            assert proc.stdout.readline().strip() == "go"
            time.sleep(float(rng.uniform(0.0, 0.3)))
            sent = time.perf_counter()
            proc.send_signal(signal.SIGINT)
            line = proc.stdout.readline().split()
            delays.append(time.perf_counter() - sent)
            honoured += bool(line) and line[0] == "stopped"
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, proc.stderr.read()[-2000:]
    return honoured, delays


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child")
@pytest.mark.parametrize("mode", ["fit", "evaluate", "predict"])
def test_each_sigint_stops_within_a_batch(tmp_path, mode):
    rounds = 6
    honoured, delays = run_interrupts(tmp_path, mode, rounds, seed=len(mode))
    # No bound on the delay here (no timed assertions in tests): "stopped" already means the
    # call ended through the interrupt, not by finishing its work.
    print(f"{mode}: {honoured}/{rounds} interrupts honoured, delays {np.round(delays, 3)}")
    assert honoured == rounds, (honoured, delays)
