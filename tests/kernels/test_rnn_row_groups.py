"""The recurrences on row groups (kernels/rnn.py `on_row_groups`): each group of batch rows
runs its own time loop on its own thread, and the results are those of one loop over all
rows, for every cell, both GRU variants, masks, training forward, backward and inference.
Likewise the per-step products in row chunks (`recurrent_chunk`, `blas_call.rows_into`)."""
import threading

import numpy as np
import pytest

from kernelkit.kernels import block_threads, config, rnn, rnn_gru, rnn_lstm, rnn_simple
from kernelkit.kernels.blas_call import rows_into

CELLS = ["lstm", "gru", "gru_reset_before", "simple"]


def _data(cell, n=7, t=6, u=5, seed=3):
    rng = np.random.default_rng(seed)
    gates = {"lstm": 4, "gru": 3, "gru_reset_before": 3, "simple": 1}[cell]
    xp = rng.standard_normal((n, t, gates * u))
    r = 0.5 * rng.standard_normal((u, gates * u))
    b = rng.standard_normal(gates * u)
    h0, c0 = rng.standard_normal((n, u)), rng.standard_normal((n, u))
    mask = rng.random((n, t)) > 0.3
    mask[2, :] = False            # a row masked at every step
    mask[5, -1] = False           # a row whose last step is masked
    dh_seq, dh_last = rng.standard_normal((n, t, u)), rng.standard_normal((n, u))
    return xp, r, b, h0, c0, mask, dh_seq, dh_last


def _run(cell):
    """(forward outputs, backward gradients, inference outputs) of one cell."""
    xp, r, b, h0, c0, mask, dh_seq, dh_last = _data(cell)
    if cell == "lstm":
        fwd = rnn_lstm.lstm_forward(xp, r, h0, c0, mask)
        bwd = rnn_lstm.lstm_backward(dh_seq, dh_last, dh_last[::-1].copy(), fwd[3], r)
        inf = rnn_lstm.lstm_infer(xp, np.eye(xp.shape[2]), r, None, h0, c0, mask)   # x @ I = x
        own = rnn_lstm.lstm_forward(xp, r, h0, c0, mask, kernel=np.eye(xp.shape[2]), bias=b)
        return fwd[:3], bwd, inf, own[:3], own[3][1:]
    if cell == "simple":
        fwd = rnn_simple.simple_rnn_forward(xp, r, h0, mask)
        return fwd[:2], rnn_simple.simple_rnn_backward(dh_seq, dh_last, fwd[2], r), ()
    after = cell == "gru"
    b_rec = b if after else None
    fwd = rnn_gru.gru_forward(xp, r, b_rec, h0, mask, reset_after=after)
    bwd = rnn_gru.gru_backward(dh_seq, dh_last, fwd[2], r, reset_after=after)
    inf = rnn_gru.gru_infer(xp, np.eye(xp.shape[2]), r, None, b_rec, h0, mask,
                            reset_after=after)
    own = rnn_gru.gru_forward(xp, r, b_rec, h0, mask, reset_after=after,
                              kernel=np.eye(xp.shape[2]), input_bias=b)
    return fwd[:2], [g for g in bwd if g is not None], inf, own[:2], own[2][1:]


@pytest.mark.parametrize("cell", CELLS)
def test_row_groups_on_three_threads_match_one_loop(cell, monkeypatch):
    monkeypatch.setattr(config, "RNN_SPLIT_MACS", None)
    serial = _run(cell)
    used = []
    run_on_cores = block_threads.run_on_cores

    def recording(task, n):
        def task_on_thread(i):
            used.append(threading.get_ident())
            return task(i)
        return run_on_cores(task_on_thread, n)
    monkeypatch.setattr(block_threads, "run_on_cores", recording)
    monkeypatch.setattr(block_threads, "cores", lambda: 3)
    monkeypatch.setattr(config, "RNN_SPLIT_MACS", 0)
    monkeypatch.setattr(config, "RNN_GROUP_ROWS", 2)     # 7 rows: groups of 2, 2 and 3
    grouped = _run(cell)
    recurrences = 2 if cell == "simple" else 4
    assert len(used) == 3 * recurrences and len(set(used)) >= 2
    for want_part, got_part in zip(serial, grouped):
        assert len(want_part) == len(got_part)
        for want, got in zip(want_part, got_part):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_groups_follow_the_free_cores_and_the_size(monkeypatch):
    """One group (the calling thread, no helper) below RNN_SPLIT_MACS, with one free core, or
    when the groups would be smaller than RNN_GROUP_ROWS."""
    from kernelkit.kernels.rnn import on_row_groups
    seen = []
    monkeypatch.setattr(block_threads, "run_on_cores", lambda task, n: seen.append(n))
    rows = np.zeros((32, 4))

    def groups(macs, cores, n_rows=32):
        seen.clear()
        calls = []
        monkeypatch.setattr(block_threads, "cores", lambda: cores)
        on_row_groups(lambda a: calls.append(a.shape[0]), macs, rows[:n_rows])
        return seen[0] if seen else len(calls)
    monkeypatch.setattr(config, "RNN_GROUP_ROWS", 8)
    monkeypatch.setattr(config, "RNN_SPLIT_MACS", 1000)
    assert groups(999, 2) == 1
    assert groups(1000, 2) == 2
    assert groups(1000, 1) == 1
    assert groups(1000, 4, n_rows=16) == 2
    assert groups(1000, 2, n_rows=15) == 1
    monkeypatch.setattr(config, "RNN_SPLIT_MACS", None)
    assert groups(10 ** 12, 2) == 1


@pytest.mark.parametrize("cell", CELLS)
def test_products_in_row_chunks_match_one_product(cell, monkeypatch):
    """Chunks of one row (7 rows in one group) and of up to 10 (groups of 2, 2 and 3 on three
    threads), against one product per step: the loops compiled (calling BLAS themselves) and
    as Python, whose products are recorded (the same `rows_into` makes the chunks in both)."""
    monkeypatch.setattr(config, "RNN_SPLIT_MACS", None)
    monkeypatch.setattr(config, "RNN_PRODUCT_MACS", None)
    whole = _run(cell)
    monkeypatch.setattr(rnn, "small_products_unpacked", lambda: True)
    monkeypatch.setattr(config, "RNN_GROUP_ROWS", 2)
    monkeypatch.setattr(block_threads, "cores", lambda: 3)
    for macs, split in ((1, None), (250, 0)):
        monkeypatch.setattr(config, "RNN_PRODUCT_MACS", macs)
        monkeypatch.setattr(config, "RNN_SPLIT_MACS", split)
        for want_part, got_part in zip(whole, _run(cell)):
            for want, got in zip(want_part, got_part):
                np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    monkeypatch.setattr(rnn, "blas_function", lambda dtype: 0)
    rows, matmul = [], np.matmul

    def recording(a, b, out):
        if b.shape[0] == 5:         # a recurrent product (an inference's projection: 15 or 20)
            rows.append(a.shape[0])
        return matmul(a, b, out=out)
    monkeypatch.setattr(np, "matmul", recording)
    for macs, split in ((1, None), (250, 0)):
        rows.clear()
        monkeypatch.setattr(config, "RNN_PRODUCT_MACS", macs)
        monkeypatch.setattr(config, "RNN_SPLIT_MACS", split)
        chunked = _run(cell)
        for want_part, got_part in zip(whole, chunked):
            for want, got in zip(want_part, got_part):
                np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
        assert rows and (macs > 1 or set(rows) == {1})


@pytest.mark.parametrize("m,limit_rows,chunks", [(7, 1, [1] * 7), (16, 15, [8, 8]),
                                                 (32, 15, [11, 11, 10]), (12, 15, [12]),
                                                 (5, 2, [2, 2, 1])])
def test_recurrent_chunks(m, limit_rows, chunks, monkeypatch):
    """Equal chunks of at most the rows RNN_PRODUCT_MACS allows, only where small products
    skip packing; the result is a @ b for a strided `a` too."""
    rng = np.random.default_rng(1)
    k, n = 4, 6
    b = rng.standard_normal((k, n))
    a = rng.standard_normal((m, 3, k))[:, 1]        # rows 3 * k apart, like dxp[:, t]
    seen = []
    matmul = np.matmul

    def recording(x, y, out):
        seen.append(x.shape[0])
        return matmul(x, y, out=out)
    monkeypatch.setattr(config, "RNN_PRODUCT_MACS", limit_rows * k * n + k * n - 1)
    monkeypatch.setattr(rnn, "small_products_unpacked", lambda: True)
    monkeypatch.setattr(np, "matmul", recording)
    out = np.empty((m, n))
    rows_into(0, a, b, out, rnn.recurrent_chunk(b))
    assert seen == chunks
    np.testing.assert_allclose(out, a @ b, rtol=1e-12)
    seen.clear()
    monkeypatch.setattr(rnn, "small_products_unpacked", lambda: False)
    rows_into(0, a, b, out, rnn.recurrent_chunk(b))
    assert seen == [m]
