"""Notebook views of a :class:`~otcheck.claims.Report` and of :class:`~otcheck.claims.Evidence` (layer 5).

Jupyter shows an object through its ``_repr_html_`` (or ``_repr_markdown_``); these functions
build them: a verdict table whose verdict cells are coloured (holds green, fails red, undecided
amber, error grey), every text escaped. The HTML is well-formed XML (one ``<div>`` root), so a
test can parse it.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .._docs import fill_doc
from ._evidence import FAILS, HOLDS, UNDECIDED, Evidence, Number

if TYPE_CHECKING:
    from ._report import Report

__all__ = ["VERDICT_COLOURS", "VERDICT_MARKS", "report_html", "report_markdown", "evidence_html", "evidence_markdown"]

#: Background colour of a verdict cell (light, readable in light and dark notebook themes).
VERDICT_COLOURS = {HOLDS: "#c8e6c9", FAILS: "#ffcdd2", UNDECIDED: "#ffe0b2", "error": "#e0e0e0"}

#: How Markdown, which has no colours, marks a verdict.
VERDICT_MARKS = {HOLDS: "✅", FAILS: "❌", UNDECIDED: "❔", "error": "⚠️"}

_CELL = "padding:2px 8px;text-align:{align}"

# The parameter the views of a report (of one claim's evidence) take, documented once (each
# ``%(name)s`` line of a docstring below is replaced by its entry: :func:`otcheck._docs.fill_doc`).
_PARAMS = {
    "report": """Parameters
----------
report : Report
    The verdicts of one run (:func:`~otcheck.claims.verify`).""",
    "evidence": """Parameters
----------
evidence : Evidence
    One claim's evidence; its parts (or itself, when it has none) are the rows.""",
}


def _num(x: Number, digits: int = 6) -> str:
    v = float(x)
    return "nan" if math.isnan(v) else f"{v:.{digits}g}"


def _td(text: str, align: str = "left", extra: str = "") -> str:
    return f'<td style="{_CELL.format(align=align)}{extra}">{html.escape(text)}</td>'


def _verdict_td(verdict: str, label: str | None = None) -> str:
    colour = VERDICT_COLOURS.get(verdict, "#ffffff")
    return _td(label or verdict, extra=f";background-color:{colour};font-weight:bold;color:#000000")


def _table(head: Sequence[str], rows: Sequence[str], caption: str) -> str:
    th = "".join(f'<th style="{_CELL.format(align="left")}">{html.escape(h)}</th>' for h in head)
    body = "".join(rows)
    return (
        f'<div class="otcheck"><table style="border-collapse:collapse">'
        f'<caption style="text-align:left">{html.escape(caption)}</caption>'
        f"<thead><tr>{th}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _markdown(title: str, head: Sequence[str], rows: Sequence[str]) -> str:
    """A Markdown table of ``rows`` (each ``"| ... |"``) under the columns ``head``, after the line ``title``."""
    out = [title, "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head), *rows]
    return "\n".join(out) + "\n"


def _md_cell(text: str) -> str:
    """``text`` as one Markdown table cell: ``|`` escaped, line breaks folded."""
    return text.replace("|", "\\|").replace("\n", " ")


def _verdict_counts(report: Report) -> str:
    """``"3 hold, 1 fail (0 asserted, 1 findings), 0 undecided, 0 errors"``: the tally of a report's
    verdicts, in the words of the notebook caption and of the command line's summary line."""
    counts = {v: sum(e.verdict == v for e in report.evidence) for v in (HOLDS, FAILS, UNDECIDED)}
    return (
        f"{counts[HOLDS]} hold, {counts[FAILS]} fail ({len(report.failures)} asserted, {len(report.findings)} "
        f"findings), {counts[UNDECIDED]} undecided, {len(report.errors)} errors"
    )


def _caption(report: Report) -> str:
    seeds = f"seed {report.seeds[0]}" if len(report.seeds) == 1 else f"seeds {', '.join(map(str, report.seeds))}"
    versions = report.meta.get("versions")
    version = versions.get("otcheck") if isinstance(versions, Mapping) else None
    claims = len(report.evidence) + len(report.errors)
    return f"otcheck {version or '?'}, {seeds}: {claims} claims, {_verdict_counts(report)}"


def _label(report: Report, claim_id: str, verdict: str) -> str:
    """``"fails (finding)"`` for a failing step or conjecture: coloured as a failure, not fatal."""
    if verdict == FAILS and report.kind(claim_id) not in ("proposition", "trained"):
        return "fails (finding)"
    return verdict


@fill_doc(_PARAMS)
def report_html(report: Report) -> str:
    """HTML verdict table of ``report``: one row per claim (errors included), verdict cells coloured.

    %(report)s

    Returns
    -------
    str
        A ``<div>`` holding a ``<table>`` with columns claim, kind, relation, lhs, rhs, margin,
        guarantee, verdict and a caption with the counts, the seed(s) and otcheck's version.
    """
    guarantees = {e.claim: e.guarantee for e in report.evidence}
    rows = []
    for cid, kind, rel, lhs, rhs, margin, verdict in report.rows():
        rows.append(
            "<tr>"
            + _td(cid, extra=";font-family:monospace")
            + _td(kind)
            + _td(rel, extra=";font-family:monospace")
            + _td(_num(lhs), "right")
            + _td(_num(rhs), "right")
            + _td(_num(margin, 3), "right")
            + _td(guarantees.get(cid, ""))
            + _verdict_td(verdict, _label(report, cid, verdict))
            + "</tr>"
        )
    for cid, message in report.errors.items():
        rows.append(
            "<tr>"
            + _td(cid, extra=";font-family:monospace")
            + _td(report.kind(cid))
            + _td(report.relation(cid) or "", extra=";font-family:monospace")
            + _td(message).replace("<td ", '<td colspan="4" ', 1)
            + _verdict_td("error")
            + "</tr>"
        )
    head = ("claim", "kind", "relation", "lhs", "rhs", "margin", "guarantee", "verdict")
    return _table(head, rows, _caption(report))


@fill_doc(_PARAMS)
def report_markdown(report: Report) -> str:
    """Markdown verdict table of ``report`` (verdicts marked ✅ ❌ ❔ ⚠️, Markdown having no colours).

    %(report)s

    Returns
    -------
    str
        The Markdown: an italic caption (otcheck version, seeds, tally of verdicts), then a table with a row
        per claim (claim, kind, relation, lhs, rhs, margin, verdict) and a row per error; ends with a newline.
    """
    rows = []
    for cid, kind, rel, lhs, rhs, margin, verdict in report.rows():
        mark = VERDICT_MARKS.get(verdict, "")
        rows.append(
            f"| `{cid}` | {kind} | `{rel}` | {_num(lhs)} | {_num(rhs)} | {_num(margin, 3)} | "
            f"{mark} {_label(report, cid, verdict)} |"
        )
    for cid, message in report.errors.items():
        rows.append(f"| `{cid}` | {report.kind(cid)} | | {_md_cell(message)} | | | {VERDICT_MARKS['error']} error |")
    head = ("claim", "kind", "relation", "lhs", "rhs", "margin", "verdict")
    return _markdown(f"*{_caption(report)}*", head, rows)


#: The columns of a table of one claim's parts (:func:`evidence_html`, :func:`evidence_markdown`).
_PART_COLUMNS = ("part", "relation", "lhs", "rhs", "margin", "guarantee", "verdict", "note")


def _parts(e: Evidence) -> list[tuple[str, Evidence]]:
    """``(label, part)`` depth first, ``"1"``, ``"1.2"``, ...; a piece of evidence without parts is its own."""
    out: list[tuple[str, Evidence]] = []

    def walk(x: Evidence, prefix: str) -> None:
        for i, p in enumerate(x.parts, 1):
            out.append((f"{prefix}{i}", p))
            walk(p, f"{prefix}{i}.")

    walk(e, "")
    return out or [("1", e)]


@fill_doc(_PARAMS)
def evidence_html(evidence: Evidence) -> str:
    """HTML of one claim's evidence: a table of its parts (relation, both sides, margin, guarantee, verdict).

    %(evidence)s

    Returns
    -------
    str
        A ``<div>`` holding a ``<table>`` with one row per part (nested parts numbered ``1.2``),
        verdict cells coloured; the caption is the claim, its verdict and its note.
    """
    rows = [
        "<tr>"
        + _td(label)
        + _td(p.relation, extra=";font-family:monospace")
        + _td(_num(p.lhs), "right")
        + _td(_num(p.rhs), "right")
        + _td(_num(p.margin, 3), "right")
        + _td(p.guarantee)
        + _verdict_td(p.verdict)
        + _td(p.note)
        + "</tr>"
        for label, p in _parts(evidence)
    ]
    caption = f"{evidence.claim}: {evidence.verdict}" + (f" - {evidence.note}" if evidence.note else "")
    return _table(_PART_COLUMNS, rows, caption)


@fill_doc(_PARAMS)
def evidence_markdown(evidence: Evidence) -> str:
    """Markdown of one claim's evidence: its verdict, then a table of its parts.

    %(evidence)s

    Returns
    -------
    str
        The Markdown: a bold title (claim id, verdict and its mark, note), then a table with a row per part
        (nested parts numbered ``1.2``): part, relation, lhs, rhs, margin, guarantee, verdict, note; ends with
        a newline.
    """
    mark = VERDICT_MARKS.get(evidence.verdict, "")
    rows = []
    for label, p in _parts(evidence):
        rows.append(
            f"| {label} | `{p.relation}` | {_num(p.lhs)} | {_num(p.rhs)} | {_num(p.margin, 3)} | {p.guarantee} | "
            f"{VERDICT_MARKS.get(p.verdict, '')} {p.verdict} | {_md_cell(p.note)} |"
        )
    title = f"**`{evidence.claim}`**: {mark} {evidence.verdict}" + (f" - {evidence.note}" if evidence.note else "")
    return _markdown(title, _PART_COLUMNS, rows)
