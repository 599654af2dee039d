"""Benchmark of the exact-OT layer: the cost of certification, of cvxpy, and the certificate's memory.

Prints, measured in one run (medians of interleaved repeats, so machine load hits both sides alike):

1. certified ``solve_ot(method="emd")`` vs a bare ``ot.emd2`` at n = m = 2000 (uniform weights,
   2-D Gaussian points, squared Euclidean cost); target ratio <= 1.10;
2. ``solve_ot(method="lp")`` (cvxpy + HiGHS, certified) vs a direct ``scipy.optimize.linprog``
   (HiGHS, the same sparse constraints built vectorized, redundant row dropped) at n = m = 200;
   target ratio <= 1.5;
3. peak memory of ``solve_ot(method="emd")`` + ``certify`` at n = m = 5000, measured in a fresh
   subprocess (``ru_maxrss``), with the certificate's own extra allocation (``tracemalloc``);
   target < 1.5 GB; and the certificate's own allocation at n and n/2: O(n + m) plus one block of
   rows, so the ratio stays near 2 (an O(nm) allocation would give 4);
4. the crossover used by ``method="auto"``: "assignment" vs "emd" on uniform square problems.

Run: ``python benchmarks/bench_exact.py [--quick]`` (``--quick`` shrinks the sizes for a smoke run).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import warnings

import numpy as np


def _instance(n, seed=0):
    from otcheck import cost_matrix

    rng = np.random.default_rng(seed)
    C = cost_matrix(rng.normal(size=(n, 2)), rng.normal(size=(n, 2)))
    a = np.full(n, 1.0 / n)
    return a, a.copy(), C


def _interleaved(fns, repeats):
    """Run the callables in turn ``repeats`` times; return the median time of each and their last results."""
    times = [[] for _ in fns]
    results = [None] * len(fns)
    for _ in range(repeats):
        for k, fn in enumerate(fns):
            t0 = time.perf_counter()
            results[k] = fn()
            times[k].append(time.perf_counter() - t0)
    return [float(np.median(t)) for t in times], results


def bench_emd(n, repeats):
    import ot

    from otcheck import solve_ot

    a, b, C = _instance(n)

    from otcheck.exact._emd import default_iter_max

    limit = default_iter_max(n, n)  # the same limit as solve_ot's first attempt (POT's 1e5 is too small
    # from about n = 3000 on, where a bare call would return a non-optimal value)

    def bare():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return float(ot.emd2(a, b, C, numItermax=limit))

    def certified():
        return solve_ot(a, b, C, method="emd").cost

    (t_bare, t_cert), (v_bare, v_cert) = _interleaved([bare, certified], repeats)
    return {
        "n": n,
        "bare_emd2_s": t_bare,
        "certified_emd_s": t_cert,
        "ratio": t_cert / t_bare,
        "value_difference": abs(v_bare - v_cert),
        "target": 1.10,
    }


def bench_lp(n, repeats):
    import scipy.sparse as sp
    from scipy.optimize import linprog

    from otcheck import solve_ot

    a, b, C = _instance(n, seed=1)

    def direct():
        # the best direct call: sparse constraints built from index arrays, the redundant last
        # column constraint dropped (as the engines do)
        nm = n * n
        idx = np.arange(nm)
        rows = np.concatenate([np.repeat(np.arange(n), n), n + np.tile(np.arange(n), n)])
        cols = np.concatenate([idx, idx])
        keep = rows < 2 * n - 1
        A = sp.csr_matrix((np.ones(int(keep.sum())), (rows[keep], cols[keep])), shape=(2 * n - 1, nm))
        res = linprog(C.ravel(), A_eq=A, b_eq=np.concatenate([a, b[:-1]]), bounds=(0, None), method="highs")
        return res.fun

    def through_cvxpy():
        return solve_ot(a, b, C, method="lp").cost

    through_cvxpy()  # first call pays cvxpy's import and solver discovery, not part of a solve
    (t_direct, t_cvx), (v_direct, v_cvx) = _interleaved([direct, through_cvxpy], repeats)
    return {
        "n": n,
        "direct_linprog_s": t_direct,
        "certified_cvxpy_lp_s": t_cvx,
        "ratio": t_cvx / t_direct,
        "value_difference": abs(v_direct - v_cvx),
        "target": 1.5,
    }


_MEMORY_CHILD = r"""
import json, os, resource, sys, tracemalloc
import numpy as np
import ot  # POT imports its backends (torch when installed): counted apart from the solve
from otcheck import cost_matrix, solve_ot, certify
n = int(sys.argv[1])
bare = len(sys.argv) > 2 and sys.argv[2] == "bare"
page = os.sysconf("SC_PAGE_SIZE")
def rss_now():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * page / 2**20
peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
after_imports = rss_now()
rng = np.random.default_rng(2)
C = cost_matrix(rng.normal(size=(n, 2)), rng.normal(size=(n, 2)))
a = np.full(n, 1.0 / n)
before_solve = rss_now()
if bare:  # the same instance through a bare ot.emd2 with the same iteration limit, for comparison
    from otcheck.exact._emd import default_iter_max
    ot.emd2(a, a, C, numItermax=default_iter_max(n, n))
    print(json.dumps({"peak_rss_MiB": peak(), "rss_before_solve_MiB": before_solve}))
    sys.exit(0)
res = solve_ot(a, a, C, method="emd")
peak_solve = peak()
after_solve = rss_now()
tracemalloc.start()
cert = certify(a, a, C, res.plan, res.u, res.v)
_, cert_peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
print(json.dumps({"n": n, "rss_after_imports_MiB": after_imports, "rss_before_solve_MiB": before_solve,
                  "peak_rss_MiB": peak(), "peak_rss_during_solve_MiB": peak_solve, "rss_after_solve_MiB": after_solve,
                  "certificate_extra_MiB": cert_peak / 2**20, "cost_matrix_MiB": C.nbytes / 2**20,
                  "ok": bool(cert.ok), "target_MiB": 1536}))
"""


def bench_memory(n):
    def child(*extra):
        out = subprocess.run(
            [sys.executable, "-c", _MEMORY_CHILD, str(n), *extra], capture_output=True, text=True, check=True
        )
        return json.loads(out.stdout.strip().splitlines()[-1])

    res = child()
    res["bare_emd2_peak_rss_MiB"] = child("bare")["peak_rss_MiB"]
    half = subprocess.run(
        [sys.executable, "-c", _MEMORY_CHILD, str(n // 2)], capture_output=True, text=True, check=True
    )
    res["certificate_extra_half_n_MiB"] = json.loads(half.stdout.strip().splitlines()[-1])["certificate_extra_MiB"]
    return res


def bench_auto(sizes, repeats):
    from otcheck import solve_ot

    rows = []
    for n in sizes:
        a, b, C = _instance(n, seed=3)

        def run(method, a=a, b=b, C=C):
            return lambda: solve_ot(a, b, C, method=method)

        (t_emd, t_asg), _ = _interleaved([run("emd"), run("assignment")], repeats)
        rows.append({"n": n, "emd_s": t_emd, "assignment_s": t_asg})
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    n_emd, n_lp, n_mem = (300, 50, 500) if args.quick else (2000, 200, 5000)
    r = args.repeats

    emd = bench_emd(n_emd, r)
    print(
        f"[1] emd n={emd['n']}: bare ot.emd2 {emd['bare_emd2_s']:.3f} s, certified solve_ot "
        f"{emd['certified_emd_s']:.3f} s -> ratio {emd['ratio']:.3f} (target <= 1.10); "
        f"|value difference| = {emd['value_difference']:.1e}"
    )
    lp = bench_lp(n_lp, r)
    print(
        f"[2] lp n={lp['n']}: direct linprog(highs) {lp['direct_linprog_s']:.3f} s, certified cvxpy lp "
        f"{lp['certified_cvxpy_lp_s']:.3f} s -> ratio {lp['ratio']:.3f} (target <= 1.5); "
        f"|value difference| = {lp['value_difference']:.1e}"
    )
    mem = bench_memory(n_mem)
    print(
        f"[3] memory n={mem['n']}: peak RSS of the whole process (solve_ot emd + certify) "
        f"{mem['peak_rss_MiB']:.0f} MiB (target < 1536 MiB). Breakdown: interpreter + numpy/scipy + POT and the "
        f"torch it imports {mem['rss_after_imports_MiB']:.0f} MiB; with the cost matrix ({mem['cost_matrix_MiB']:.0f} "
        f"MiB) {mem['rss_before_solve_MiB']:.0f} MiB; POT's network simplex (its dense plan + internal arc arrays) "
        f"peaks at +{mem['peak_rss_during_solve_MiB'] - mem['rss_before_solve_MiB']:.0f} MiB; the certificate "
        f"allocates {mem['certificate_extra_MiB']:.1f} MiB on top (blocked sweep; at n/2: "
        f"{mem['certificate_extra_half_n_MiB']:.1f} MiB, ratio "
        f"{mem['certificate_extra_MiB'] / max(mem['certificate_extra_half_n_MiB'], 1e-9):.2f}: O(n + m) + one block); "
        f"certificate ok: {mem['ok']}. "
        f"A bare ot.emd2 on the same instance peaks at {mem['bare_emd2_peak_rss_MiB']:.0f} MiB."
    )
    auto = bench_auto((16, 48, 100, 300) if not args.quick else (16, 48), max(r, 5))
    print(
        "[4] auto crossover (median s): "
        + "; ".join(
            f"n={row['n']}: emd {row['emd_s'] * 1e3:.2f} ms, assignment {row['assignment_s'] * 1e3:.2f} ms"
            for row in auto
        )
    )
    return {"emd": emd, "lp": lp, "memory": mem, "auto": auto}


if __name__ == "__main__":
    main()
