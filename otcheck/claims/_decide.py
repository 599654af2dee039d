"""The one decision rule of otcheck (layer 5): ``decide``, ``decide_interval``, ``combine``.

:func:`decide` turns two :class:`~otcheck.bounds.Bound`\\ s and a relation into a verdict
(``holds``, ``fails``, ``undecided``); :func:`combine` joins the verdicts of a family of comparisons.
Beside them, the helpers that read a comparison's two sides: a number as a :class:`~otcheck.bounds.Bound`,
the provenance (method, guarantee, confidence) of two bounds, a side's headline number, the signed slack
of a relation. :mod:`otcheck.claims._evidence` records the comparisons (``Evidence``, ``Recorder``) and
re-exports every public name of this module. Nothing here solves anything.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import TypeVar

import numpy as np

from ..bounds import Bound

__all__ = [
    "decide",
    "decide_interval",
    "combine",
    "HOLDS",
    "FAILS",
    "UNDECIDED",
    "VERDICTS",
    "RELATIONS",
    "BoundLike",
    "Number",
    "Interval",
]

#: An exact or float number: a side's value (:attr:`Evidence.lhs <otcheck.claims.Evidence.lhs>`), an end of an interval.
Number = Fraction | float

#: A side of a comparison: a :class:`~otcheck.bounds.Bound`, or a number (an ``int`` or a
#: :class:`~fractions.Fraction` is an exact point; a float is taken at its value).
BoundLike = Bound | Fraction | float | np.integer | np.floating

#: An interval ``(lower, upper)``.
Interval = tuple[Number, Number]

_N = TypeVar("_N", Fraction, float)

HOLDS, FAILS, UNDECIDED = "holds", "fails", "undecided"
VERDICTS = (HOLDS, FAILS, UNDECIDED)

#: Relations a piece of evidence can assert.
RELATIONS = ("==", "<=", ">=", "<", ">", "!=", "depends on", "does not depend on", "exists")


def _check_one_of(value: object, allowed: Sequence[str], name: str) -> None:
    """Raise ``ValueError`` naming ``name`` unless ``value`` is one of ``allowed``."""
    if value not in allowed:
        raise ValueError(f"{name}: expected one of {allowed}, got {value!r}")


def _as_bound(x: object, name: str) -> Bound:
    """A :class:`Bound` for a comparison side: Bounds as they are, exact numbers as proven points."""
    if isinstance(x, Bound):
        return x
    if isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{name}: expected a number or a Bound, got a bool")
    if isinstance(x, (Fraction, int, np.integer)) or (isinstance(x, numbers.Rational) and not isinstance(x, float)):
        return Bound.exact(
            Fraction(int(x.numerator), int(x.denominator)) if isinstance(x, numbers.Rational) else Fraction(int(x)),
            method="given number",
        )
    if isinstance(x, numbers.Real):
        v = float(x)
        if math.isnan(v):
            return Bound(math.nan, math.nan, math.nan, method="given number", tight=False)
        if math.isinf(v):
            return Bound(v, v, v, method="given number", tight=False)
        return Bound.exact(v, method="given number")
    raise TypeError(f"{name}: expected a number or a Bound, got {type(x).__name__}")


def _check_tol(tol: object, name: str = "tol") -> float:
    if isinstance(tol, (bool, np.bool_)) or not isinstance(tol, numbers.Real):
        raise TypeError(f"{name}: expected a real number >= 0, got {type(tol).__name__} {tol!r}")
    value = float(tol)
    if math.isfinite(value) and value >= 0:
        return value
    raise ValueError(f"{name}: must be a finite number >= 0, got {value!r}")


def _verdict(d: Bound, relation: str, m: float, tight: bool) -> str:
    """The one rule: verdict of ``lhs RELATION rhs`` from the interval ``d`` of ``lhs - rhs``.

    ``m >= 0`` is the margin (the tolerance the statement allows, absolute); ``tight`` says whether
    both sides met their own precision, so that overlapping intervals may count as agreeing.
    """
    lo, hi = d.lower, d.upper
    if any(isinstance(x, float) and math.isnan(x) for x in (lo, hi)):
        return UNDECIDED
    within = -m <= lo and hi <= m  # proven equal up to the margin
    overlap = lo <= m and hi >= -m  # not proven apart
    if relation in ("==", "does not depend on"):
        if within or (tight and overlap):
            return HOLDS
        return FAILS if not overlap else UNDECIDED
    if relation == "!=":
        return HOLDS if not overlap else UNDECIDED
    if relation == "depends on":
        if not overlap:
            return HOLDS
        return FAILS if (within or tight) else UNDECIDED
    if relation == "<=":
        if hi <= m or (tight and lo <= m):
            return HOLDS
        return FAILS if lo > m else UNDECIDED
    if relation == ">=":
        if lo >= -m or (tight and hi >= -m):
            return HOLDS
        return FAILS if hi < -m else UNDECIDED
    if relation == "<":  # strict: the margin works against the claim
        if hi < -m:
            return HOLDS
        return FAILS if lo >= m else UNDECIDED
    if relation == ">":
        if lo > m:
            return HOLDS
        return FAILS if hi <= -m else UNDECIDED
    raise ValueError(f"relation: {relation!r} cannot be decided from two numbers; expected one of {RELATIONS}")


def decide(
    lhs: BoundLike, rhs: BoundLike, relation: str, tol: float = 0.0, scale: float = 1.0, *, margin: float = 0.0
) -> str:
    r"""Verdict of ``lhs RELATION rhs``: the one decision rule of otcheck.

    ``lhs`` and ``rhs`` are :class:`~otcheck.bounds.Bound`\ s (or plain numbers: an ``int`` or a
    :class:`~fractions.Fraction` is an exact point and stays exact; a float is taken at its
    value). With :math:`[d_-, d_+]` the interval of ``lhs - rhs`` (rounded outward, exact for
    rationals) and :math:`m` the margin the statement allows,

    * ``<=`` holds when :math:`d_+ \le m` (proven), or when both sides are *tight* and
      :math:`d_- \le m` (agreeing to their certified precision); it fails only when
      :math:`d_- > m` (proven wrong), and is ``undecided`` otherwise;
    * ``==`` holds when :math:`[d_-, d_+] \subseteq [-m, m]`, or when both are tight and the
      intervals overlap within ``m``; it fails only when they are apart by more than ``m``;
    * ``<`` holds only when :math:`d_+ < -m` and fails when :math:`d_- \ge m` (a strict relation
      is never granted by overlap); ``>=`` and ``>`` mirror these;
    * ``!=`` holds when the intervals are apart by more than ``m`` (else undecided);
      ``"depends on"`` likewise, and fails when they agree (tight, or within ``m``);
      ``"does not depend on"`` is ``==``; ``"exists"`` holds when ``lhs > 0`` (a count of
      witnesses) and is undecided otherwise.

    So a ``fails`` is always proven (for a confidence bound: at its confidence level), a wide or
    one-sided bound never makes a relation hold by overlap, and a sampled interval (never tight)
    decides only what it proves.

    Parameters
    ----------
    lhs, rhs : Bound or number
        The two sides of the relation, ``lhs`` on the left: bounds with their intervals, or numbers taken as
        exact points (an ``int`` or ``Fraction`` exactly, a float at its value).
    relation : str
        One of :data:`RELATIONS`.
    tol : float, default 0
        For plain numbers: a relative tolerance, the margin is
        :math:`m = \mathrm{tol}\cdot\max(s, |l|, |r|)` with ``s = scale``. Must be finite and
        ``>= 0`` (a ``ValueError`` otherwise).
    scale : float, default 1
        The size of the problem's numbers, for ``tol``.
    margin : float, default 0
        An absolute margin stated by the claim (an equivalence margin for ``==``), added to the
        above.

    Examples
    --------
    >>> decide(1.0, 1.0 + 1e-12, "==", 1e-9), decide(2.0, 1.0, "<=", 1e-9), decide(1.0, 1.0, "<", 1e-9)
    ('holds', 'fails', 'undecided')
    >>> from fractions import Fraction as F
    >>> decide(F(1, 3) + F(1, 10**30), F(1, 3), "<=", 0)   # rationals stay exact
    'fails'
    """
    tol = _check_tol(tol)
    margin = _check_tol(margin, "margin")
    scale = _check_tol(scale, "scale")
    L, R = _as_bound(lhs, "lhs"), _as_bound(rhs, "rhs")
    m = margin
    if tol:
        mags = [abs(float(x)) for x in (L.value, R.value) if math.isfinite(float(x))]
        m += tol * max([scale] + mags)
    if relation not in RELATIONS:
        raise ValueError(f"relation: {relation!r} cannot be decided; expected one of {RELATIONS}")
    if relation == "exists":  # lhs counts witnesses found: a search that found nothing proves nothing
        return HOLDS if (L.value == L.value and L.value > 0) else UNDECIDED
    d = L - R
    return _verdict(d, relation, m, L.tight and R.tight)


def decide_interval(lhs_ci: Interval, rhs_ci: Interval, relation: str, tol: float = 0.0) -> str:
    r"""Verdict of ``lhs RELATION rhs`` from two intervals ``(low, high)``: :func:`decide` on them.

    The intervals are read as bounds that are not *tight* (sampled intervals), so a relation holds
    only when they prove it, with ``tol`` as an absolute margin: ``<=`` holds when
    :math:`l_{high} \le r_{low} + tol`, fails when :math:`l_{low} > r_{high} + tol`, and is
    ``undecided`` otherwise; ``==`` holds when every difference lies within ``tol``.

    Examples
    --------
    >>> decide_interval((0.9, 1.0), (1.1, 1.2), "<="), decide_interval((0.9, 1.15), (1.1, 1.2), "<=")
    ('holds', 'undecided')
    """
    (ll, lh), (rl, rh) = (map(float, lhs_ci)), (map(float, rhs_ci))
    if ll > lh or rl > rh:
        raise ValueError("lhs_ci, rhs_ci: each interval must be (low, high) with low <= high")
    left = Bound.interval(ll, lh, method="interval", guarantee="estimate", tight=ll == lh)
    right = Bound.interval(rl, rh, method="interval", guarantee="estimate", tight=rl == rh)
    return decide(left, right, relation, margin=_check_tol(tol))


def combine(verdicts: Iterable[str]) -> str:
    """``fails`` if any fails, else ``undecided`` if any is undecided, else ``holds``."""
    verdicts = list(verdicts)
    if not verdicts:
        raise ValueError("verdicts: nothing to combine")
    if FAILS in verdicts:
        return FAILS
    if UNDECIDED in verdicts:
        return UNDECIDED
    return HOLDS


def _provenance(left: Bound, right: Bound) -> tuple[str, str, float | None]:
    """``(method, guarantee, confidence)`` of a comparison, from its two bounds."""
    methods = [b.method for b in (left, right) if b.method != "given number" or not (b.is_exact and b.value == 0)]
    method = " vs ".join(dict.fromkeys(methods)) if methods else left.method
    gs = (left.guarantee, right.guarantee)
    if "estimate" in gs:
        return method, "estimate", None
    if "confidence" in gs:
        return method, "confidence", 1.0 - (left.alpha + right.alpha)
    return method, "proof", None


def _side(x: BoundLike) -> Number:
    """The headline number of a side: a Fraction stays a Fraction, everything else is a float."""
    v = x.value if isinstance(x, Bound) else x
    if isinstance(v, Fraction):
        return v
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return Fraction(int(v))
    return float(v)


def _slack(relation: str, l: _N, r: _N) -> _N | float:
    """:attr:`Evidence.margin <otcheck.claims.Evidence.margin>` of ``l RELATION r`` (exact for two Fractions)."""
    if relation in ("<=", "<"):
        return r - l
    if relation in (">=", ">"):
        return l - r
    if relation in ("==", "does not depend on"):
        return -abs(l - r) if l != r else 0.0
    if relation in ("!=", "depends on"):
        return abs(l - r)
    return float("nan")


def _ci_bound(value: float, ci: Interval, confidence: float, method: str) -> Bound:
    lo, hi = (float(t) for t in ci)
    if lo == hi:
        return Bound.exact(lo, method=method)
    return Bound.interval(
        lo, hi, float(value), method=method, guarantee="confidence", confidence=confidence, tight=False
    )
