"""The claims engine: ``Claim``, ``Evidence``, the registry, ``Report`` and ``verify``.

A claim is a small function ``check(seed=0, **sizes) -> Evidence``: it builds an instance, calls
the layers below, and compares two numbers under a relation. Nothing here solves anything.
"""

from __future__ import annotations

import inspect
import json
import math
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Mapping

import numpy as np

__all__ = [
    "Evidence", "Claim", "Report", "registry", "register", "verify",
    "decide", "decide_interval", "combine", "HOLDS", "FAILS", "UNDECIDED", "KINDS", "RELATIONS",
]

HOLDS, FAILS, UNDECIDED = "holds", "fails", "undecided"
VERDICTS = (HOLDS, FAILS, UNDECIDED)

#: What a claim is. Only a failing ``"proposition"`` (or ``"trained"``) makes ``verify`` fail:
#: a failing ``"step"`` (a displayed proof step) is a finding about the paper, and a
#: ``"conjecture"`` (e.g. footnote 2) is explored, not asserted.
KINDS = ("proposition", "step", "conjecture", "trained")

#: Relations a piece of evidence can assert.
RELATIONS = ("==", "<=", ">=", "<", ">", "!=", "depends on", "does not depend on", "exists")


def _plain(x):
    """Make numpy scalars/arrays and nested containers JSON-friendly."""
    if isinstance(x, np.ndarray):
        return _plain(x.tolist())
    if isinstance(x, (np.floating,)):
        x = float(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.bool_,)):
        return bool(x)
    if isinstance(x, float):
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x
    if isinstance(x, Mapping):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, Evidence):
        return x.to_dict()
    if x is None or isinstance(x, (str, int, bool)):
        return x
    return repr(x)


def decide(lhs, rhs, relation, tol, scale=1.0):
    r"""Verdict of ``lhs RELATION rhs`` for *certified* numbers (exact up to ``tol``).

    ``==`` holds when :math:`|l - r| \le tol \cdot \max(s, |l|, |r|)`; ``<=`` when
    :math:`l \le r + tol \cdot \max(s, |l|, |r|)`; ``<`` needs :math:`l < r - tol\cdot\ldots`
    (a strict inequality within tolerance is ``undecided``). Exact numbers never give
    ``undecided`` for ``==``, ``<=``, ``>=``. ``s = scale`` is the size of the problem's numbers
    (default 1, for instances of unit scale): certified values carry rounding relative to the
    problem, not to themselves, and a claim on an instance of another scale passes its own (with
    ``scale=1`` two values of size 1e-17 would compare equal whatever they are).

    ``"does not depend on"`` is ``==`` of two values (e.g. two minimizers at two parameters);
    ``"depends on"`` holds when they differ by more than the tolerance and fails otherwise;
    ``!=`` is ``undecided`` (not ``fails``) within tolerance. ``"exists"`` reads ``lhs`` as the
    number of witnesses found: it holds when ``lhs > 0`` and is ``undecided`` otherwise (a search
    that found nothing proves nothing).

    Examples
    --------
    >>> decide(1.0, 1.0 + 1e-12, "==", 1e-9), decide(2.0, 1.0, "<=", 1e-9), decide(1.0, 1.0, "<", 1e-9)
    ('holds', 'fails', 'undecided')
    """
    lhs, rhs = float(lhs), float(rhs)
    if math.isnan(lhs) or math.isnan(rhs):
        return UNDECIDED
    if math.isinf(lhs) or math.isinf(rhs):
        slack = 0.0
    else:
        slack = tol * max(float(scale), abs(lhs), abs(rhs))
    if relation in ("==", "does not depend on"):
        return HOLDS if (lhs == rhs or abs(lhs - rhs) <= slack) else FAILS
    if relation == "!=":
        return HOLDS if abs(lhs - rhs) > slack else UNDECIDED
    if relation == "depends on":
        return HOLDS if abs(lhs - rhs) > slack else FAILS
    if relation == "exists":
        return HOLDS if lhs > 0 else UNDECIDED
    if relation == "<=":
        return HOLDS if lhs <= rhs + slack else FAILS
    if relation == ">=":
        return HOLDS if lhs >= rhs - slack else FAILS
    if relation == "<":
        return HOLDS if lhs < rhs - slack else (FAILS if lhs > rhs + slack else UNDECIDED)
    if relation == ">":
        return HOLDS if lhs > rhs + slack else (FAILS if lhs < rhs - slack else UNDECIDED)
    raise ValueError(f"relation: {relation!r} cannot be decided from two numbers; expected one of {RELATIONS}")


def decide_interval(lhs_ci, rhs_ci, relation, tol=0.0):
    r"""Verdict of ``lhs RELATION rhs`` from two confidence intervals ``(low, high)``.

    ``<=`` holds when :math:`l_{high} \le r_{low} + tol`, fails when :math:`l_{low} > r_{high} + tol`,
    and is ``undecided`` otherwise (the intervals overlap at this sample size). The strict ``<``
    holds only when :math:`l_{high} < r_{low} - tol` (touching intervals, or overlap within the
    tolerance, leave it ``undecided``), as :func:`decide` does for exact numbers. ``==`` holds when
    both intervals lie within ``tol`` of each other (:math:`\max(l_{high}, r_{high}) -
    \min(l_{low}, r_{low}) \le tol`), fails when they are disjoint by more than ``tol``, and is
    ``undecided`` otherwise: sampled equality is only ever shown up to ``tol``. ``!=`` and
    ``"depends on"`` hold when the intervals are disjoint by more than ``tol`` and are
    ``undecided`` otherwise.

    Examples
    --------
    >>> decide_interval((0.9, 1.0), (1.1, 1.2), "<="), decide_interval((0.9, 1.15), (1.1, 1.2), "<=")
    ('holds', 'undecided')
    """
    (ll, lh), (rl, rh) = (map(float, lhs_ci)), (map(float, rhs_ci))
    if ll > lh or rl > rh:
        raise ValueError("lhs_ci, rhs_ci: each interval must be (low, high) with low <= high")
    if relation == "<=":
        return HOLDS if lh <= rl + tol else (FAILS if ll > rh + tol else UNDECIDED)
    if relation == ">=":
        return HOLDS if ll >= rh - tol else (FAILS if lh < rl - tol else UNDECIDED)
    if relation == "<":   # strict: the tolerance works against the claim, as in decide()
        return HOLDS if lh < rl - tol else (FAILS if ll > rh + tol else UNDECIDED)
    if relation == ">":
        return HOLDS if ll > rh + tol else (FAILS if lh < rl - tol else UNDECIDED)
    if relation in ("==", "does not depend on"):
        if max(lh, rh) - min(ll, rl) <= tol:
            return HOLDS
        return FAILS if (ll > rh + tol or rl > lh + tol) else UNDECIDED
    if relation in ("!=", "depends on"):
        return HOLDS if (ll > rh + tol or rl > lh + tol) else UNDECIDED
    raise ValueError(f"relation: {relation!r} cannot be decided from intervals")


def combine(verdicts):
    """``fails`` if any fails, else ``undecided`` if any is undecided, else ``holds``."""
    verdicts = list(verdicts)
    if not verdicts:
        raise ValueError("verdicts: nothing to combine")
    if FAILS in verdicts:
        return FAILS
    if UNDECIDED in verdicts:
        return UNDECIDED
    return HOLDS


@dataclass(frozen=True)
class Evidence:
    """What a claim's check found: two sides, a relation and a verdict, with the deciding instance.

    Attributes
    ----------
    claim : str
        The claim id.
    relation : str
        One of :data:`RELATIONS`.
    lhs, rhs : float
        The two sides (for ``"depends on"``-type relations, the two numbers compared, e.g. two
        minimizers).
    verdict : str
        ``"holds"``, ``"fails"`` or ``"undecided"``.
    tolerance : float or None
        Tolerance used for certified numbers.
    confidence : float or None
        Confidence level of the intervals for sampled numbers.
    lhs_ci, rhs_ci : tuple or None
        Confidence intervals of sampled sides.
    method : str
        How the numbers were obtained: ``"exact-discrete"``, ``"closed-form"``, ``"quadrature"``,
        ``"sampled"``, ``"trained"``.
    instance : dict
        What decided it, enough to replay the check (seed, sizes, and for a failure the arrays).
    details : dict
        Further numbers (tables, sequences) a user may want to see.
    parts : tuple of Evidence
        Sub-checks; a claim with parts has the :func:`combine`\\ d verdict of them.
    note : str
        One line a reader needs (which OCR reading was tested, a finding).
    """

    claim: str
    relation: str
    lhs: float
    rhs: float
    verdict: str
    tolerance: float | None = None
    confidence: float | None = None
    lhs_ci: tuple | None = None
    rhs_ci: tuple | None = None
    method: str = "exact-discrete"
    instance: Mapping = field(default_factory=dict)
    details: Mapping = field(default_factory=dict)
    parts: tuple = ()
    note: str = ""

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict: expected one of {VERDICTS}, got {self.verdict!r}")
        if self.relation not in RELATIONS:
            raise ValueError(f"relation: expected one of {RELATIONS}, got {self.relation!r}")

    @classmethod
    def compare(cls, claim, lhs, rhs, relation, *, tol, scale=1.0, **kw):
        """Evidence for certified numbers: the verdict comes from :func:`decide` (``scale`` as there)."""
        return cls(claim=claim, relation=relation, lhs=float(lhs), rhs=float(rhs),
                   verdict=decide(lhs, rhs, relation, tol, scale), tolerance=tol, **kw)

    @classmethod
    def compare_ci(cls, claim, lhs, rhs, relation, *, lhs_ci, rhs_ci, confidence, tol=0.0, **kw):
        """Evidence for sampled numbers: the verdict comes from :func:`decide_interval`."""
        kw.setdefault("method", "sampled")
        return cls(claim=claim, relation=relation, lhs=float(lhs), rhs=float(rhs),
                   verdict=decide_interval(lhs_ci, rhs_ci, relation, tol), tolerance=tol,
                   confidence=confidence, lhs_ci=tuple(map(float, lhs_ci)), rhs_ci=tuple(map(float, rhs_ci)), **kw)

    @classmethod
    def all_of(cls, claim, parts, *, relation=None, lhs=None, rhs=None, **kw):
        """Evidence made of sub-checks; verdict is :func:`combine` of theirs.

        The headline ``lhs``/``rhs``/``relation`` default to those of the first failing part (or
        the first part when all hold), so the table row shows what decided the verdict.
        """
        parts = tuple(parts)
        if not parts:
            raise ValueError("parts: a claim needs at least one sub-check")
        verdict = combine(p.verdict for p in parts)
        head = next((p for p in parts if p.verdict == verdict), parts[0])
        kw.setdefault("tolerance", head.tolerance)
        kw.setdefault("confidence", head.confidence)
        kw.setdefault("method", head.method)
        return cls(claim=claim, relation=relation or head.relation,
                   lhs=head.lhs if lhs is None else float(lhs), rhs=head.rhs if rhs is None else float(rhs),
                   verdict=verdict, parts=parts, **kw)

    @property
    def margin(self):
        """Signed slack of the relation: positive when it holds with room, negative when violated.

        ``rhs - lhs`` for ``<=``/``<``, ``lhs - rhs`` for ``>=``/``>``, ``-|lhs - rhs|`` for ``==``,
        ``|lhs - rhs|`` for ``!=``/``depends on``; NaN otherwise.
        """
        l, r = self.lhs, self.rhs
        if self.relation in ("<=", "<"):
            return r - l
        if self.relation in (">=", ">"):
            return l - r
        if self.relation in ("==", "does not depend on"):
            return -abs(l - r) if l != r else 0.0
        if self.relation in ("!=", "depends on"):
            return abs(l - r)
        return float("nan")

    def to_dict(self):
        """A JSON-ready dict of every field, parts included."""
        return {
            "claim": self.claim, "relation": self.relation, "lhs": _plain(self.lhs), "rhs": _plain(self.rhs),
            "margin": _plain(self.margin), "verdict": self.verdict, "tolerance": _plain(self.tolerance),
            "confidence": _plain(self.confidence), "lhs_ci": _plain(self.lhs_ci), "rhs_ci": _plain(self.rhs_ci),
            "method": self.method, "instance": _plain(self.instance), "details": _plain(self.details),
            "parts": [p.to_dict() for p in self.parts], "note": self.note,
        }

    def failing_parts(self):
        """The innermost failing pieces of evidence (``self`` when it fails and has no failing part).

        A failing claim made of sub-checks is explained by these: each carries the instance that
        decided it, so printing them shows the counterexample.
        """
        if self.verdict != FAILS:
            return ()
        inner = tuple(q for p in self.parts for q in p.failing_parts())
        return inner or (self,)

    def __str__(self):
        return (f"{self.claim}: {self.lhs:.6g} {self.relation} {self.rhs:.6g} -> {self.verdict} "
                f"(margin {self.margin:.3g}, {self.method})")


@dataclass(frozen=True)
class Claim:
    """A registered claim of the paper (or a user's).

    Attributes
    ----------
    id : str
        Stable id (CLAIMS.md).
    location : str
        Where in the paper, e.g. ``"Sec. 3.1, eq. 10-11"``.
    statement : str
        One line, in clean notation.
    relation : str
        The relation asserted (``"=="``, ``"<="``, ...).
    check : callable
        ``check(seed=0, **sizes) -> Evidence``.
    how : str
        How it is checked (one or two sentences, for the docs' claims page).
    kind : str
        One of :data:`KINDS`.
    section : str
        Paper section, for grouping (``"2"``, ``"3"``, ``"4"``, ``"A"``, ``"B"``).
    reading : str
        Which reading of the (OCR) formula is tested, when the text is ambiguous.
    """

    id: str
    location: str
    statement: str
    relation: str
    check: Callable = field(repr=False, compare=False)
    how: str = ""
    kind: str = "proposition"
    section: str = ""
    reading: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind: expected one of {KINDS}, got {self.kind!r}")
        if self.relation not in RELATIONS:
            raise ValueError(f"relation: expected one of {RELATIONS}, got {self.relation!r}")

    @property
    def sizes(self):
        """Default size parameters of ``check`` (every keyword argument but ``seed``), as a dict."""
        out = {}
        for name, p in inspect.signature(self.check).parameters.items():
            if name != "seed" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is not p.empty:
                out[name] = p.default
        return out

    def run(self, seed=0, **sizes):
        """Call ``check`` and make sure it returned Evidence for this claim.

        Raises
        ------
        TypeError
            A size keyword that ``check`` does not accept (the message lists the accepted ones),
            or ``check`` returned something other than :class:`Evidence`.
        """
        params = inspect.signature(self.check).parameters
        if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
            for name in sizes:
                if name not in params or name == "seed":
                    raise TypeError(f"{name}: unknown size for claim {self.id!r}; accepted: {sorted(self.sizes)}")
        ev = self.check(seed=seed, **sizes)
        if not isinstance(ev, Evidence):
            raise TypeError(f"claim {self.id!r}: check returned {type(ev).__name__}, expected Evidence")
        if ev.claim != self.id:
            ev = replace(ev, claim=self.id)
        return ev

    def to_dict(self):
        """Metadata for a docs page: every field but ``check``, plus the default ``sizes``."""
        return {"id": self.id, "location": self.location, "statement": self.statement,
                "relation": self.relation, "how": self.how, "kind": self.kind, "section": self.section,
                "reading": self.reading, "sizes": _plain(self.sizes)}


#: The registry: claim id -> :class:`Claim`, in registration order.
registry: dict = {}


def register(id, *, location, statement, relation, how="", kind="proposition", section="", reading="",
             replace_existing=False):
    """Decorator registering ``check(seed=0, **sizes) -> Evidence`` as claim ``id``.

    ``check`` receives the seed and any size overrides as keyword arguments; give every size a
    default (the size ``otcheck verify`` runs) and validate it (``ValueError``/``TypeError``
    naming the argument). ``how`` defaults to the first paragraph of ``check``'s docstring.

    Examples
    --------
    >>> from otcheck.claims import register, Evidence, registry
    >>> @register("my-triangle", location="user", statement="1 + 1 <= 3", relation="<=")
    ... def _check(seed=0):
    ...     return Evidence.compare("my-triangle", 1 + 1, 3, "<=", tol=0.0)
    >>> registry["my-triangle"].run().verdict
    'holds'
    >>> del registry["my-triangle"]
    """
    if not isinstance(id, str) or not id:
        raise TypeError("id: expected a non-empty string")
    if id in registry and not replace_existing:
        raise ValueError(f"id: claim {id!r} is already registered (pass replace_existing=True to override)")

    def deco(check):
        if not callable(check):
            raise TypeError(f"check: expected a callable, got {type(check).__name__}")
        registry[id] = Claim(id=id, location=location, statement=statement, relation=relation, check=check,
                             how=how or " ".join((check.__doc__ or "").strip().split("\n\n")[0].split()),
                             kind=kind, section=section, reading=reading)
        return check

    return deco


def _kind_of(claim_id):
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

    evidence: tuple
    seed: int = 0
    seconds: Mapping = field(default_factory=dict)
    errors: Mapping = field(default_factory=dict)
    kinds: Mapping = field(default_factory=dict)

    def kind(self, claim_id):
        """Kind of a claim of this report (``"?"`` when unknown)."""
        return self.kinds.get(claim_id) or _kind_of(claim_id)

    @property
    def ok(self):
        """No asserted claim fails and no claim raised."""
        return not self.failures and not self.errors

    @property
    def failures(self):
        """Evidence of asserted claims (``"proposition"``, ``"trained"``) that fail."""
        return tuple(e for e in self.evidence
                     if e.verdict == FAILS and self.kind(e.claim) in ("proposition", "trained"))

    @property
    def findings(self):
        """Evidence of failing proof steps and conjectures: reported, not fatal."""
        return tuple(e for e in self.evidence
                     if e.verdict == FAILS and self.kind(e.claim) not in ("proposition", "trained"))

    @property
    def undecided(self):
        """Evidence whose verdict is ``"undecided"``."""
        return tuple(e for e in self.evidence if e.verdict == UNDECIDED)

    def rows(self):
        """One tuple per claim: (id, kind, relation, lhs, rhs, margin, verdict)."""
        return [(e.claim, self.kind(e.claim), e.relation, e.lhs, e.rhs, e.margin, e.verdict)
                for e in self.evidence]

    def to_table(self):
        """Plain-text table, one row per claim (errors as rows with verdict ``error``)."""
        head = ("claim", "kind", "relation", "lhs", "rhs", "margin", "verdict")
        body = [(i, k, r, f"{l:.6g}", f"{h:.6g}", f"{m:.3g}", v) for i, k, r, l, h, m, v in self.rows()]
        body += [(i, self.kind(i), "", "", "", "", "error") for i in self.errors]
        widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
        line = lambda row: "  ".join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip()  # noqa: E731
        return "\n".join([line(head), line(["-" * w for w in widths])] + [line(r) for r in body])

    def to_markdown(self):
        """Markdown: the table of :meth:`to_table`, then every failing instance and error."""
        out = ["| claim | kind | relation | lhs | rhs | margin | verdict |", "|---|---|---|---|---|---|---|"]
        for i, k, r, l, h, m, v in self.rows():
            out.append(f"| `{i}` | {k} | `{r}` | {l:.6g} | {h:.6g} | {m:.3g} | {v} |")
        for i, msg in self.errors.items():
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
                    out += ["  " + ln for ln in json.dumps(_plain(p.instance), indent=2).splitlines()]
                    out.append("  ```")
                out.append("")
        if self.errors:
            out += ["", "## Errors", ""]
            out += [f"- `{i}`: {msg}" for i, msg in self.errors.items()]
        return "\n".join(out) + "\n"

    def to_dict(self):
        """JSON-ready dict: every piece of evidence (instances included), with its kind."""
        evidence = []
        for e in self.evidence:
            d = e.to_dict()
            d["kind"] = self.kind(e.claim)
            d["counterexamples"] = [p.to_dict() for p in e.failing_parts()]
            evidence.append(d)
        return {"seed": self.seed, "ok": self.ok, "seconds": _plain(self.seconds),
                "failures": [e.claim for e in self.failures], "findings": [e.claim for e in self.findings],
                "errors": dict(self.errors), "evidence": evidence}

    def to_json(self, indent=2):
        """JSON with every field of every piece of evidence (instances and counterexamples included)."""
        return json.dumps(self.to_dict(), indent=indent)


def verify(ids=None, seed=0, *, kinds=("proposition", "step", "conjecture"), sizes=None, progress=False,
           on_error="raise"):
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
    >>> from otcheck.claims import Evidence, register, registry, verify
    >>> @register("doc-demo", location="user", statement="2 == 2", relation="==")
    ... def _demo(seed=0):
    ...     return Evidence.compare("doc-demo", 2.0, 2.0, "==", tol=0.0)
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
    evidence, seconds, errors = [], {}, {}
    it = ids
    if progress:
        from tqdm.auto import tqdm

        it = tqdm(ids, desc="claims", unit="claim")
    for cid in it:
        if progress:
            it.set_postfix_str(cid)
        t0 = time.perf_counter()
        try:
            evidence.append(registry[cid].run(seed=seed, **sizes.get(cid, {})))
        except Exception as exc:  # noqa: BLE001 - recorded, never silent
            if on_error == "raise":
                raise
            errors[cid] = f"{type(exc).__name__}: {exc}"
        seconds[cid] = time.perf_counter() - t0
    return Report(evidence=tuple(evidence), seed=seed, seconds=seconds, errors=errors,
                  kinds={cid: registry[cid].kind for cid in ids})
