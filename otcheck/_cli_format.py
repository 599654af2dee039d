"""Text output of the ``otcheck`` command line: the claim list, failing instances, the summary
line and the ``--details`` rendering of evidence (:func:`format_parts`, :func:`format_details`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, TextIO

from ._docs import fill_doc

if TYPE_CHECKING:
    from .claims import Claim, Evidence, Report

__all__ = ["format_details", "format_parts"]

_MAX_INSTANCE_CHARS = 4000

# The parameter of the ``--details`` renderings, documented once (each ``%(name)s`` line of a
# docstring below is replaced by its entry: :func:`otcheck._docs.fill_doc`).
_PARAMS = {
    "evidence": """Parameters
----------
evidence : Evidence
    One claim's evidence, as a report of ``otcheck verify`` holds it (over several seeds, the
    aggregate whose parts are the seeds' evidence).""",
}


def _print_list(ids: Iterable[str], registry: Mapping[str, Claim], out: TextIO) -> None:
    rows = [(c.id, c.kind, c.location, c.statement) for c in (registry[i] for i in ids)]
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    w2 = max(len(r[2]) for r in rows)
    for cid, kind, loc, stmt in rows:
        print(f"{cid.ljust(w0)}  {kind.ljust(w1)}  {loc.ljust(w2)}  {stmt}", file=out)


def _format_instance(instance: object) -> str:
    text = json.dumps(instance, indent=None, default=str)
    if len(text) > _MAX_INSTANCE_CHARS:
        text = text[:_MAX_INSTANCE_CHARS] + " ... (truncated; --json writes all of it)"
    return text


def _print_failing(report: Report, evidence: Iterable[Evidence], label: str, out: TextIO) -> None:
    from .claims import jsonable

    for e in evidence:
        print(f"\n{label} {e.claim} ({report.kind(e.claim)}): {e}", file=out)
        if e.note:
            print(f"  note: {e.note}", file=out)
        for p in e.failing_parts():
            if p is not e and (str(p), p.note) != (str(e), e.note):
                print(f"  failing part: {p}" + (f" - {p.note}" if p.note else ""), file=out)
            print(f"  instance: {_format_instance(jsonable(p.instance))}", file=out)


def _cell(value: object) -> str | None:
    """Short text of a scalar or a short list of scalars; None for anything nested."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return str(value)
    if isinstance(value, (int, float)):
        return f"{value:.4g}"
    if isinstance(value, list) and len(value) <= 4 and all(isinstance(v, (int, float)) for v in value):
        return ",".join(f"{v:.3g}" for v in value)
    return None


def _number(x: Fraction | float) -> str:
    return f"{float(x):.6g}"


def _part_line(p: Evidence) -> str:
    line = (
        f"{_number(p.lhs)} {p.relation} {_number(p.rhs)} -> {p.verdict} ({p.guarantee}, margin {float(p.margin):.3g})"
    )
    return line + (f" - {p.note}" if p.note else "")


@fill_doc(_PARAMS)
def format_parts(evidence: Evidence) -> str:
    """One line per part of ``evidence`` (nested parts indented): both sides, relation, verdict, guarantee, note.

    A piece of evidence without parts is its own single part. Over several seeds the parts are the
    seeds' evidence, labelled by seed.

    %(evidence)s

    Returns
    -------
    str
        Newline-separated lines ``part <label>: lhs relation rhs -> verdict (guarantee, margin m) - note``,
        indented two spaces per nesting level; over several seeds the top-level parts are labelled
        ``seed <s>``.

    Examples
    --------
    >>> from otcheck.claims import Recorder
    >>> rec = Recorder("demo")
    >>> _ = rec.compare(1, 2, "<=", note="one is at most two")
    >>> print(format_parts(rec.evidence()))
      part 1: 1 <= 2 -> holds (proof, margin 1) - one is at most two
    """
    from .claims._html import _parts

    seeds = evidence.instance.get("seeds") if isinstance(evidence.instance, Mapping) else None
    by_seed = (
        isinstance(seeds, list)
        and bool(evidence.parts)
        and len(seeds) == len(evidence.parts)
        and "per_seed" in evidence.details
    )
    top = [f"seed {s}" for s in seeds] if by_seed and isinstance(seeds, list) else None
    lines = []
    for label, p in _parts(evidence):  # labels "1", "1.2", ...: depth first, as the notebook table
        depth = label.count(".") + 1
        name = top[int(label) - 1] if top is not None and depth == 1 else f"part {label}"
        lines.append("  " * depth + f"{name}: {_part_line(p)}")
    return "\n".join(lines)


@fill_doc(_PARAMS)
def format_details(evidence: Evidence) -> str:
    """Readable text of ``evidence.note``, ``evidence.details`` and its parts.

    Scalars print as ``key = value``; a list of dicts (one dict per row, e.g. one per epsilon)
    prints as a table of its scalar columns. Nested structures are left to ``--json``. Then every
    part (:func:`format_parts`): both sides, the relation, the verdict and its guarantee.

    %(evidence)s

    Returns
    -------
    str
        Newline-separated text: the header ``claim: note``, a ``key = value`` line (or a small table) per
        detail that has a readable form, then the parts as :func:`format_parts` writes them.
    """
    from .claims import jsonable

    lines = [f"{evidence.claim}: {evidence.note}" if evidence.note else f"{evidence.claim}:"]
    for key, raw in evidence.details.items():
        value = jsonable(raw)
        text = _cell(value)
        if text is not None:
            lines.append(f"  {key} = {text}")
        elif isinstance(value, list) and value and all(isinstance(r, dict) for r in value):
            cols = [k for k in value[0] if all(_cell(r.get(k)) is not None for r in value)]
            if not cols:
                continue
            rows = [[_cell(r.get(k)) or "" for k in cols] for r in value]  # every column has a cell: not None
            widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(cols)]
            lines.append(f"  {key}:")
            lines.append(("    " + "  ".join(c.ljust(w) for c, w in zip(cols, widths))).rstrip())
            lines.extend(("    " + "  ".join(x.ljust(w) for x, w in zip(r, widths))).rstrip() for r in rows)
    lines.append("  parts (lhs relation rhs -> verdict (guarantee, margin) - note):")
    lines.append(format_parts(evidence))
    return "\n".join(lines)


def _summary(report: Report, n: int, elapsed: float) -> str:
    from .claims._html import _verdict_counts

    seeds = f" over {len(report.seeds)} seeds" if len(report.seeds) > 1 else ""
    return f"\n{n} claims{seeds} in {elapsed:.1f} s: {_verdict_counts(report)}"
