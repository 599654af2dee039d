"""Wall time of ``otcheck falsify`` over every proposition and step, N examples each (issue 9).

Run: ``python benchmarks/bench_falsify.py [--examples N] [--seed K] [--ids ID ...] [--max-seconds S]``.

Runs :func:`otcheck.falsify.falsify` in this process, one claim at a time, over the instance space
of every proposition and proof step of the paper (the ``trained-*`` claims have no space: they need
training; the conjecture ``lemma6-footnote2`` is timed too, after the others, and not counted in the
target), with no example database (nothing replays from an earlier run: every claim searches its
``N`` examples, or stops at its first counterexample and shrinks it). Prints, per claim, the wall
time, the number of instances decided and how they came out (hold / counterexample / undecided /
uncertified / errors / float failures refuted by the exact re-check), then the total wall time
against the target of 600 s (10 minutes on the 2-core machine) and the ratio total / 600 s. Each
counterexample found is printed with its evidence (a finding to check against the paper's statement).

Timings are measured in this run on this machine; no number is hard-coded.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings

TARGET_S = 600.0


def _row(o):
    found = int(o.counterexample is not None)
    label = "FAILS" if o.is_failure else ("finding" if found else "")
    return (
        f"{o.claim:28s} {o.kind:11s} {o.seconds:8.2f} {o.examples:5d} {o.holds:5d} {found:5d} {o.undecided:5d} "
        f"{o.uncertified:5d} {o.errors:5d} {o.refuted:5d}  {label}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200, help="instances per claim (default 200)")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed (default 0)")
    parser.add_argument("--max-seconds", type=float, default=None, help="time budget per claim (default none)")
    parser.add_argument("--ids", nargs="*", default=None, help="claim ids (default every proposition and step)")
    parser.add_argument("--json", default=None, help="also write the per-claim figures to this JSON file")
    args = parser.parse_args(argv)

    from otcheck.claims import registry
    from otcheck.falsify import SPACES, encode_instance, falsify

    if args.ids:
        ids = list(args.ids)
    else:
        ids = [cid for cid, c in registry.items() if c.kind in ("proposition", "step") and cid in SPACES]
        ids += [cid for cid, c in registry.items() if c.kind == "conjecture" and cid in SPACES]
    falsify(["kr-duality"], examples=1, database=None)  # warm-up: imports of the solvers, not timed

    print(f"otcheck falsify: {len(ids)} claims, {args.examples} examples each, seed {args.seed}")
    print(
        f"{'claim':28s} {'kind':11s} {'seconds':>8s} {'inst':>5s} {'hold':>5s} {'cex':>5s} {'undec':>5s} "
        f"{'uncrt':>5s} {'err':>5s} {'refut':>5s}"
    )
    outcomes = []
    t0 = time.perf_counter()
    for cid in ids:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # log(0), 0 * inf of the degenerate members
            rep = falsify([cid], examples=args.examples, max_seconds=args.max_seconds, seed=args.seed, database=None)
        o = rep.outcomes[0]
        outcomes.append(o)
        print(_row(o), flush=True)
    wall = time.perf_counter() - t0
    target = [o for o in outcomes if o.kind in ("proposition", "step")]
    counted = sum(o.seconds for o in target)
    print(
        f"\ntotal wall time {wall:.1f} s; propositions and steps {counted:.1f} s over {len(target)} claims "
        f"(target {TARGET_S:.0f} s: {'met' if counted <= TARGET_S else 'MISSED'}, ratio {counted / TARGET_S:.2f})"
    )
    totals = {
        k: sum(getattr(o, k) for o in outcomes)
        for k in ("examples", "holds", "undecided", "uncertified", "errors", "refuted")
    }
    totals["counterexamples"] = sum(o.counterexample is not None for o in outcomes)
    print("instances: " + ", ".join(f"{v} {k}" for k, v in totals.items()))
    for o in outcomes:
        if o.counterexample is None and not o.errors:
            continue
        print(f"\n{o.summary()}")
        if o.evidence is not None:
            for p in o.evidence.failing_parts():
                print(f"  failing part: {p}" + (f" - {p.note}" if p.note else ""))
            print("  instance: " + json.dumps(encode_instance(o.counterexample)))
            if o.confirmed_exactly is not None:
                print(f"  confirmed in exact arithmetic: {o.confirmed_exactly}")
        if o.error:
            print(f"  first error: {o.error}")
    if args.json:
        rows = [
            {
                "claim": o.claim,
                "kind": o.kind,
                "seconds": o.seconds,
                "examples": o.examples,
                "holds": o.holds,
                "counterexample": o.counterexample is not None,
                "undecided": o.undecided,
                "uncertified": o.uncertified,
                "errors": o.errors,
                "refuted": o.refuted,
                "error": o.error,
            }
            for o in outcomes
        ]
        with open(args.json, "w") as fh:
            json.dump({"examples": args.examples, "seed": args.seed, "wall_s": wall, "claims": rows}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
