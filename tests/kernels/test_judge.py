"""The split judge (kernelkit/kernels/judge.py): which way of running a kind of work is
faster, from the times of its own runs. Times are given, not measured."""
import pytest

from kernelkit.kernels import config
from kernelkit.kernels.judge import SplitJudge


@pytest.fixture(params=["ROW_SPLIT", "STEP_SPLIT"])
def settings(request):
    """Each judge's settings: the same rules whichever work it judges."""
    return request.param


def _judge(monkeypatch, settings="ROW_SPLIT", first=4, top=16, share=None, one_core_top=None):
    for key, value in (("PROBE_FIRST", first), ("PROBE_MAX", top), ("PROBE_SHARE", share),
                       ("ONE_CORE_PROBE_MAX", one_core_top),
                       ("PROBE_RUNS", 4), ("PROBE_SKIP", 1), ("RECENT", 8), ("MARGIN", 0.9)):
        monkeypatch.setattr(config, f"{settings}_{key}", value)
    return SplitJudge(settings)


def _runs(judge, times, n):
    """Run `n` judged runs, each taking times[split]; return the ways they went."""
    ways = []
    for _ in range(n):
        split = judge.split_next()
        ways.append(split)
        judge.record(split, times[split])
    return ways


def test_the_judge_keeps_splitting_while_splits_are_faster(monkeypatch, settings):
    judge = _judge(monkeypatch, settings)
    ways = _runs(judge, {True: 40e-6, False: 51e-6}, 4 + 4 + 8 + 4 + 16)
    assert ways == [True] * 4 + [False] * 4 + [True] * 8 + [False] * 4 + [True] * 16
    assert judge.split and judge.period == 16 and judge.other == pytest.approx(51e-6)


def test_the_judge_turns_to_one_core_when_splits_are_slower_and_back_when_they_mend(monkeypatch, settings):
    judge = _judge(monkeypatch, settings)
    ways = _runs(judge, {True: 64e-6, False: 51e-6}, 4 + 4 + 4)
    assert ways == [True] * 4 + [False] * 4 + [False] * 4    # the probe won: one core now
    assert not judge.split and judge.other == pytest.approx(64e-6)
    assert _runs(judge, {True: 64e-6, False: 51e-6}, 4) == [True] * 4       # probe: lost
    assert not judge.split and judge.period == 8
    ways = _runs(judge, {True: 40e-6, False: 51e-6}, 8 + 4 + 1)
    assert ways == [False] * 8 + [True] * 4 + [True]          # mended: split again
    assert judge.split and judge.period == 4


def test_the_judge_leaves_out_the_first_run_of_a_probe_and_keeps_a_margin(monkeypatch, settings):
    judge = _judge(monkeypatch, settings)
    _runs(judge, {True: 64e-6}, 4)
    for t in (900e-6, 51e-6, 51e-6, 900e-6):      # the first probe run woke a thread
        judge.record(False, t)
    assert not judge.split
    judge = _judge(monkeypatch, settings)
    _runs(judge, {True: 53e-6, False: 51e-6}, 8)  # one core within 10 %: keep splitting
    assert judge.split


def test_a_slow_stretch_calls_a_probe_at_once(monkeypatch, settings):
    judge = _judge(monkeypatch, settings, first=4, top=4096)
    _runs(judge, {True: 40e-6, False: 51e-6}, 4 + 4 + 8 + 4 + 16 + 4)
    assert judge.period == 32 and judge.left == 32
    ways = _runs(judge, {True: 64e-6, False: 51e-6}, 8 + 4 + 1)
    assert ways == [True] * 8 + [False] * 4 + [False]        # 8 slow runs: probe, one core
    assert not judge.split
    judge = _judge(monkeypatch, settings, first=4, top=4096)
    _runs(judge, {True: 40e-6, False: 51e-6}, 4 + 4 + 8 + 4)
    assert judge.left == 16
    ways = _runs(judge, {True: 64e-6, False: 51e-6}, 7)
    ways += _runs(judge, {True: 40e-6, False: 51e-6}, 1)      # a run in between: no probe
    ways += _runs(judge, {True: 64e-6, False: 51e-6}, 7)
    assert ways == [True] * 15 and judge.split


def test_the_judge_off_always_splits(monkeypatch, settings):
    judge = _judge(monkeypatch, settings, first=None)
    assert _runs(judge, {True: 1.0, False: 1e-6}, 50) == [True] * 50


def test_a_probe_with_every_run_left_out_is_judged_by_its_last(monkeypatch, settings):
    judge = _judge(monkeypatch, settings)
    monkeypatch.setattr(config, f"{settings}_PROBE_SKIP", 9)
    _runs(judge, {True: 64e-6}, 4)
    for t in (900e-6, 900e-6, 900e-6, 51e-6):
        judge.record(False, t)
    assert not judge.split


def test_a_costly_probe_comes_seldom_enough_to_keep_within_its_share(monkeypatch, settings):
    judge = _judge(monkeypatch, settings, first=4, top=4096, share=0.01)
    # the other way takes 30 against 17: 4 probe runs cost 4 * 13 / 17 runs' time, which
    # is 1 % of ceil(305.9) runs
    assert _runs(judge, {True: 17e-3, False: 30e-3}, 4 + 4) == [True] * 4 + [False] * 4
    assert judge.split and judge.period == 306 and judge.left == 306
    judge = _judge(monkeypatch, settings, first=4, top=4096, share=0.01)
    # a cheap probe (51.5 against 51: 1 % is 3.9 runs): doubling is the longer wait
    _runs(judge, {True: 51e-6, False: 51.5e-6}, 4 + 4)
    assert judge.split and judge.period == 8
    judge = _judge(monkeypatch, settings, first=4, top=100, share=0.01)
    _runs(judge, {True: 17e-3, False: 30e-3}, 4 + 4)
    assert judge.period == 100                              # never past the most


def test_on_one_core_the_probes_of_two_come_back_within_the_one_core_limit(monkeypatch, settings):
    """Probes that change nothing double the runs to the next probe up to PROBE_MAX, but on
    one core only up to ONE_CORE_PROBE_MAX: a judge that turned to one core in a slow stretch
    of split runs finds its way back soon after the stretch ends."""
    judge = _judge(monkeypatch, settings, top=64, one_core_top=8)
    times = {True: 64e-6, False: 51e-6}           # a slow stretch of split runs
    assert _runs(judge, times, 4 + 4) == [True] * 4 + [False] * 4    # turned to one core
    periods = []
    for _ in range(4):                            # the split probes keep losing
        while judge.left:
            _runs(judge, times, 1)
        _runs(judge, times, 4)
        periods.append(judge.period)
    assert periods == [8, 8, 8, 8] and not judge.split
    times = {True: 40e-6, False: 51e-6}           # the stretch ends
    ways = _runs(judge, times, 8 + 4)
    assert ways == [False] * 8 + [True] * 4 and judge.split          # back within 8 runs
    periods = []
    for _ in range(4):                            # split again: the probes of one core lose
        while judge.left:
            _runs(judge, times, 1)
        _runs(judge, times, 4)
        periods.append(judge.period)
    assert periods == [8, 16, 32, 64]             # (from PROBE_FIRST = 4, doubling)
