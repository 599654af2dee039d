"""Running claims (layer 5): :func:`verify` and its :class:`Report` (table, JSON, Markdown and LaTeX views).

A :class:`Report` is a research artifact: its JSON (:meth:`Report.to_json`) carries every piece of
evidence (instances and counterexamples included), each claim's statement and location, the
seed(s), and where the numbers were computed (:func:`environment`: the versions of otcheck and
its numerical dependencies, the platform, a timestamp); :meth:`Report.from_json` reads it back
(rationals exactly), and ``otcheck diff OLD.json NEW.json`` compares two of them.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import math
import numbers
import platform
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..bounds import decode_number
from ._evidence import FAILS, HOLDS, UNDECIDED, Evidence, Number, jsonable
from ._registry import KINDS, registry

__all__ = ["Report", "verify", "environment", "latex_escape", "SEED_RULE"]

#: Distributions whose versions a report records (``None`` when one is not installed).
VERSIONED = ("otcheck", "numpy", "scipy", "POT", "cvxpy", "torch")

#: How :func:`verify` aggregates a claim over several seeds (also printed by ``otcheck verify --help``).
SEED_RULE = (
    "Over several seeds, each claim runs once per seed and its verdicts are aggregated: it fails when "
    "any seed gives a certified failure (a 'fails' whose guarantee is 'proof' or 'estimate'); F sampled "
    "failures (guarantee 'confidence', each at level 1 - alpha) among k seeds count as a failure only "
    "when they survive a multiplicity correction over the seeds, P[Binomial(k, alpha) >= F] <= alpha "
    "(for one failure among k seeds this probability is 1 - (1 - alpha)^k, Bonferroni's k*alpha to first "
    "order: never significant for k > 1; with one seed the rule is the single-run rule), and then the "
    "claim fails at confidence 1 - P; otherwise it is undecided when a seed is undecided or a sampled "
    "failure did not count, and holds when every seed holds (the row shows the tightest seed)."
)


def environment() -> dict[str, object]:
    """Where a report's numbers were computed: versions, platform and a UTC timestamp.

    Versions are read from the installed distributions' metadata
    (:func:`importlib.metadata.version`), which imports none of them (torch included); a
    distribution that is not installed has version ``None``.

    Returns
    -------
    dict
        ``{"versions": {"otcheck": ..., "numpy": ..., "scipy": ..., "POT": ..., "cvxpy": ...,
        "torch": ...}, "python": ..., "platform": ..., "machine": ..., "timestamp": ...}``.

    Examples
    --------
    >>> env = environment()
    >>> sorted(env["versions"]) == sorted(VERSIONED) and env["timestamp"].endswith("Z")
    True
    """
    versions: dict[str, str | None] = {}
    for dist in VERSIONED:
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = None
    loaded = getattr(sys.modules.get("otcheck"), "__version__", None)
    if isinstance(loaded, str):  # the package actually imported (a source checkout may not be installed)
        versions["otcheck"] = loaded
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    return {
        "versions": versions,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "timestamp": now.isoformat().replace("+00:00", "Z"),
    }


def _kind_of(claim_id: str) -> str:
    c = registry.get(claim_id)
    return c.kind if c is not None else "?"


def _claim_meta(claim_id: str) -> dict[str, str]:
    c = registry[claim_id]
    return {
        "kind": c.kind,
        "location": c.location,
        "statement": c.statement,
        "relation": c.relation,
        "section": c.section,
    }


def _shown_part(e: Evidence, relation: str) -> Evidence | None:
    """The first part (depth first) of ``e`` that compares with ``relation`` and has ``e``'s verdict."""
    for p in e.parts:
        if p.relation == relation and p.verdict == e.verdict:
            return p
        inner = _shown_part(p, relation)
        if inner is not None:
            return inner
    return None


#: LaTeX of the relations (text mode).
_LATEX_RELATIONS = {
    "==": "$=$",
    "<=": r"$\le$",
    ">=": r"$\ge$",
    "<": "$<$",
    ">": "$>$",
    "!=": r"$\ne$",
}

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}


def latex_escape(text: str) -> str:
    r"""``text`` as LaTeX that prints it literally (``_ & % $ # { } ~ ^ \ < > |`` escaped).

    Parameters
    ----------
    text : str
        Plain text (a claim's id, statement or message), not LaTeX; a non-str is a :class:`TypeError`.

    Returns
    -------
    str
        ``text`` with each of those characters replaced by its LaTeX escape (``\_``, ``\textbackslash{}``,
        ...), every other character unchanged.

    Examples
    --------
    >>> print(latex_escape("kr_duality & 50% of {x}"))
    kr\_duality \& 50\% of \{x\}
    """
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text)


def _latex_number(x: Number) -> str:
    v = float(x)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return r"$\infty$" if v > 0 else r"$-\infty$"
    text = f"{v:.6g}"
    mantissa, e, exponent = text.partition("e")
    if e:
        return rf"${mantissa} \times 10^{{{int(exponent)}}}$"
    return f"${text}$"


def _latex_relation(relation: str) -> str:
    return _LATEX_RELATIONS.get(relation, latex_escape(relation))


@dataclass(frozen=True)
class Report:
    """Evidence of a run of :func:`verify`, with the table, JSON, Markdown and LaTeX views.

    ``ok`` is false when any claim of kind ``"proposition"`` or ``"trained"`` fails, or when a
    claim raised an error (recorded in ``errors``); failing proof steps and conjectures are
    findings and undecided claims are reported, neither makes ``ok`` false.

    Attributes
    ----------
    evidence : tuple of Evidence
        One per claim run, in run order (over several seeds: the aggregate of each claim, with one
        part per seed; see :data:`SEED_RULE`).
    seed : int
        The seed every check received (the first one over several seeds).
    seconds : dict
        Wall time of each claim (summed over the seeds).
    errors : dict
        ``claim id -> "ExceptionType: message"`` for claims whose check raised (with
        ``verify(..., on_error="record")``).
    kinds : dict
        ``claim id -> kind`` at the time of the run.
    seeds : tuple of int
        Every seed run (``(seed,)`` when one).
    claims : dict
        ``claim id -> {"kind", "location", "statement", "relation", "section"}`` at the time of the
        run (the registry's, for claims not listed).
    meta : dict
        Where the numbers were computed (:func:`environment`), recorded when the report is made.
    """

    evidence: tuple[Evidence, ...]
    seed: int = 0
    seconds: Mapping[str, float] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    kinds: Mapping[str, str] = field(default_factory=dict)
    seeds: tuple[int, ...] = ()
    claims: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    meta: Mapping[str, object] = field(default_factory=environment)

    def __post_init__(self) -> None:
        if not self.seeds:
            object.__setattr__(self, "seeds", (self.seed,))

    def kind(self, claim_id: str) -> str:
        """Kind of a claim of this report (``"?"`` when unknown)."""
        return self.kinds.get(claim_id) or self.claims.get(claim_id, {}).get("kind") or _kind_of(claim_id)

    def relation(self, claim_id: str) -> str | None:
        """The relation the claim was registered with (None when unknown)."""
        meta = self.claims.get(claim_id)
        if meta is not None and meta.get("relation"):
            return meta["relation"]
        c = registry.get(claim_id)
        return c.relation if c is not None else None

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

    def _row(self, e: Evidence) -> tuple[str, str, Number, Number, Number]:
        """``(registered relation, relation of the sides shown, lhs, rhs, margin)`` of one claim's row."""
        registered = self.relation(e.claim) or e.relation
        if registered == e.relation:
            return registered, e.relation, e.lhs, e.rhs, e.margin
        part = _shown_part(e, registered)
        if part is not None:
            return registered, part.relation, part.lhs, part.rhs, part.margin
        return registered, e.relation, e.lhs, e.rhs, e.margin

    def rows(self) -> list[tuple[str, str, str, Number, Number, Number, str]]:
        """One tuple per claim: (id, kind, relation, lhs, rhs, margin, verdict).

        The relation is the one the claim was registered with. The sides are those of the
        comparison that decided the verdict; when that comparison has another relation (a claim
        ``<=`` decided by a failing ``==`` part) the sides are of the first part that compares with
        the registered relation and has the same verdict, and if there is none the relation reads
        ``"<= (==)"``: the claim's relation, then that of the sides and margin shown.
        """
        out = []
        for e in self.evidence:
            registered, shown, lhs, rhs, margin = self._row(e)
            rel = registered if shown == registered else f"{registered} ({shown})"
            out.append((e.claim, self.kind(e.claim), rel, lhs, rhs, margin, e.verdict))
        return out

    def to_table(self) -> str:
        """Plain-text table, one row per claim (errors as rows with verdict ``error``)."""
        head = ("claim", "kind", "relation", "lhs", "rhs", "margin", "verdict")
        body = [
            (i, k, r, f"{float(l):.6g}", f"{float(h):.6g}", f"{float(m):.3g}", v) for i, k, r, l, h, m, v in self.rows()
        ]
        body += [(i, self.kind(i), self.relation(i) or "", "", "", "", "error") for i in self.errors]
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

    def _repr_html_(self) -> str:
        """Jupyter: the verdict table, verdict cells coloured (holds green, fails red, undecided amber)."""
        from ._html import report_html

        return report_html(self)

    def _repr_markdown_(self) -> str:
        """Jupyter (Markdown): the verdict table, verdicts marked with symbols."""
        from ._html import report_markdown

        return report_markdown(self)

    def to_latex(self) -> str:
        r"""The claims table as a booktabs LaTeX ``tabular`` (for a paper's appendix).

        Columns: claim, location, relation, lhs, rhs, verdict (one row per claim, errors as rows
        with verdict ``error``); every text is escaped (:func:`latex_escape`), relations are
        typeset (``<=`` as ``$\le$``). Needs ``\usepackage{booktabs}``; comment lines above the
        table say which otcheck, seeds and date produced it.

        Returns
        -------
        str
            The LaTeX source: the comment lines, then ``\begin{tabular}`` to ``\end{tabular}`` with one row
            per claim and one per error; ends with a newline.
        """
        versions = self.meta.get("versions")
        version = versions.get("otcheck") if isinstance(versions, Mapping) else None
        lines = [
            f"% otcheck {version or '?'} claims table, seed(s) {', '.join(map(str, self.seeds))}, "
            f"{self.meta.get('timestamp', 'no timestamp')}",
            "% needs \\usepackage{booktabs}",
            r"\begin{tabular}{lllrrl}",
            r"\toprule",
            r"Claim & Location & Relation & LHS & RHS & Verdict \\",
            r"\midrule",
        ]
        for e in self.evidence:
            registered, shown, lhs, rhs, _ = self._row(e)
            rel = _latex_relation(registered)
            if shown != registered:
                rel += f" ({_latex_relation(shown)})"
            loc = self.claims.get(e.claim, {}).get("location") or self._location(e.claim)
            cells = [
                rf"\texttt{{{latex_escape(e.claim)}}}",
                latex_escape(loc),
                rel,
                _latex_number(lhs),
                _latex_number(rhs),
                latex_escape(e.verdict),
            ]
            lines.append(" & ".join(cells) + r" \\")
        for i in self.errors:
            err_rel = self.relation(i)
            cells = [
                rf"\texttt{{{latex_escape(i)}}}",
                latex_escape(self._location(i)),
                _latex_relation(err_rel) if err_rel else "",
                "",
                "",
                "error",
            ]
            lines.append(" & ".join(cells) + r" \\")
        lines += [r"\bottomrule", r"\end{tabular}"]
        return "\n".join(lines) + "\n"

    def _location(self, claim_id: str) -> str:
        meta = self.claims.get(claim_id)
        if meta is not None and meta.get("location"):
            return meta["location"]
        c = registry.get(claim_id)
        return c.location if c is not None else ""

    def _claims_dict(self) -> dict[str, dict[str, str]]:
        ids = list(dict.fromkeys([*self.kinds, *(e.claim for e in self.evidence), *self.errors]))
        out: dict[str, dict[str, str]] = {}
        for cid in ids:
            if cid in self.claims:
                out[cid] = {str(k): str(v) for k, v in self.claims[cid].items()}
            elif cid in registry:
                out[cid] = _claim_meta(cid)
        return out

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict: every piece of evidence (instances included), with its kind.

        Keys: ``meta`` (:func:`environment` at the time of the run), ``seed`` and ``seeds``, ``ok``,
        ``seconds``, ``failures``, ``findings``, ``errors``, ``claims`` (each claim's kind,
        location, statement, relation and section) and ``evidence`` (:meth:`Evidence.to_dict`
        of each claim, with its ``kind`` and its ``counterexamples``: the failing parts).
        """
        evidence = []
        for e in self.evidence:
            d = e.to_dict()
            d["kind"] = self.kind(e.claim)
            d["counterexamples"] = [p.to_dict() for p in e.failing_parts()]
            evidence.append(d)
        return {
            "meta": jsonable(dict(self.meta)),
            "seed": self.seed,
            "seeds": list(self.seeds),
            "ok": self.ok,
            "seconds": jsonable(self.seconds),
            "failures": [e.claim for e in self.failures],
            "findings": [e.claim for e in self.findings],
            "errors": dict(self.errors),
            "claims": self._claims_dict(),
            "evidence": evidence,
        }

    def to_json(self, indent: int | None = 2) -> str:
        """JSON with every field of every piece of evidence (instances and counterexamples included)."""
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_json(cls, text: str) -> Report:
        """Rebuild a report from :meth:`to_json` (rationals exactly, as Fractions).

        ``Report.from_json(r.to_json()).to_json() == r.to_json()``. A report written before the
        ``meta`` and ``claims`` keys existed reads back with those empty.

        Parameters
        ----------
        text : str
            The JSON text.

        Returns
        -------
        Report
            The report ``text`` was written from: evidence (rationals as Fractions), seeds, timings, errors,
            kinds, claims and ``meta``; its :meth:`to_json` gives back the same text.

        Raises
        ------
        ValueError
            ``text`` is not JSON, or not a report (the message names the field).
        TypeError
            ``text`` is not a string, or a field has the wrong type (the message names it).

        Examples
        --------
        >>> from fractions import Fraction
        >>> from otcheck.claims import Recorder
        >>> rec = Recorder("q")
        >>> _ = rec.compare(Fraction(1, 3), Fraction(1, 2), "<=")
        >>> r = Report((rec.evidence(),), kinds={"q": "proposition"})
        >>> back = Report.from_json(r.to_json())
        >>> back.evidence[0].lhs, back.to_json() == r.to_json()
        (Fraction(1, 3), True)
        """
        if not isinstance(text, str):
            raise TypeError(f"text: expected the JSON text of a report (a str), got {type(text).__name__}")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"text: not JSON ({exc})") from exc
        if not isinstance(data, dict) or not isinstance(data.get("evidence"), list):
            raise ValueError("text: not an otcheck report (expected an object with an 'evidence' list)")
        items = data["evidence"]
        if not all(isinstance(d, dict) for d in items):
            raise TypeError("evidence: expected a list of objects")
        evidence = tuple(Evidence.from_dict(d) for d in items)
        seed = data.get("seed", 0)
        if not _is_seed(seed):
            raise TypeError(f"seed: expected an integer >= 0, got {seed!r}")
        seeds = data.get("seeds", [seed])
        if not isinstance(seeds, list) or not all(_is_seed(s) for s in seeds):
            raise TypeError(f"seeds: expected a list of integers >= 0, got {seeds!r}")
        seconds = data.get("seconds", {})
        errors = data.get("errors", {})
        claims = data.get("claims", {})
        meta = data.get("meta", {})
        for name, value in (("seconds", seconds), ("errors", errors), ("claims", claims), ("meta", meta)):
            if not isinstance(value, dict):
                raise TypeError(f"{name}: expected an object, got {type(value).__name__}")
        if not all(isinstance(v, str) for v in errors.values()):
            raise TypeError("errors: expected claim id -> message (a string)")
        if not all(isinstance(v, dict) and all(isinstance(x, str) for x in v.values()) for v in claims.values()):
            raise TypeError("claims: expected claim id -> {field: text}")
        secs: dict[str, float] = {}
        for cid, s in seconds.items():
            v = decode_number(s)
            if isinstance(v, bool) or v is None:
                raise TypeError(f"seconds: expected a number for {cid!r}, got {s!r}")
            secs[cid] = float(v)
        kinds = {cid: m["kind"] for cid, m in claims.items() if "kind" in m}
        for d in items:
            if isinstance(d.get("kind"), str):
                kinds.setdefault(d["claim"], d["kind"])
        return cls(
            evidence=evidence,
            seed=int(seed),
            seconds=secs,
            errors=dict(errors),
            kinds=kinds,
            seeds=tuple(int(s) for s in seeds),
            claims={cid: dict(m) for cid, m in claims.items()},
            meta=meta,
        )


def _is_seed(x: object) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_)) and bool(x >= 0)


def _check_seeds(seed: object) -> tuple[int, ...]:
    """``seed`` (an integer >= 0 or a sequence of distinct ones) as a tuple."""
    if isinstance(seed, numbers.Integral) and not isinstance(seed, (bool, np.bool_)):
        seeds: tuple[object, ...] = (seed,)
    elif isinstance(seed, Sequence) and not isinstance(seed, (str, bytes)):
        seeds = tuple(seed)
        if not seeds:
            raise ValueError("seed: expected at least one seed, got an empty sequence")
    else:
        raise TypeError(f"seed: expected an integer >= 0 or a sequence of them, got {type(seed).__name__} {seed!r}")
    out: list[int] = []
    for s in seeds:
        if not isinstance(s, numbers.Integral) or isinstance(s, (bool, np.bool_)):
            raise TypeError(f"seed: expected integers >= 0, got {type(s).__name__} {s!r}")
        if s < 0:
            raise ValueError(f"seed: expected integers >= 0, got {s}")
        if int(s) in out:
            raise ValueError(f"seed: {s} is listed twice")
        out.append(int(s))
    return tuple(out)


def _binomial_tail(k: int, f: int, alpha: float) -> float:
    """``P[Binomial(k, alpha) >= f]``."""
    return min(1.0, sum(math.comb(k, j) * alpha**j * (1.0 - alpha) ** (k - j) for j in range(f, k + 1)))


def _aggregate(claim_id: str, runs: Sequence[tuple[int, Evidence]]) -> Evidence:
    """One piece of evidence for a claim run over several seeds (:data:`SEED_RULE`)."""
    k = len(runs)
    certified = [(s, e) for s, e in runs if e.verdict == FAILS and e.guarantee != "confidence"]
    sampled = [(s, e) for s, e in runs if e.verdict == FAILS and e.guarantee == "confidence"]
    undecided = [(s, e) for s, e in runs if e.verdict == UNDECIDED]
    confidence: float | None = None
    counted = False
    if certified:
        verdict, (seed, head) = FAILS, certified[0]
        note = f"certified failure on seed(s) {[s for s, _ in certified]} of {k}"
    elif sampled:
        seed, head = sampled[0]
        f = len(sampled)
        levels = [e.confidence for _, e in sampled]
        if any(c is None for c in levels):
            verdict = UNDECIDED
            note = f"{f} of {k} seeds fail from samples without a stated confidence level: not counted as a failure"
        else:
            alpha = max(1.0 - float(c) for c in levels if c is not None)
            p = _binomial_tail(k, f, alpha)
            if p <= alpha:
                verdict, counted, confidence = FAILS, True, 1.0 - p
                note = (
                    f"{f} of {k} seeds fail from samples (each at level {1 - alpha:.4g}); "
                    f"P[Binomial({k}, {alpha:.4g}) >= {f}] = {p:.3g} <= {alpha:.4g}: fails at confidence {1 - p:.4g}"
                )
            else:
                verdict = UNDECIDED
                note = (
                    f"{f} of {k} seeds fail from samples (each at level {1 - alpha:.4g}); not significant over "
                    f"{k} seeds: P[Binomial({k}, {alpha:.4g}) >= {f}] = {p:.3g} > {alpha:.4g}"
                )
    elif undecided:
        verdict, (seed, head) = UNDECIDED, undecided[0]
        note = f"undecided on seed(s) {[s for s, _ in undecided]} of {k}, no failure"
    else:
        verdict = HOLDS
        margins = [(float(e.margin), i) for i, (_, e) in enumerate(runs) if not math.isnan(float(e.margin))]
        seed, head = runs[min(margins)[1] if margins else 0]
        note = f"holds on all {k} seeds (the row shows seed {seed}, the tightest)"
    per_seed = [
        {
            "seed": s,
            "verdict": e.verdict,
            "guarantee": e.guarantee,
            "lhs": float(e.lhs),
            "rhs": float(e.rhs),
            "margin": float(e.margin),
        }
        for s, e in runs
    ]
    return Evidence(
        claim=claim_id,
        relation=head.relation,
        lhs=head.lhs,
        rhs=head.rhs,
        verdict=verdict,
        tolerance=head.tolerance,
        confidence=confidence if counted else head.confidence,
        lhs_ci=head.lhs_ci,
        rhs_ci=head.rhs_ci,
        method=head.method,
        instance={"seeds": [s for s, _ in runs], "seed": seed},
        details={"per_seed": per_seed, "rule": "SEED_RULE of otcheck.claims (otcheck verify --help)"},
        parts=tuple(e for _, e in runs),
        note=note,
        lhs_bound=head.lhs_bound,
        rhs_bound=head.rhs_bound,
        guarantee="confidence" if counted else head.guarantee,
    )


def verify(
    ids: str | Iterable[str] | None = None,
    seed: int | Sequence[int] = 0,
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
    seed : int or sequence of int
        Passed to every check (integers >= 0). Several seeds run each claim once per seed and
        aggregate the verdicts by :data:`SEED_RULE`: any certified failure fails the claim, sampled
        failures count only after a multiplicity correction over the seeds.
    kinds : tuple of str
        Which kinds to run when ``ids`` is omitted (``"trained"`` is left out by default).
    sizes : dict, optional
        ``{claim_id: {size_name: value}}`` overrides.
    progress : bool
        Show a tqdm bar (on stderr).
    on_error : {"raise", "record"}
        What to do when a check raises: re-raise, or record ``"Type: message"`` in
        ``Report.errors`` (which makes ``Report.ok`` false) and go on with the next claim (over
        several seeds the message starts with the seed that raised).

    Returns
    -------
    Report
        The evidence of each claim that completed, in the order run (over several seeds aggregated by
        :data:`SEED_RULE`), with the seconds per claim, the errors recorded (``on_error="record"``), each
        claim's kind and metadata, and the environment (``meta``); ``ok`` when no asserted claim fails and
        none raised.

    Raises
    ------
    KeyError
        An unknown id; the message lists the known ones.
    ValueError, TypeError
        A seed that is not an integer >= 0 (or a seed listed twice), an unknown kind or
        ``on_error``, sizes for a claim that is not run.

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
    >>> verify(["doc-demo"], seed=range(3)).evidence[0].note
    'holds on all 3 seeds (the row shows seed 0, the tightest)'
    >>> del registry["doc-demo"]
    """
    if on_error not in ("raise", "record"):
        raise ValueError(f"on_error: expected 'raise' or 'record', got {on_error!r}")
    seeds = _check_seeds(seed)
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
    meta = environment()
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
        runs: list[tuple[int, Evidence]] = []
        for s in seeds:
            try:
                runs.append((s, registry[cid].run(seed=s, **sizes.get(cid, {}))))
            except Exception as exc:  # noqa: BLE001 - recorded, never silent
                if on_error == "raise":
                    raise
                prefix = f"seed {s}: " if len(seeds) > 1 else ""
                errors[cid] = f"{prefix}{type(exc).__name__}: {exc}"
                break
        else:
            evidence.append(runs[0][1] if len(seeds) == 1 else _aggregate(cid, runs))
        seconds[cid] = time.perf_counter() - t0
    return Report(
        evidence=tuple(evidence),
        seed=seeds[0],
        seconds=seconds,
        errors=errors,
        kinds={cid: registry[cid].kind for cid in ids},
        seeds=seeds,
        claims={cid: _claim_meta(cid) for cid in ids},
        meta=meta,
    )
