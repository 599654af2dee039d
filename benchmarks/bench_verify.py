"""Wall time of ``otcheck verify`` (all claims, default sizes) and of each claim.

Run: ``python benchmarks/bench_verify.py [--repeat K]``. Prints

* the wall time of the command ``python -m otcheck verify --quiet`` in a fresh process (imports,
  every non-trained claim at its default size), against the 30 s target of issue 3;
* one warm in-process run of :func:`otcheck.claims.verify` with the time of each claim (the
  first claim also pays the one-off import of scipy/POT/cvxpy solvers, so a warm-up run comes first);
* the share of the total taken by the claims of sections 2-3.

Timings are measured in this run on this machine; no number is hard-coded.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

TARGET_S = 30.0
SECTION_2_3 = (
    "kr-duality",
    "gan-js-bound",
    "wgan-lower-bound",
    "vae-upper-bound",
    "lemma6",
    "lemma6-footnote2",
    "theorem1",
    "relaxation-bound",
    "penalty-constraint",
    "pot-objective",
    "corollary7",
    "remark1",
    "lemma8",
)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="repeat the command K times, report the best")
    args = parser.parse_args(argv)

    walls, rc = [], None
    for _ in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "otcheck", "verify", "--quiet"], capture_output=True, text=True)
        walls.append(time.perf_counter() - t0)
        rc = proc.returncode
    wall = min(walls)
    print(
        f"otcheck verify (fresh process, all claims, default sizes): {wall:.2f} s "
        f"(exit {rc}; target {TARGET_S:.0f} s: {'met' if wall <= TARGET_S else 'MISSED'}, "
        f"ratio {wall / TARGET_S:.2f})"
    )

    from otcheck.claims import verify

    verify(["kr-duality"])  # warm-up: imports of the solvers
    rep = verify(on_error="record")
    total = sum(rep.seconds.values())
    print(f"\nin-process run, warm: {total:.2f} s over {len(rep.seconds)} claims")
    print(f"{'claim':28s} {'kind':12s} {'seconds':>8s}  {'share':>6s}  verdict")
    verdicts = {e.claim: e.verdict for e in rep.evidence}
    for cid, sec in sorted(rep.seconds.items(), key=lambda kv: -kv[1]):
        print(f"{cid:28s} {rep.kind(cid):12s} {sec:8.3f}  {sec / total:6.1%}  {verdicts.get(cid, 'error')}")
    mine = sum(s for c, s in rep.seconds.items() if c in SECTION_2_3)
    print(f"\nsections 2-3 (+ lemma8, footnote 2): {mine:.2f} s = {mine / total:.1%} of the run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
