"""benchmarks/run.py --rounds: the frameworks take turns and each keeps its best figure."""
import importlib.util
import os
import types

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def run():
    spec = importlib.util.spec_from_file_location("kk_bench_run",
                                                  os.path.join(ROOT, "benchmarks", "run.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fake(run, monkeypatch, figures):
    """Replace the process launches by `figures[(fw, busy)]`, popped in order; returns the log
    of (framework, busy processes) in the order they were measured."""
    log, busy_now = [], [0]

    class Busy:
        def __init__(self, n):
            self.n = n

        def __enter__(self):
            busy_now[0] = self.n

        def __exit__(self, *exc):
            busy_now[0] = 0

    def measure(fw, workload, args):
        log.append((fw, busy_now[0]))
        value = figures[(fw, busy_now[0])].pop(0)
        if isinstance(value, str):
            return None, value
        return value, None

    monkeypatch.setattr(run, "_Busy", Busy)
    monkeypatch.setattr(run, "_measure", measure)
    return log


def test_frameworks_take_turns_and_keep_their_best(run, monkeypatch):
    s = lambda v: {"value": v, "unit": "samples/s"}  # noqa: E731
    figures = {("kernelkit", 0): [s(90.0), s(120.0)], ("kernelkit", 1): [s(70.0), s(60.0)],
               ("torch", 0): [s(100.0), s(80.0)], ("torch", 1): [s(30.0), s(40.0)]}
    log = _fake(run, monkeypatch, figures)
    args = types.SimpleNamespace(rounds=2, busy=1)
    best, errors = run._rounds(["kernelkit", "torch"], "wide-mlp", args)
    assert log == [("kernelkit", 0), ("kernelkit", 1), ("torch", 0), ("torch", 1)] * 2
    assert errors == {}
    assert best[("kernelkit", "quiet")]["value"] == 120.0
    assert best[("kernelkit", "busy")]["value"] == 70.0
    assert best[("torch", "quiet")]["value"] == 100.0
    assert best[("torch", "busy")]["value"] == 40.0


def test_latency_keeps_the_smallest_and_a_failure_is_reported(run, monkeypatch):
    us = lambda v: {"value": v, "unit": "us"}  # noqa: E731
    figures = {("kernelkit", 0): [us(52.0), us(38.0), us(41.0)],
               ("torch", 0): ["ImportError: no torch"] * 3}
    log = _fake(run, monkeypatch, figures)
    best, errors = run._rounds(["kernelkit", "torch"], "predict-latency",
                               types.SimpleNamespace(rounds=3, busy=0))
    assert log == [("kernelkit", 0), ("torch", 0)] * 3
    assert best == {("kernelkit", "quiet"): us(38.0)}
    assert errors == {("torch", "quiet"): "ImportError: no torch"}


def test_busy_is_skipped_for_a_framework_that_failed_quiet(run, monkeypatch):
    s = lambda v: {"value": v, "unit": "samples/s"}  # noqa: E731
    figures = {("kernelkit", 0): ["boom"], ("torch", 0): [s(10.0)], ("torch", 1): [s(5.0)]}
    log = _fake(run, monkeypatch, figures)
    best, errors = run._rounds(["kernelkit", "torch"], "cnn",
                               types.SimpleNamespace(rounds=1, busy=1))
    assert log == [("kernelkit", 0), ("torch", 0), ("torch", 1)]
    assert ("kernelkit", "busy") not in best and errors == {("kernelkit", "quiet"): "boom"}


@pytest.mark.parametrize("unit, a, b, want", [("samples/s", 1.0, 2.0, 2.0),
                                              ("us", 1.0, 2.0, 1.0), ("s", 3.0, 2.5, 2.5)])
def test_better(run, unit, a, b, want):
    ra, rb = {"value": a, "unit": unit}, {"value": b, "unit": unit}
    assert run.better(ra, rb)["value"] == want
    assert run.better(None, rb) is rb and run.better(ra, None) is ra
