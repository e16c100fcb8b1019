"""Peak memory of fit across epochs: one batch of ROWS x 784 float32, after 1 and 10 epochs.

Each measurement runs in a fresh child process (ru_maxrss is a process-wide peak), with the
data made in float32 directly so that its creation does not set the peak. Prints the growth
of the peak over the data's size; kernelkit's bar is 3x the data after 1 and after 10.

    python benchmarks/bench_memory.py [--rows 100000]
"""
import argparse
import os
import pathlib
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    from tests.hardening.test_memory import measure
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    figures = measure(pathlib.Path(tempfile.mkdtemp()), args.rows)
    data = figures["data_mb"]
    for epochs in ("1", "10"):
        print(f"after {epochs:>2} epoch(s): peak grew {figures[epochs]:7.1f} MB = "
              f"{figures[epochs] / data:.2f}x the data ({data:.0f} MB)")


if __name__ == "__main__":
    main()
