"""Throughput of ``otcheck sweep``: worker scaling and Dask's per-task overhead.

Run: ``python benchmarks/bench_sweep.py [--runs 8] [--steps 1500] [--workers 2] [--quick]``.

Prints:

Measured on the 2-core machine: see the closing figures printed by a run. The cause of an earlier
+53 % for real runs on Dask was found: Dask's nannies start workers with
``MALLOC_TRIM_THRESHOLD_=65536``, which turns off glibc's dynamic mmap threshold, so every torch
allocation of 128 KiB or more was a fresh ``mmap``; ``run_point`` now sets the thresholds back
(``otcheck.models.sweep._malloc_for_training``).

1. worker scaling: the same sweep (``--runs`` POT runs on the ring, one thread each, into fresh
   stores) on one worker (in this process) and on ``--workers`` local worker processes; the ratio
   of the wall times is the throughput ratio (target >= 1.7x with 2 workers on a 2-core machine).
   The worker processes' start-up (spawn, importing torch) counts against them;
2. Dask overhead: (a) the wall time per task of ``--noop`` empty tasks on a one-worker
   ``LocalCluster`` (the scheduler round trip), as a percentage of a 10 s run (target < 5 %);
   (b) real runs of about 10 s, timed in this process and as a Dask task on a one-worker
   ``LocalCluster``, interleaved ``--pairs`` times (cluster start-up excluded, both processes
   warmed by a first run); the median overhead is printed.

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


def dask_overhead(noop: int, steps: int, root: Path, pairs: int = 3, profile: bool = False) -> tuple[float, float]:
    import dask
    from distributed import Client, LocalCluster

    if not profile:  # as otcheck sweep does: Dask's stack sampler holds the GIL every 10 ms
        dask.config.set({"distributed.worker.profile.enabled": False})

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            client.submit(_noop, -1, pure=False).result()  # warm
            t0 = time.perf_counter()
            for i in range(noop):
                client.submit(_noop, i, pure=False).result()
            per_task = (time.perf_counter() - t0) / noop
    print(f"  round trip of an empty task (sequential, {noop} tasks): {per_task * 1e3:.2f} ms", end="")
    print(f" = {100 * per_task / 10.0:.3f} % of a 10 s run (target < 5 %; {_load()})")

    # (b) real runs, interleaved (this process, then the Dask worker, `pairs` times) so that the load
    # of a shared machine hits both alike; the median of the per-pair overheads
    cfg = _spec(1, steps).configs()[0].to_dict()
    ev = {"n": 128, "repeats": 3}
    run_point(str(root / "warm"), {**cfg, "seed": 99}, ev, 1)  # warm this process
    overs = []
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            client.submit(run_point, str(root / "warm-dask"), {**cfg, "seed": 99}, ev, 1, pure=False).result()
            for k in range(pairs):
                point = {**cfg, "seed": 100 + k}
                t0 = time.perf_counter()
                run_point(str(root / "direct"), point, ev, 1)
                direct = time.perf_counter() - t0
                t0 = time.perf_counter()
                client.submit(run_point, str(root / "dask"), point, ev, 1, pure=False).result()
                on_dask = time.perf_counter() - t0
                overs.append((on_dask - direct) / direct)
                print(f"    pair {k}: {direct:.2f} s here, {on_dask:.2f} s on Dask ({_load()})")
    over = float(sorted(overs)[len(overs) // 2])
    print(
        f"  runs of {steps} steps, median overhead of a Dask task over {pairs} interleaved pairs: {100 * over:+.1f} % "
        "(target < 5 %; a task runs in a worker thread beside Dask's event loop, in a process whose malloc "
        "thresholds run_point resets from Dask's MALLOC_TRIM_THRESHOLD_)"
    )
    return per_task, over


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=8, help="runs in the scaling sweep (default 8)")
    ap.add_argument("--steps", type=int, default=1500, help="steps per run (default 1500, about 10 s on one core)")
    ap.add_argument("--workers", type=int, default=2, help="local workers to compare with one (default 2)")
    ap.add_argument("--noop", type=int, default=200, help="empty Dask tasks timed (default 200)")
    ap.add_argument("--pairs", type=int, default=3, help="interleaved pairs of real runs for the Dask overhead")
    ap.add_argument("--dask-only", action="store_true", help="only the Dask overhead")
    ap.add_argument("--profile", action="store_true", help="leave Dask's worker profiler on (its default)")
    ap.add_argument("--quick", action="store_true", help="4 runs of 300 steps (a smoke run, not the figure)")
    args = ap.parse_args()
    if args.quick:
        args.runs, args.steps, args.noop = 4, 300, 50
    root = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    try:
        if not args.dask_only:
            print(f"worker scaling ({os.cpu_count()} CPUs):")
            scaling(args.runs, args.steps, args.workers, root)
        print(f"Dask overhead (worker profiler {'on' if args.profile else 'off, as in otcheck sweep'}):")
        dask_overhead(args.noop, args.steps, root, args.pairs, args.profile)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
