"""kernels/allocator.py: freed memory kept for reuse, so a repeated large temporary array is
not faulted in again; off switches respected. Each case runs in a fresh process (the setting
is process-wide and made once)."""
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")

_PROBE = textwrap.dedent("""
    import resource, sys
    import numpy as np
    from kernelkit.kernels.allocator import keep_freed_memory
    applied = keep_freed_memory()
    def step():
        a = np.ones(3_000_000, np.float32)      # 12 MB: above glibc's default mmap threshold
        b = a * 2.0
        return float(b[-1])
    for _ in range(3):
        step()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(20):
        step()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    print(applied, faults)
""")


def _probe(env_extra=None):
    import os
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    env.update(env_extra or {})
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                         env=env, check=True).stdout.split()
    return out[0] == "True", int(out[1])


def test_freed_arrays_are_reused_without_new_page_faults():
    applied, faults = _probe()
    off_applied, off_faults = _probe({"KERNELKIT_MALLOC_TUNING": "0"})
    assert applied and not off_applied
    # 20 steps of two 12 MB arrays (2,900 pages each): glibc's defaults faulted 14,000-25,000
    # pages in (some arrays mapped anew each step), the kept heap none
    assert off_faults > 5000
    assert faults < 1000


def test_users_own_glibc_settings_win():
    applied, _ = _probe({"MALLOC_TRIM_THRESHOLD_": "1000000"})
    assert not applied
