"""Evidence of otcheck (layer 5): ``Evidence``, ``Recorder``, ``jsonable``; the decision rule re-exported.

:func:`decide` (in :mod:`otcheck.claims._decide`, re-exported here with the verdicts, the relations and
:func:`combine`) turns two :class:`~otcheck.bounds.Bound`\\ s and a relation into a verdict
(``holds``, ``fails``, ``undecided``); :class:`Evidence` records one such comparison (or a
:func:`combine`\\ d family of them) with the instance that decided it; a :class:`Recorder` collects
the comparisons of one claim's check and supplies the claim's id to each. :func:`jsonable` turns
evidence (and anything in it) into JSON-ready data. Nothing here solves anything.
"""

from __future__ import annotations

import contextvars
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import TYPE_CHECKING, TypedDict

import numpy as np

from ..bounds import Bound, decode_number, encode_number
from . import _decide
from ._decide import (
    FAILS,
    HOLDS,  # noqa: F401 (re-exported, as every name of _decide.__all__)
    RELATIONS,
    UNDECIDED,
    VERDICTS,
    BoundLike,
    Interval,
    Number,
    _as_bound,
    _check_one_of,
    _ci_bound,
    _provenance,
    _side,
    _slack,
    combine,
    decide,
    decide_interval,  # noqa: F401 (re-exported, as every name of _decide.__all__)
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = [
    "Evidence",
    "Recorder",
    "jsonable",
    "CompareFields",
    "EvidenceFields",
    "Headline",
    "EvidenceKeywords",
    "RecordKeywords",
]
__all__ += _decide.__all__  # the decision rule, re-exported (see the module docstring)


#: The id of the claim whose check is running (set by :meth:`Claim.run`, read by :class:`Recorder`).
_CURRENT: contextvars.ContextVar[str | None] = contextvars.ContextVar("otcheck_current_claim", default=None)


def jsonable(x: object) -> object:
    """``x`` as data :func:`json.dumps` accepts: numpy scalars and arrays, Fractions, Bounds, Evidence, containers.

    What :meth:`Evidence.to_dict`, :meth:`~otcheck.claims.Report.to_json` and ``otcheck verify --json``
    write. A :class:`~fractions.Fraction` becomes its exact string ``"p/q"`` (an integral one its
    digits), so a rational value survives a JSON round trip exactly
    (:func:`otcheck.bounds.decode_number`); a float is written by
    :func:`otcheck.bounds.encode_number` (infinities and NaN as strings); a
    :class:`~otcheck.bounds.Bound` or :class:`Evidence` becomes its ``to_dict()``; anything else
    unknown becomes its ``repr``.

    Examples
    --------
    >>> from fractions import Fraction
    >>> jsonable({"a": np.arange(2.0), "q": Fraction(1, 3), "k": np.int64(2)})
    {'a': [0.0, 1.0], 'q': '1/3', 'k': 2}
    """
    if isinstance(x, Bound):
        return x.to_dict()
    if isinstance(x, Fraction):
        return encode_number(x)
    if isinstance(x, np.ndarray):
        return jsonable(x.tolist())
    if isinstance(x, (np.floating,)):
        x = float(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.bool_,)):
        return bool(x)
    if isinstance(x, float):
        return encode_number(x)
    if isinstance(x, Mapping):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, Evidence):
        return x.to_dict()
    if x is None or isinstance(x, (str, int, bool)):
        return x
    return repr(x)


class _Provenance(TypedDict, total=False):
    confidence: float | None
    lhs_ci: Interval | None
    rhs_ci: Interval | None
    method: str


class _Context(TypedDict, total=False):
    instance: Mapping[str, object]
    details: Mapping[str, object]
    note: str


class CompareCIFields(_Context, total=False):
    """Keyword arguments of :meth:`Evidence.compare_ci`: optional fields of its :class:`Evidence`."""

    method: str


class CompareFields(_Provenance, _Context, total=False):
    """Optional fields of the :class:`Evidence` that :meth:`Evidence.compare` makes (its keyword arguments)."""


class EvidenceFields(CompareFields, total=False):
    """Optional fields of the :class:`Evidence` that :meth:`Evidence.all_of` makes (its keyword arguments)."""

    tolerance: float | None
    guarantee: str
    lhs_bound: Bound | None
    rhs_bound: Bound | None


class EvidenceKeywords(EvidenceFields, total=False):
    """Keyword arguments of :meth:`Recorder.evidence`: those of :meth:`Evidence.all_of`."""

    relation: str | None
    lhs: BoundLike | None
    rhs: BoundLike | None


class Headline(TypedDict):
    """The keyword arguments of :meth:`Recorder.evidence` that make a part the claim's headline row
    (:func:`otcheck.claims._common.headline`)."""

    relation: str
    lhs: BoundLike
    rhs: BoundLike
    lhs_bound: Bound | None
    rhs_bound: Bound | None
    method: str
    guarantee: str
    confidence: float | None
    tolerance: float | None
    lhs_ci: Interval | None
    rhs_ci: Interval | None


class DecideKeywords(_Provenance, total=False):
    """Keyword arguments of :meth:`Recorder.compare` passed on to :meth:`Evidence.compare`: :func:`decide`'s
    ``tol`` and ``scale``, and the provenance of plain numbers."""

    tol: float
    scale: float


class RecordKeywords(DecideKeywords, total=False):
    """Keyword arguments of :meth:`Recorder.compare` but ``note`` and ``details`` (what
    :func:`~otcheck.claims._common.record_worst` and :func:`~otcheck.claims._common.record_unless_it_fails`
    pass on)."""

    margin: float
    instance: Mapping[str, object] | None


@dataclass(frozen=True)
class Evidence:
    """What a claim's check found: two sides, a relation and a verdict, with the deciding instance.

    Attributes
    ----------
    claim : str
        The claim id.
    relation : str
        One of :data:`RELATIONS`.
    lhs, rhs : float or Fraction
        The two sides' values (a Fraction when exact and rational).
    verdict : str
        ``"holds"``, ``"fails"`` or ``"undecided"``.
    tolerance : float or None
        The margin the comparison allowed (0 when the bounds alone decided).
    confidence : float or None
        Joint confidence level, when a side is a confidence interval.
    lhs_ci, rhs_ci : tuple or None
        The two sides' intervals ``(lower, upper)``.
    method : str
        How the numbers were obtained: the provenance of the two bounds (e.g.
        ``"exact OT (emd), certified vs exact LP over encoders (HiGHS)"``).
    instance : dict
        What decided it, enough to replay the check (seed, sizes, and for a failure the arrays).
    details : dict
        Further numbers (tables, sequences) a user may want to see.
    parts : tuple of Evidence
        Sub-checks; a claim with parts has the :func:`combine`\\ d verdict of them.
    note : str
        One line a reader needs (which OCR reading was tested, a finding).
    lhs_bound, rhs_bound : Bound or None
        The two certified numbers compared.
    guarantee : str
        ``"proof"``, ``"confidence"`` or ``"estimate"``: the weaker of the two sides'.
    """

    claim: str
    relation: str
    lhs: Number
    rhs: Number
    verdict: str
    tolerance: float | None = None
    confidence: float | None = None
    lhs_ci: Interval | None = None
    rhs_ci: Interval | None = None
    method: str = "unspecified"
    instance: Mapping[str, object] = field(default_factory=dict)
    details: Mapping[str, object] = field(default_factory=dict)
    parts: tuple[Evidence, ...] = ()
    note: str = ""
    lhs_bound: Bound | None = None
    rhs_bound: Bound | None = None
    guarantee: str = "estimate"

    def __post_init__(self) -> None:
        _check_one_of(self.verdict, VERDICTS, "verdict")
        _check_one_of(self.relation, RELATIONS, "relation")

    @classmethod
    def compare(
        cls,
        claim: str,
        lhs: BoundLike,
        rhs: BoundLike,
        relation: str,
        *,
        tol: float = 0.0,
        scale: float = 1.0,
        margin: float = 0.0,
        **kw: Unpack[CompareFields],
    ) -> Evidence:
        """Evidence from two :class:`~otcheck.bounds.Bound`\\ s (or numbers), decided by :func:`decide`.

        With Bounds, ``method``, ``guarantee`` and ``confidence`` come from their provenance (passing
        ``method`` then is an error). With plain numbers ``method`` should say how they were
        obtained; it is ``"unspecified"`` otherwise. ``tol``/``scale`` are :func:`decide`'s (for plain
        numbers), ``margin`` an absolute margin stated by the claim.
        """
        L, R = _as_bound(lhs, "lhs"), _as_bound(rhs, "rhs")
        verdict = decide(L, R, relation, tol, scale, margin=margin)
        bounds = isinstance(lhs, Bound) or isinstance(rhs, Bound)
        if bounds:
            if "method" in kw:
                raise TypeError("method: comes from the bounds' provenance; do not pass it with Bounds")
            method, guarantee, confidence = _provenance(L, R)
            kw.setdefault("confidence", confidence)
            kw["method"] = method
        else:
            guarantee = (
                "proof"
                if (L.is_exact and R.is_exact and isinstance(L.value, Fraction) and isinstance(R.value, Fraction))
                else "estimate"
            )
        mags = [abs(float(x)) for x in (L.value, R.value) if math.isfinite(float(x))]
        tolerance = float(margin) + (float(tol) * max([float(scale)] + mags) if tol else 0.0)
        kw.setdefault("lhs_ci", (L.lower, L.upper) if not L.is_exact else None)
        kw.setdefault("rhs_ci", (R.lower, R.upper) if not R.is_exact else None)
        return cls(
            claim=claim,
            relation=relation,
            lhs=_side(L),
            rhs=_side(R),
            verdict=verdict,
            tolerance=tolerance,
            lhs_bound=L if bounds else None,
            rhs_bound=R if bounds else None,
            guarantee=guarantee,
            **kw,
        )

    @classmethod
    def compare_ci(
        cls,
        claim: str,
        lhs: float,
        rhs: float,
        relation: str,
        *,
        lhs_ci: Interval,
        rhs_ci: Interval,
        confidence: float,
        tol: float = 0.0,
        **kw: Unpack[CompareCIFields],
    ) -> Evidence:
        """Evidence for two sampled intervals at a stated ``confidence``: the same rule as :meth:`compare`
        (intervals are not tight; ``tol`` is an absolute margin)."""
        method = kw.pop("method", "sampled")
        left = _ci_bound(lhs, lhs_ci, confidence, method)
        right = _ci_bound(rhs, rhs_ci, confidence, method)
        return cls.compare(claim, left, right, relation, margin=tol, **kw)

    @classmethod
    def all_of(
        cls,
        claim: str,
        parts: Iterable[Evidence],
        *,
        relation: str | None = None,
        lhs: BoundLike | None = None,
        rhs: BoundLike | None = None,
        **kw: Unpack[EvidenceFields],
    ) -> Evidence:
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
        kw.setdefault("guarantee", head.guarantee)
        if lhs is None and rhs is None:
            kw.setdefault("lhs_bound", head.lhs_bound)
            kw.setdefault("rhs_bound", head.rhs_bound)
            kw.setdefault("lhs_ci", head.lhs_ci)
            kw.setdefault("rhs_ci", head.rhs_ci)
        elif isinstance(lhs, Bound) and isinstance(rhs, Bound):  # the headline's own provenance
            method, guarantee, confidence = _provenance(lhs, rhs)
            kw.update(
                {
                    "lhs_bound": lhs,
                    "rhs_bound": rhs,
                    "method": method,
                    "guarantee": guarantee,
                    "confidence": confidence,
                    "lhs_ci": None if lhs.is_exact else (lhs.lower, lhs.upper),
                    "rhs_ci": None if rhs.is_exact else (rhs.lower, rhs.upper),
                }
            )
        return cls(
            claim=claim,
            relation=relation or head.relation,
            lhs=head.lhs if lhs is None else _side(lhs),
            rhs=head.rhs if rhs is None else _side(rhs),
            verdict=verdict,
            parts=parts,
            **kw,
        )

    @property
    def margin(self) -> Number:
        """Signed slack of the relation: positive when it holds with room, negative when violated.

        ``rhs - lhs`` for ``<=``/``<``, ``lhs - rhs`` for ``>=``/``>``, ``-|lhs - rhs|`` for ``==``,
        ``|lhs - rhs|`` for ``!=``/``depends on``; NaN otherwise. Exact for rational sides.
        """
        l, r = self.lhs, self.rhs
        if isinstance(l, Fraction) and isinstance(r, Fraction):
            return _slack(self.relation, l, r)
        return _slack(self.relation, float(l), float(r))

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict of every field, parts included (rationals as exact strings)."""
        return {
            "claim": self.claim,
            "relation": self.relation,
            "lhs": jsonable(self.lhs),
            "rhs": jsonable(self.rhs),
            "margin": jsonable(self.margin),
            "verdict": self.verdict,
            "tolerance": jsonable(self.tolerance),
            "confidence": jsonable(self.confidence),
            "lhs_ci": jsonable(self.lhs_ci),
            "rhs_ci": jsonable(self.rhs_ci),
            "method": self.method,
            "guarantee": self.guarantee,
            "lhs_bound": jsonable(self.lhs_bound),
            "rhs_bound": jsonable(self.rhs_bound),
            "instance": jsonable(self.instance),
            "details": jsonable(self.details),
            "parts": [p.to_dict() for p in self.parts],
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, object]) -> Evidence:
        """Inverse of :meth:`to_dict` for the decided fields (rationals come back as Fractions).

        Raises
        ------
        TypeError
            A field of the wrong type (the message names it).
        """

        def num(x: object) -> Fraction | float | bool | None:
            return decode_number(x) if x is not None else None

        def side(x: object, name: str) -> Number:
            v = num(x)
            if v is None:
                raise TypeError(f"{name}: expected a number, got None")
            return v if isinstance(v, Fraction) else float(v)

        def ci(x: object, name: str) -> Interval | None:
            if x is None:
                return None
            if not isinstance(x, (list, tuple)):
                raise TypeError(f"{name}: expected a pair (lower, upper), got {type(x).__name__}")
            lo, hi = (side(t, name) for t in x)
            return lo, hi

        def text(name: str, default: str | None = None) -> str:
            x = d[name] if default is None else d.get(name, default)
            if not isinstance(x, str):
                raise TypeError(f"{name}: expected a string, got {type(x).__name__}")
            return x

        def mapping(name: str) -> Mapping[str, object]:
            x = d.get(name, {})
            if not isinstance(x, Mapping):
                raise TypeError(f"{name}: expected a dict, got {type(x).__name__}")
            return x

        def bound(name: str) -> Bound | None:
            x = d.get(name)
            if not x:
                return None
            if not isinstance(x, Mapping):
                raise TypeError(f"{name}: expected a dict, got {type(x).__name__}")
            return Bound.from_dict(x)

        tolerance, confidence, parts = num(d.get("tolerance")), d.get("confidence"), d.get("parts", ())
        if confidence is not None and not isinstance(confidence, (int, float)):
            raise TypeError(f"confidence: expected a number or None, got {type(confidence).__name__}")
        if not isinstance(parts, (list, tuple)) or not all(isinstance(p, Mapping) for p in parts):
            raise TypeError(f"parts: expected a list of dicts, got {parts!r}")
        return cls(
            claim=text("claim"),
            relation=text("relation"),
            lhs=side(d["lhs"], "lhs"),
            rhs=side(d["rhs"], "rhs"),
            verdict=text("verdict"),
            tolerance=None if tolerance is None else float(tolerance),
            confidence=confidence,
            lhs_ci=ci(d.get("lhs_ci"), "lhs_ci"),
            rhs_ci=ci(d.get("rhs_ci"), "rhs_ci"),
            method=text("method", "unspecified"),
            instance=mapping("instance"),
            details=mapping("details"),
            parts=tuple(cls.from_dict(p) for p in parts),
            note=text("note", ""),
            lhs_bound=bound("lhs_bound"),
            rhs_bound=bound("rhs_bound"),
            guarantee=text("guarantee", "estimate"),
        )

    def failing_parts(self) -> tuple[Evidence, ...]:
        """The innermost failing pieces of evidence (``self`` when it fails and has no failing part).

        A failing claim made of sub-checks is explained by these: each carries the instance that
        decided it, so printing them shows the counterexample.
        """
        if self.verdict != FAILS:
            return ()
        inner = tuple(q for p in self.parts for q in p.failing_parts())
        return inner or (self,)

    def _repr_html_(self) -> str:
        """Jupyter: the verdict and a table of the parts, verdict cells coloured (otcheck.claims._html)."""
        from ._html import evidence_html

        return evidence_html(self)

    def _repr_markdown_(self) -> str:
        """Jupyter (Markdown): the verdict and a table of the parts."""
        from ._html import evidence_markdown

        return evidence_markdown(self)

    def __str__(self) -> str:
        return (
            f"{self.claim}: {float(self.lhs):.6g} {self.relation} {float(self.rhs):.6g} -> {self.verdict} "
            f"(margin {float(self.margin):.3g}, {self.guarantee}: {self.method})"
        )


class Recorder:
    """Collects the comparisons of one claim's check and supplies the claim id to each.

    Inside a registered check the id comes from the claim being run, so a check writes
    ``rec = Recorder()`` once and then ``rec.compare(lhs_bound, rhs_bound, "<=")``; outside the
    registry pass the id. :meth:`evidence` combines the parts (:meth:`Evidence.all_of`).

    Examples
    --------
    >>> from otcheck.bounds import Bound
    >>> rec = Recorder("demo", instance={"seed": 0})
    >>> _ = rec.compare(Bound.exact(1), Bound.exact(2), "<=", note="one is at most two")
    >>> rec.evidence().verdict, rec.evidence().parts[0].instance
    ('holds', {'seed': 0})
    """

    def __init__(self, claim: str | None = None, *, instance: Mapping[str, object] | None = None) -> None:
        claim = claim if claim is not None else _CURRENT.get()
        if not isinstance(claim, str) or not claim:
            raise TypeError("claim: pass the claim id (no claim is being run by the registry)")
        self.claim = claim
        self.instance: dict[str, object] = dict(instance or {})
        self.parts: list[Evidence] = []

    def compare(
        self,
        lhs: BoundLike,
        rhs: BoundLike,
        relation: str,
        *,
        margin: float = 0.0,
        note: str = "",
        instance: Mapping[str, object] | None = None,
        details: Mapping[str, object] | None = None,
        **kw: Unpack[DecideKeywords],
    ) -> Evidence:
        """Record :meth:`Evidence.compare` of two bounds; returns the new part."""
        ev = Evidence.compare(
            self.claim,
            lhs,
            rhs,
            relation,
            margin=margin,
            note=note,
            instance=self.instance if instance is None else instance,
            details=details or {},
            **kw,
        )
        self.parts.append(ev)
        return ev

    def add(self, evidence: Evidence) -> Evidence:
        """Record a part built elsewhere (its claim id is replaced by this claim's)."""
        if not isinstance(evidence, Evidence):
            raise TypeError(f"evidence: expected Evidence, got {type(evidence).__name__}")
        ev = replace(evidence, claim=self.claim)
        self.parts.append(ev)
        return ev

    def undecided(
        self, lhs: BoundLike, rhs: BoundLike, relation: str, *, note: str, instance: Mapping[str, object] | None = None
    ) -> Evidence:
        """Record a part that cannot be decided (e.g. a solver that could not certify), with why."""
        L, R = _as_bound(lhs, "lhs"), _as_bound(rhs, "rhs")
        ev = Evidence(
            claim=self.claim,
            relation=relation,
            lhs=_side(L),
            rhs=_side(R),
            verdict=UNDECIDED,
            tolerance=0.0,
            method="not certified",
            instance=self.instance if instance is None else instance,
            note=note,
        )
        self.parts.append(ev)
        return ev

    def evidence(self, **kw: Unpack[EvidenceKeywords]) -> Evidence:
        """The claim's Evidence: every recorded part, combined."""
        kw.setdefault("instance", self.instance)
        return Evidence.all_of(self.claim, self.parts, **kw)
