"""Running claims (layer 5): :func:`verify` and its :class:`Report` (table, JSON and Markdown views)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ._evidence import FAILS, UNDECIDED, Evidence, Number, jsonable
from ._registry import KINDS, registry

__all__ = ["Report", "verify"]


def _kind_of(claim_id: str) -> str:
    c = registry.get(claim_id)
    return c.kind if c is not None else "?"


@dataclass(frozen=True)
class Report:
    """Evidence of a run of :func:`verify`, with the table, JSON and Markdown views.

    ``ok`` is false when any claim of kind ``"proposition"`` or ``"trained"`` fails, or when a
    claim raised an error (recorded in ``errors``); failing proof steps and conjectures are
    findings and undecided claims are reported, neither makes ``ok`` false.

    Attributes
    ----------
    evidence : tuple of Evidence
        One per claim run, in run order.
    seed : int
        The seed every check received.
    seconds : dict
        Wall time of each claim.
    errors : dict
        ``claim id -> "ExceptionType: message"`` for claims whose check raised (with
        ``verify(..., on_error="record")``).
    kinds : dict
        ``claim id -> kind`` at the time of the run.
    """

    evidence: tuple[Evidence, ...]
    seed: int = 0
    seconds: Mapping[str, float] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    kinds: Mapping[str, str] = field(default_factory=dict)

    def kind(self, claim_id: str) -> str:
        """Kind of a claim of this report (``"?"`` when unknown)."""
        return self.kinds.get(claim_id) or _kind_of(claim_id)

    @property
    def ok(self) -> bool:
        """No asserted claim fails and no claim raised."""
        return not self.failures and not self.errors

    @property
    def failures(self) -> tuple[Evidence, ...]:
        """Evidence of asserted claims (``"proposition"``, ``"trained"``) that fail."""
        return tuple(
            e for e in self.evidence if e.verdict == FAILS and self.kind(e.claim) in ("proposition", "trained")
        )

    @property
    def findings(self) -> tuple[Evidence, ...]:
        """Evidence of failing proof steps and conjectures: reported, not fatal."""
        return tuple(
            e for e in self.evidence if e.verdict == FAILS and self.kind(e.claim) not in ("proposition", "trained")
        )

    @property
    def undecided(self) -> tuple[Evidence, ...]:
        """Evidence whose verdict is ``"undecided"``."""
        return tuple(e for e in self.evidence if e.verdict == UNDECIDED)

    def rows(self) -> list[tuple[str, str, str, Number, Number, Number, str]]:
        """One tuple per claim: (id, kind, relation, lhs, rhs, margin, verdict)."""
        return [(e.claim, self.kind(e.claim), e.relation, e.lhs, e.rhs, e.margin, e.verdict) for e in self.evidence]

    def to_table(self) -> str:
        """Plain-text table, one row per claim (errors as rows with verdict ``error``)."""
        head = ("claim", "kind", "relation", "lhs", "rhs", "margin", "verdict")
        body = [
            (i, k, r, f"{float(l):.6g}", f"{float(h):.6g}", f"{float(m):.3g}", v) for i, k, r, l, h, m, v in self.rows()
        ]
        body += [(i, self.kind(i), "", "", "", "", "error") for i in self.errors]
        widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]

        def line(row: Iterable[object]) -> str:
            return "  ".join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip()

        return "\n".join([line(head), line(["-" * w for w in widths])] + [line(r) for r in body])

    def to_markdown(self) -> str:
        """Markdown: the table of :meth:`to_table`, then every failing instance and error."""
        out = ["| claim | kind | relation | lhs | rhs | margin | verdict |", "|---|---|---|---|---|---|---|"]
        for i, k, r, l, h, m, v in self.rows():
            out.append(f"| `{i}` | {k} | `{r}` | {float(l):.6g} | {float(h):.6g} | {float(m):.3g} | {v} |")
        for i in self.errors:
            out.append(f"| `{i}` | {self.kind(i)} | | | | | error |")
        bad = [e for e in self.evidence if e.verdict == FAILS]
        if bad:
            out += ["", "## Failing instances", ""]
            for e in bad:
                label = "failure" if self.kind(e.claim) in ("proposition", "trained") else "finding"
                out.append(f"### `{e.claim}` ({label})")
                out.append("")
                for p in e.failing_parts():
                    out.append(f"- {p}" + (f" — {p.note}" if p.note else ""))
                    out.append("")
                    out.append("  ```json")
                    out += ["  " + ln for ln in json.dumps(jsonable(p.instance), indent=2).splitlines()]
                    out.append("  ```")
                out.append("")
        if self.errors:
            out += ["", "## Errors", ""]
            out += [f"- `{i}`: {msg}" for i, msg in self.errors.items()]
        return "\n".join(out) + "\n"

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict: every piece of evidence (instances included), with its kind."""
        evidence = []
        for e in self.evidence:
            d = e.to_dict()
            d["kind"] = self.kind(e.claim)
            d["counterexamples"] = [p.to_dict() for p in e.failing_parts()]
            evidence.append(d)
        return {
            "seed": self.seed,
            "ok": self.ok,
            "seconds": jsonable(self.seconds),
            "failures": [e.claim for e in self.failures],
            "findings": [e.claim for e in self.findings],
            "errors": dict(self.errors),
            "evidence": evidence,
        }

    def to_json(self, indent: int | None = 2) -> str:
        """JSON with every field of every piece of evidence (instances and counterexamples included)."""
        return json.dumps(self.to_dict(), indent=indent)


def verify(
    ids: str | Iterable[str] | None = None,
    seed: int = 0,
    *,
    kinds: str | Sequence[str] = ("proposition", "step", "conjecture"),
    sizes: Mapping[str, Mapping[str, object]] | None = None,
    progress: bool = False,
    on_error: str = "raise",
) -> Report:
    """Run claims and collect their evidence.

    Parameters
    ----------
    ids : iterable of str, optional
        Claim ids; all registered claims of the given ``kinds`` when omitted.
    seed : int
        Passed to every check.
    kinds : tuple of str
        Which kinds to run when ``ids`` is omitted (``"trained"`` is left out by default).
    sizes : dict, optional
        ``{claim_id: {size_name: value}}`` overrides.
    progress : bool
        Show a tqdm bar (on stderr).
    on_error : {"raise", "record"}
        What to do when a check raises: re-raise, or record ``"Type: message"`` in
        ``Report.errors`` (which makes ``Report.ok`` false) and go on with the next claim.

    Returns
    -------
    Report

    Raises
    ------
    KeyError
        An unknown id; the message lists the known ones.

    Examples
    --------
    >>> from otcheck.claims import Recorder, register, registry, verify
    >>> @register("doc-demo", location="user", statement="2 == 2", relation="==")
    ... def _demo(seed=0):
    ...     rec = Recorder()
    ...     rec.compare(2.0, 2.0, "==")
    ...     return rec.evidence()
    >>> report = verify(["doc-demo"])
    >>> report.ok, report.rows()[0][-1]
    (True, 'holds')
    >>> del registry["doc-demo"]
    """
    if on_error not in ("raise", "record"):
        raise ValueError(f"on_error: expected 'raise' or 'record', got {on_error!r}")
    if isinstance(kinds, str):
        kinds = (kinds,)
    bad_kinds = [k for k in kinds if k not in KINDS]
    if bad_kinds:
        raise ValueError(f"kinds: unknown kind(s) {bad_kinds}; expected a subset of {KINDS}")
    if ids is None:
        ids = [k for k, c in registry.items() if c.kind in kinds]
    else:
        if isinstance(ids, str):
            ids = [ids]
        ids = list(ids)
        unknown = [i for i in ids if i not in registry]
        if unknown:
            raise KeyError(f"ids: unknown claim(s) {unknown}; known: {sorted(registry)}")
    sizes = sizes or {}
    stray = [k for k in sizes if k not in ids]
    if stray:
        raise ValueError(f"sizes: overrides for claim(s) {stray} that are not being run")
    evidence: list[Evidence] = []
    seconds: dict[str, float] = {}
    errors: dict[str, str] = {}
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(ids, desc="claims", unit="claim")
    for cid in ids if bar is None else bar:
        if bar is not None:
            bar.set_postfix_str(cid)
        t0 = time.perf_counter()
        try:
            evidence.append(registry[cid].run(seed=seed, **sizes.get(cid, {})))
        except Exception as exc:  # noqa: BLE001 - recorded, never silent
            if on_error == "raise":
                raise
            errors[cid] = f"{type(exc).__name__}: {exc}"
        seconds[cid] = time.perf_counter() - t0
    return Report(
        evidence=tuple(evidence),
        seed=seed,
        seconds=seconds,
        errors=errors,
        kinds={cid: registry[cid].kind for cid in ids},
    )
