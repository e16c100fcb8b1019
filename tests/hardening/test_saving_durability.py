"""Saves killed at seeded random moments leave no growing pile of temporaries; write failures
are OSErrors naming the path, with the previous file byte-identical."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from kernelkit.saving.atomic import remove_stale_temporaries

WRITER = textwrap.dedent("""
    import sys, numpy as np
    from kernelkit.layers import Dense
    from kernelkit.models import Sequential
    np.random.seed(0)
    model = Sequential([Dense(512, input_shape=(512,)), Dense(512), Dense(10)])
    print("ready", flush=True)
    for _ in range(10 ** 6):
        model.save(sys.argv[1])
""")


def _temporaries(folder):
    return [n for n in os.listdir(folder) if n.endswith(".tmp")]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killed_saves_leave_no_growing_pile(tmp_path, kills=4):
    path = tmp_path / "m.h5"
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    rng = np.random.default_rng(0)
    counts = []
    for _ in range(kills):
        proc = subprocess.Popen([sys.executable, str(script), str(path)],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(float(rng.uniform(0.05, 0.4)))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        counts.append(len(_temporaries(tmp_path)))
        assert counts[-1] <= 1, counts  # the one left by this kill at most
    from kernelkit.layers import Dense
    from kernelkit.models import Sequential, load_model
    model = Sequential([Dense(2, input_shape=(3,))])
    model.save(str(path))  # the next save removes the dead writers' temporaries
    assert _temporaries(tmp_path) == []
    assert load_model(str(path)).count_params() == 8


def test_live_writers_temporaries_are_kept(tmp_path):
    path = tmp_path / "w.h5"
    live = tmp_path / f".w.h5.{os.getppid()}.0123abcd.tmp"
    other_target = tmp_path / ".x.h5.999999999.0123abcd.tmp"
    dead = tmp_path / ".w.h5.999999999.0123abcd.tmp"
    for p in (live, other_target, dead):
        p.write_bytes(b"partial")
    assert remove_stale_temporaries(str(path)) == 1
    assert sorted(_temporaries(tmp_path)) == sorted([live.name, other_target.name])


FSIZE_CHILD = textwrap.dedent("""
    import resource, signal, sys, numpy as np
    from kernelkit.layers import Dense
    from kernelkit.models import Sequential
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    np.random.seed(0)
    model = Sequential([Dense(1024, input_shape=(1024,))])
    resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))
    try:
        model.save(sys.argv[1])
    except OSError as e:
        print("OSError", e)
    else:
        print("saved")
""")


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="no RLIMIT_FSIZE")
def test_file_size_limit_is_an_oserror_and_keeps_the_old_file(tmp_path):
    from kernelkit.layers import Dense
    from kernelkit.models import Sequential
    path = tmp_path / "m.h5"
    Sequential([Dense(2, input_shape=(3,))]).save(str(path))
    before = path.read_bytes()
    script = tmp_path / "child.py"
    script.write_text(FSIZE_CHILD)
    out = subprocess.run([sys.executable, str(script), str(path)], capture_output=True,
                         text=True, timeout=120)
    assert out.stdout.startswith("OSError"), (out.stdout, out.stderr[-2000:])
    assert str(path) in out.stdout and "Cannot save" in out.stdout
    assert path.read_bytes() == before
    assert _temporaries(tmp_path) == []


def test_missing_folder_and_folder_target_are_oserrors(tmp_path):
    from kernelkit.layers import Dense
    from kernelkit.models import Sequential
    model = Sequential([Dense(2, input_shape=(3,))])
    with pytest.raises(OSError, match="does not exist"):
        model.save(str(tmp_path / "nope" / "m.h5"))
    with pytest.raises(OSError, match="folder"):
        model.save(str(tmp_path))
