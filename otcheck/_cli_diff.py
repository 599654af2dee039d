"""``otcheck diff``: compare two ``otcheck verify --json`` reports."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ._cli_common import _command, _Usage

if TYPE_CHECKING:
    from .claims import Report


def _load_report(path: str) -> Report:
    from .claims import Report

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise _Usage(f"{path}: cannot read it ({exc.strerror or exc})") from None
    try:
        return Report.from_json(text)
    except (ValueError, TypeError, KeyError) as exc:
        raise _Usage(f"{path}: not an otcheck report ({exc})") from None


def _margin_changed(a: Fraction | float, b: Fraction | float, tol: float) -> bool:
    if isinstance(a, Fraction) and isinstance(b, Fraction) and tol == 0:
        return a != b
    x, y = float(a), float(b)
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) != math.isnan(y)
    if x == y:
        return False
    return abs(x - y) > tol * max(abs(x), abs(y))


def _diff(args: argparse.Namespace, out: TextIO) -> int:
    old, new = _load_report(args.old), _load_report(args.new)

    def state(r: Report) -> dict[str, tuple[str, Fraction | float | None]]:
        rows: dict[str, tuple[str, Fraction | float | None]] = {
            i: (verdict, margin) for i, _, _, _, _, margin, verdict in r.rows()
        }
        rows.update({i: ("error", None) for i in r.errors})
        return rows

    a, b = state(old), state(new)
    ov, nv = old.meta.get("versions"), new.meta.get("versions")
    if isinstance(ov, Mapping) and isinstance(nv, Mapping):
        changed = [f"{k} {ov.get(k)} -> {nv.get(k)}" for k in dict.fromkeys([*ov, *nv]) if ov.get(k) != nv.get(k)]
        if changed:
            print("versions: " + ", ".join(changed), file=out)
    if old.seeds != new.seeds:
        print(f"seeds: {list(old.seeds)} -> {list(new.seeds)}", file=out)
    verdicts = margins = 0
    new_failures: list[str] = []
    for cid in a:
        if cid not in b:
            continue
        (v0, m0), (v1, m1) = a[cid], b[cid]
        kind = new.kind(cid)
        m_text = f"margin {_margin_text(m0)} -> {_margin_text(m1)}"
        if v0 != v1:
            verdicts += 1
            flag = ""
            if v0 in ("holds", "undecided") and v1 in ("fails", "error"):
                new_failures.append(cid)
                flag = "  NEW FAILURE"
            print(f"verdict  {cid} ({kind}): {v0} -> {v1}, {m_text}{flag}", file=out)
        elif m0 is not None and m1 is not None and _margin_changed(m0, m1, args.tol):
            margins += 1
            print(f"margin   {cid} ({kind}): {v1}, {m_text}", file=out)
    added = [cid for cid in b if cid not in a]
    removed = [cid for cid in a if cid not in b]
    for cid in added:
        print(f"new      {cid} ({new.kind(cid)}): {b[cid][0]}", file=out)
    for cid in removed:
        print(f"removed  {cid} ({old.kind(cid)}): was {a[cid][0]}", file=out)
    both = sum(cid in b for cid in a)
    print(
        f"{both} claims in both: {verdicts} verdicts changed, {margins} margins changed"
        f"{f' (relative tolerance {args.tol:g})' if args.tol else ''}; {len(added)} new, {len(removed)} removed; "
        f"{len(new_failures)} new failures" + (f" ({', '.join(new_failures)})" if new_failures else ""),
        file=out,
    )
    return 1 if new_failures else 0


def _margin_text(m: Fraction | float | None) -> str:
    return "-" if m is None else f"{float(m):.6g}"


_cmd_diff = _command("diff", lambda args: _diff(args, sys.stdout))
