"""Throughput of ``otcheck sweep``: worker scaling and Dask's per-task overhead.

Run: ``python benchmarks/bench_sweep.py [--runs 8] [--steps 1500] [--workers 2] [--quick]``.

Prints:

1. worker scaling: the same sweep (``--runs`` POT runs on the ring, one thread each, into fresh
   stores) on one worker (in this process) and on ``--workers`` local worker processes; the ratio
   of the wall times is the throughput ratio (target >= 1.7x with 2 workers on a 2-core machine).
   The worker processes' start-up (spawn, importing torch) counts against them;
2. Dask overhead: (a) the wall time per task of ``--noop`` empty tasks on a one-worker
   ``LocalCluster`` (the scheduler round trip), as a percentage of a 10 s run (target < 5 %);
   (b) one real run of about 10 s timed in this process and as a Dask task on a fresh one-worker
   ``LocalCluster`` (cluster start-up excluded, the worker process warmed by a first task).

The load average is printed with each figure: the machine is shared, and other processes take CPU
from the workers (the ratio is pessimistic under load).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from otcheck.models.sweep import SweepSpec, run_point, run_sweep


def _load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def _spec(runs: int, steps: int) -> SweepSpec:
    return SweepSpec(
        {"model": ["pot"], "data": ["ring"], "seed": list(range(runs))},
        {"steps": steps, "eval_every": steps, "eval_size": 128, "device": "cpu"},
        {"n": 128, "repeats": 3},
    )


def _noop(i: int) -> int:
    return i


def scaling(runs: int, steps: int, workers: int, root: Path) -> float:
    spec = _spec(runs, steps)
    t = {}
    for w in (1, workers):
        store = root / f"scaling-{w}"
        shutil.rmtree(store, ignore_errors=True)
        t0 = time.perf_counter()
        res = run_sweep(spec, store, workers=w, threads=1, progress=False)
        t[w] = time.perf_counter() - t0
        assert res.ok and res.executed == runs
        per = sum(float(str(r["train_seconds"])) + float(str(r["eval_seconds"])) for r in res.rows) / runs
        print(f"  {w} worker(s): {runs} runs of {steps} steps in {t[w]:.1f} s (mean {per:.2f} s per run; {_load()})")
    ratio = t[1] / t[workers]
    print(f"  throughput ratio {workers} workers / 1 worker: {ratio:.2f}x (target >= 1.7x)")
    return ratio


def dask_overhead(noop: int, steps: int, root: Path) -> tuple[float, float]:
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            client.submit(_noop, -1, pure=False).result()  # warm
            t0 = time.perf_counter()
            for i in range(noop):
                client.submit(_noop, i, pure=False).result()
            per_task = (time.perf_counter() - t0) / noop
    print(f"  round trip of an empty task (sequential, {noop} tasks): {per_task * 1e3:.2f} ms", end="")
    print(f" = {100 * per_task / 10.0:.3f} % of a 10 s run (target < 5 %; {_load()})")

    spec = _spec(1, steps)
    cfg = spec.configs()[0].to_dict()
    direct_store, dask_store = root / "direct", root / "dask"
    for s in (direct_store, dask_store):
        shutil.rmtree(s, ignore_errors=True)
    ev = {"n": 128, "repeats": 3}
    run_point(str(root / "warm"), {**cfg, "seed": 99}, ev, 1)  # warm this process
    t0 = time.perf_counter()
    run_point(str(direct_store), cfg, ev, 1)
    direct = time.perf_counter() - t0
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            client.submit(run_point, str(root / "warm-dask"), {**cfg, "seed": 99}, ev, 1, pure=False).result()
            t0 = time.perf_counter()
            client.submit(run_point, str(dask_store), cfg, ev, 1, pure=False).result()
            on_dask = time.perf_counter() - t0
    over = (on_dask - direct) / direct
    print(
        f"  one run of {steps} steps: {direct:.2f} s in this process, {on_dask:.2f} s as a Dask task: "
        f"overhead {100 * over:+.1f} % ({_load()}; run-to-run noise on a shared machine is a few %)"
    )
    return per_task, over


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=8, help="runs in the scaling sweep (default 8)")
    ap.add_argument("--steps", type=int, default=1500, help="steps per run (default 1500, about 10 s on one core)")
    ap.add_argument("--workers", type=int, default=2, help="local workers to compare with one (default 2)")
    ap.add_argument("--noop", type=int, default=200, help="empty Dask tasks timed (default 200)")
    ap.add_argument("--quick", action="store_true", help="4 runs of 300 steps (a smoke run, not the figure)")
    args = ap.parse_args()
    if args.quick:
        args.runs, args.steps, args.noop = 4, 300, 50
    root = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    try:
        print(f"worker scaling ({os.cpu_count()} CPUs):")
        scaling(args.runs, args.steps, args.workers, root)
        print("Dask overhead:")
        dask_overhead(args.noop, args.steps, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
