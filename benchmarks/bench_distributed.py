"""Data-parallel throughput of kernelkit.distribute (MPI) vs PyTorch DDP (gloo), 1 and 2 processes.

    python benchmarks/bench_distributed.py                  # wide-mlp, cnn, lstm; 1 and 2 procs
    python benchmarks/bench_distributed.py --workloads cnn --procs 1 2 --quick

Weak scaling as in Horovod: every process trains on batches of the workload's batch size
(WORKLOADS.md) from its own shard, with one BLAS/Numba thread. For each (framework, workload,
processes) one JSON line: samples/s over all processes (steady state: one warm-up epoch
excluded, best of `--repeats` timed epochs), and for kernelkit the allreduce seconds per step,
bytes sent per step per process, the fraction of gradient bytes whose allreduce started during the
backward pass (`overlap`, by bytes; `--no-overlap` sends all after it), the backward-pass time
left after the first bucket started (`overlap_window_s_per_step`), and the seconds per step spent
after the backward pass sending the rest and waiting (`exposed_comm_s_per_step`). PyTorch runs
in the same invocation, as the peer, if `torch` is importable.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "NUMBA_NUM_THREADS": "1"}
QUICK_N = {"wide-mlp": 3200, "cnn": 512, "lstm": 640}


def _epoch_samples(args, workload):
    from workloads import WORKLOADS
    return QUICK_N[workload] if args.quick else WORKLOADS[workload]["n"]


def kernelkit_worker(args):
    """Runs under mpiexec: trains one workload and prints one JSON line from rank 0."""
    import numpy as np
    import kernelkit.distribute as kd
    from workloads import WORKLOADS, build_kernelkit, make_data
    kd.init()
    workload = args.worker
    spec = WORKLOADS[workload]
    x, y, _ = make_data(workload, _epoch_samples(args, workload))
    model = build_kernelkit(workload)
    opt = kd.DistributedOptimizer(model.optimizer, compression=args.compression,
                                  bucket_bytes=args.bucket_bytes, overlap=not args.no_overlap)
    model.compile(opt, model.loss, metrics=["accuracy"])
    model.fit(x, y, batch_size=spec["batch"], epochs=1, verbose=0)   # warm-up (JIT, caches)
    n_local = len(kd.shard(x)[0])   # fit cuts x, y into this process's share itself
    best, comm_s, steps, nbytes, early, window = None, 0.0, 0, 0, 0, 0.0
    for _ in range(args.repeats):
        opt._kk_stats.reset()
        kd.barrier()
        start = time.perf_counter()
        model.fit(x, y, batch_size=spec["batch"], epochs=1, verbose=0)
        kd.barrier()
        elapsed = time.perf_counter() - start
        if best is None or elapsed < best:
            best = elapsed
            st = opt._kk_stats
            comm_s, steps, nbytes = st.seconds, st.steps, st.bytes
            early, window = st.overlapped_bytes, st.window_seconds
    if kd.rank() == 0:
        n_params = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
        print(json.dumps({
            "framework": "kernelkit", "workload": workload, "procs": kd.size(),
            "samples_per_s": round(n_local * kd.size() / best, 1),
            "step_s": round(best / max(1, -(-n_local // spec["batch"])), 6),
            "exposed_comm_s_per_step": round(comm_s / steps, 6) if steps else 0.0,
            "bytes_per_step": nbytes // steps if steps else 0,
            "gradient_bytes": n_params * 4,
            "overlap": round(early / nbytes, 3) if nbytes else 0.0,
            "overlap_window_s_per_step": round(window / steps, 6) if steps else 0.0,
            "compression": args.compression, "bucket_bytes": args.bucket_bytes}), flush=True)


def allreduce_worker(args):
    """Runs under mpiexec: seconds per allreduce of 4 KiB ... 16 MiB float32 buffers (rank 0 prints)."""
    import numpy as np
    import kernelkit.distribute as kd
    kd.init()
    rows = []
    for nbytes in (4096, 65536, 1 << 20, 4 << 20, 16 << 20):
        buf = np.ones(nbytes // 4, np.float32)
        times = []
        for _ in range(args.repeats * 5 + 2):
            kd.barrier()
            start = time.perf_counter()
            kd.allreduce(buf)
            times.append(time.perf_counter() - start)
        rows.append((nbytes, float(np.median(times[2:]))))
    if kd.rank() == 0:
        # t = alpha + 2 (p-1)/p * bytes / bandwidth (ring allreduce); least squares on the
        # relative error, so the small sizes fix alpha and the large ones the bandwidth
        p = kd.size()
        t = np.array([t for _, t in rows])
        a = np.array([[1.0, 2 * (p - 1) / p * b] for b, _ in rows]) / t[:, None]
        alpha, inv_bw = np.linalg.lstsq(a, np.ones(len(rows)), rcond=None)[0]
        print(json.dumps({"framework": "kernelkit", "workload": "allreduce", "procs": p,
                          "seconds": {str(b): round(t, 7) for b, t in rows},
                          "fit_alpha_s": float(alpha), "fit_bandwidth_GBps": 1e-9 / inv_bw}),
              flush=True)


def torch_worker(rank, world, workload, n, repeats, port, queue):
    import numpy as np
    import torch
    import torch.distributed as dist
    from torch import nn
    torch.set_num_threads(1)
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world)
    import torch_models
    from workloads import WORKLOADS, make_data
    torch.set_num_threads(1)
    batch = WORKLOADS[workload]["batch"]
    x, y, labels = make_data(workload, n)
    x, y, labels = x[rank:n - n % world:world], y[rank:n - n % world:world], \
        labels[rank:n - n % world:world]
    torch.manual_seed(0)
    net, opt_name, lr = torch_models._net(workload)
    ddp = nn.parallel.DistributedDataParallel(net)
    opt = torch.optim.Adam(ddp.parameters(), lr=lr, eps=1e-7)
    if workload == "lstm":
        xt, yt, loss_fn = torch.from_numpy(x.astype(np.int64)), torch.from_numpy(y), \
            nn.BCEWithLogitsLoss()
    else:
        xx = x.transpose(0, 3, 1, 2).copy() if workload == "cnn" else x
        xt, yt, loss_fn = torch.from_numpy(xx), torch.from_numpy(labels.astype(np.int64)), \
            nn.CrossEntropyLoss()

    def epoch():
        ddp.train()
        perm = torch.randperm(len(xt))
        for i in range(0, len(xt), batch):
            idx = perm[i:i + batch]
            loss = loss_fn(ddp(xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    epoch()
    best = None
    for _ in range(repeats):
        dist.barrier()
        start = time.perf_counter()
        epoch()
        dist.barrier()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    if rank == 0:
        queue.put({"framework": "torch-ddp-gloo", "workload": workload, "procs": world,
                   "samples_per_s": round(len(xt) * world / best, 1)})
    dist.destroy_process_group()


def run_torch(workload, procs, n, repeats):
    import socket
    import torch.multiprocessing as mp
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    mp.start_processes(torch_worker, args=(procs, workload, n, repeats, port, queue),
                       nprocs=procs, start_method="spawn", join=True)
    return queue.get(timeout=10)


NETWORKS = {"10 Gbit/s": (10e9 / 8, 25e-6), "100 Gbit/s": (100e9 / 8, 5e-6)}


def predicted_efficiency(step_s, grad_bytes, procs, bandwidth, latency, fp16=False,
                         bucket_bytes=64 * 1024 * 1024):
    """Ring-allreduce cost model: compute / (compute + communication), no overlap.

    t_comm = buckets * 2 (p - 1) * latency + 2 (p - 1) / p * bytes / bandwidth,
    with bytes halved by fp16 compression and buckets = ceil(bytes / bucket_bytes).
    """
    nbytes = grad_bytes / 2 if fp16 else grad_bytes
    buckets = max(1, -(-int(nbytes) // bucket_bytes))
    comm = buckets * 2 * (procs - 1) * latency + 2 * (procs - 1) / procs * nbytes / bandwidth
    return step_s / (step_s + comm)


def model_table(results):
    """Markdown table of predicted efficiencies for 8/64/256 processes from measured results."""
    single = {r["workload"]: r for r in results
              if r.get("framework") == "kernelkit" and r.get("procs") == 1
              and r["workload"] != "allreduce"}
    lines = ["| workload | step (s) | grad MB | network | wire | p=8 | p=64 | p=256 |",
             "|---|---|---|---|---|---|---|---|"]
    for w, r in single.items():
        for net, (bw, lat) in NETWORKS.items():
            for fp16 in (False, True):
                eff = [predicted_efficiency(r["step_s"], r["gradient_bytes"], p, bw, lat, fp16)
                       for p in (8, 64, 256)]
                lines.append(f"| {w} | {r['step_s']:.4f} | {r['gradient_bytes'] / 1e6:.2f} | "
                             f"{net} | {'fp16' if fp16 else 'fp32'} | "
                             + " | ".join(f"{e:.0%}" for e in eff) + " |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workloads", nargs="+", default=["wide-mlp", "cnn", "lstm"])
    p.add_argument("--procs", nargs="+", type=int, default=[1, 2])
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--compression", default="none", choices=["none", "fp16"])
    p.add_argument("--bucket-bytes", type=int, default=64 * 1024 * 1024)
    p.add_argument("--quick", action="store_true", help="smaller epochs (a quick look)")
    p.add_argument("--no-overlap", action="store_true",
                   help="send every bucket after the backward pass")
    p.add_argument("--no-torch", action="store_true")
    p.add_argument("--json", help="also append the JSON lines to this file")
    p.add_argument("--model", metavar="JSONL",
                   help="print the cost model's predictions from a --json file and exit")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    sys.path.insert(0, HERE)
    if args.model:
        with open(args.model) as f:
            print(model_table([json.loads(ln) for ln in f if ln.strip()]))
        return None
    if args.worker == "allreduce":
        return allreduce_worker(args)
    if args.worker:
        return kernelkit_worker(args)
    os.environ.update(ONE_THREAD)
    try:
        import torch  # noqa: F401
        have_torch = not args.no_torch
    except ImportError:
        have_torch = False
    mpiexec = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if not os.path.exists(mpiexec):
        import shutil
        mpiexec = shutil.which("mpiexec") or "mpiexec"
    results = []

    def run_mpi(procs, worker):
        cmd = [mpiexec, "-n", str(procs), sys.executable, os.path.abspath(__file__),
               "--worker", worker, "--repeats", str(args.repeats),
               "--compression", args.compression, "--bucket-bytes", str(args.bucket_bytes)]
        if args.quick:
            cmd.append("--quick")
        if args.no_overlap:
            cmd.append("--no-overlap")
        out = subprocess.run(cmd, capture_output=True, text=True, check=True,
                             env=dict(os.environ, **ONE_THREAD))
        line = [ln for ln in out.stdout.splitlines() if ln.startswith("{")][-1]
        results.append(json.loads(line))
        print(line, flush=True)

    for procs in args.procs:
        if procs > 1:
            run_mpi(procs, "allreduce")
    for workload in args.workloads:
        for procs in args.procs:
            run_mpi(procs, workload)
            if have_torch:
                r = run_torch(workload, procs, _epoch_samples(args, workload), args.repeats)
                results.append(r)
                print(json.dumps(r), flush=True)
    if args.json:
        with open(args.json, "a") as f:
            for r in results:
                f.write(json.dumps(r) + "\n")
    return results


if __name__ == "__main__":
    main()
