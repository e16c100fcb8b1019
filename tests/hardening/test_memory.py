"""Peak memory is flat across epochs: each training step's tensors are freed when the step
ends (no reference cycles waiting for the cyclic GC). Measured in a child process."""
import json
import subprocess
import sys
import textwrap

import pytest

CHILD = textwrap.dedent("""
    import gc, json, resource, sys, numpy as np
    from kernelkit.layers import Dense
    from kernelkit.models import Sequential
    rows, epochs = int(sys.argv[1]), [int(e) for e in sys.argv[2].split(",")]
    np.random.seed(0)
    model = Sequential([Dense(10, activation="softmax", input_shape=(784,))])
    model.compile("sgd", "categorical_crossentropy")
    model.fit(np.zeros((8, 784), "float32"), np.eye(10, dtype="float32")[:8], verbose=0)
    x = np.random.default_rng(0).random((rows, 784), dtype=np.float32)  # no float64 copy
    y = np.eye(10, dtype="float32")[np.random.randint(0, 10, rows)]
    gc.collect()
    kb = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # peak, in KiB on Linux
    base, out, done = kb(), {"data_mb": x.nbytes / 2 ** 20}, 0
    for target in epochs:
        model.fit(x, y, batch_size=rows, epochs=target - done, verbose=0, shuffle=False)
        done = target
        out[str(target)] = (kb() - base) / 1024
    print(json.dumps(out))
""")


def measure(tmp_path, rows, epochs=(1, 10)):
    """{'data_mb': ..., '1': growth MB after 1 epoch, '10': after 10} from a child process."""
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    result = subprocess.run([sys.executable, str(script), str(rows),
                             ",".join(str(e) for e in epochs)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss in KiB")
def test_peak_memory_is_flat_across_epochs(tmp_path):
    figures = measure(tmp_path, 20_000)
    data = figures["data_mb"]
    assert figures["1"] <= 3 * data, figures
    assert figures["10"] <= 3 * data, figures
    assert figures["10"] <= figures["1"] + 0.5 * data, figures  # flat, not one batch per epoch
