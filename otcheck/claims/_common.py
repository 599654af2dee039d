r"""Helpers shared by the claims modules (layer 5): bounds of the numbers a check computes itself, and
how a check records a family of comparisons.

Every comparison of a claim is between two :class:`~otcheck.bounds.Bound`\ s. The lower layers
bring their own (``result.bound``); what a check computes itself -- a float64 sum, the max of
several numbers, an exact rational, a minimizer found by a 1-D search -- gets its bound here:

* :func:`float_bound`: a float64 evaluation of a closed form (:meth:`Bound.floating
  <otcheck.bounds.Bound.floating>` with the size of its inputs; infinity kept as a point);
* :func:`max_bound`, :func:`min_bound`: the extreme of several numbers known by bounds, and
  :func:`weighted_sum`: their weighted sum;
* :func:`rational_bound`: an exact rational as a proof at most one ulp wide;
* :func:`rounded_input`: a certified value of a float64 problem, widened by the rounding of a
  computed input (so that rounding never decides a comparison);
* :func:`argmin_bound` (with :func:`curvature`): the minimizer found by scipy's bounded Brent search;
* :func:`transport_bound`: the transport term of a penalized solve of eq. 12 (its ``.bound`` is for
  its value).

And for recording: :func:`record_worst` records, of a family of comparisons under one relation,
the one that decides them all; :func:`record_unless_it_fails` records a comparison whose failure
would prove nothing (as undecided); :func:`record_infinite` records two sides proven :math:`+\infty`;
:func:`headline` makes a part the claim's table row;
:func:`with_sizes` adds a check's seed and sizes to its evidence.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from fractions import Fraction
from typing import TYPE_CHECKING, SupportsFloat

import numpy as np
from numpy.typing import ArrayLike

from ..bounds import FLOAT_REL_ERROR, GUARANTEES, Bound
from ._evidence import FAILS, HOLDS, UNDECIDED, BoundLike, Evidence, Headline, Number, Recorder, RecordKeywords, decide

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..relaxed import RelaxedResult

__all__ = [
    "LOG4",
    "ZERO",
    "float_bound",
    "max_bound",
    "min_bound",
    "weighted_sum",
    "rational_bound",
    "rounded_input",
    "argmin_bound",
    "curvature",
    "transport_bound",
    "record_worst",
    "record_unless_it_fails",
    "record_infinite",
    "headline",
    "with_sizes",
]

#: :math:`\log 4` in float64 (eq. 4: :math:`D_{GAN} \le 2 D_{JS} - \log 4`).
LOG4 = float(np.log(4.0))

#: The exact zero, the right side of most "is zero" and "is positive" comparisons.
ZERO = Bound.exact(0.0)

_SQRT_EPS = math.sqrt(2.2e-16)  # the relative part of scipy's bounded Brent stopping rule


# --------------------------------------------------------------------------------------------
# bounds of numbers a check computes itself
# --------------------------------------------------------------------------------------------
def float_bound(value: SupportsFloat, scale: SupportsFloat, what: str) -> Bound:
    r"""A float64 evaluation of a closed form as a :class:`~otcheck.bounds.Bound` (:meth:`Bound.floating`).

    ``scale`` is the size of the numbers ``value`` was computed from; ``what`` names the formula.
    An infinite value (a KL divergence with :math:`p_i > 0 = q_i`) is exactly infinite: a point at
    infinity, never tight, so it decides only what infinity proves.

    Examples
    --------
    >>> b = float_bound(0.5, 1.0, "x")
    >>> b.guarantee, b.lower < 0.5 < b.upper, b.method
    ('estimate', True, 'closed form (float64): x')
    >>> float_bound(math.inf, math.inf, "KL").upper
    inf
    """
    method = f"closed form (float64): {what}"
    v = float(value)
    if math.isinf(v):
        return Bound(v, v, v, method=method, guarantee="estimate", tight=False)
    return Bound.floating(v, scale=float(scale), method=method)


def _extreme_bound(
    bounds: Iterable[Bound], pick: Callable[[Iterable[Number]], Number], what: str, method: str | None
) -> Bound:
    """Bound of ``pick`` (``max`` or ``min``) of numbers each known by a bound: ``[pick(lower), pick(upper)]``.

    The guarantee is the weakest of all (a confidence level by Bonferroni: all the intervals cover
    together with probability at least :math:`1 - \\sum_k \\alpha_k`); ``tight`` asks only the bounds
    that can be the extreme (a bound entirely below another's lower end cannot be the max, whatever
    its width).
    """
    bs = list(bounds)
    if not bs:
        raise ValueError("bounds: nothing to take the extreme of")
    lo, hi = pick(b.lower for b in bs), pick(b.upper for b in bs)
    contenders = [b for b in bs if (b.upper >= lo if pick is max else b.lower <= hi)]
    guarantee = max((b.guarantee for b in bs), key=GUARANTEES.index)
    confidence = 1.0 - sum(b.alpha for b in bs) if guarantee == "confidence" else None
    if method is None:
        methods = list(dict.fromkeys(b.method for b in bs))
        method = methods[0] if len(methods) == 1 else f"{what} of: " + "; ".join(methods)
    return Bound(
        min(max(pick(b.value for b in bs), lo), hi),
        lo,
        hi,
        method=method,
        guarantee=guarantee,
        confidence=confidence,
        tight=all(b.tight for b in contenders),
    )


def max_bound(bounds: Iterable[Bound], method: str | None = None) -> Bound:
    """The largest of several numbers known by bounds (``method``: how to name it; by default the
    bounds' own method when they share one).

    Examples
    --------
    >>> b = max_bound([Bound.exact(1), Bound.interval(0, 3, method="x")])
    >>> float(b.lower), float(b.upper), b.guarantee
    (1.0, 3.0, 'proof')
    """
    return _extreme_bound(bounds, max, "max", method)


def min_bound(bounds: Iterable[Bound], method: str | None = None) -> Bound:
    """The smallest of several numbers known by bounds (as :func:`max_bound`).

    Examples
    --------
    >>> b = min_bound([Bound.exact(1), Bound.interval(0, 3, method="x")])
    >>> float(b.lower), float(b.upper)
    (0.0, 1.0)
    """
    return _extreme_bound(bounds, min, "min", method)


def weighted_sum(weights: Iterable[SupportsFloat], bounds: Iterable[Bound]) -> Bound:
    r""":math:`\sum_i w_i B_i` for weights ``w`` (floats, taken at their values) and bounds ``B_i``, rounded outward.

    Examples
    --------
    >>> float(weighted_sum([0.5, 0.5], [Bound.exact(1.0), Bound.exact(3.0)]).value)
    2.0
    """
    terms = [float(w) * b for w, b in zip(weights, bounds)]
    if not terms:
        raise ValueError("bounds: nothing to sum")
    total = terms[0]
    for t in terms[1:]:  # no exact 0 to start from: it would turn floats into Fractions
        total = total + t
    return total


def rational_bound(x: Fraction | float, method: str) -> Bound:
    """A proof for the exact rational ``x`` (e.g. a sum of the given floats done in Fractions), as a float
    interval at most one ulp wide (so that it prints and serialises as floats).

    Examples
    --------
    >>> from fractions import Fraction
    >>> b = rational_bound(Fraction(1, 3), "one third")
    >>> b.guarantee, b.lower <= Fraction(1, 3) <= b.upper, float(b.upper - b.lower) <= 2 ** -54
    ('proof', True, True)
    """
    x = Fraction(x)
    v = float(x)
    lo = v if Fraction(v) <= x else math.nextafter(v, -math.inf)
    hi = v if Fraction(v) >= x else math.nextafter(v, math.inf)
    return Bound(v, lo, hi, method=method, guarantee="proof")


def rounded_input(bound: Bound, size: ArrayLike, what: str) -> Bound:
    r"""``bound`` (a certified value of the float64 problem as computed) plus the effect of rounding in a
    computed input, an estimate of :data:`~otcheck.bounds.FLOAT_REL_ERROR` times ``size``.

    ``size`` is the size of the input's entries, or the input itself (an array: its largest
    :math:`|C_{ij}|`). An OT optimum moves by at most :math:`\max|\Delta C|` when the costs move, and
    by at most :math:`(\max C - \min C)\|\delta\|_1` when a marginal moves by :math:`\delta` (aggregated
    or merged weights): used where two sides that are equal in exact arithmetic come from differently
    rounded inputs, so that rounding can never decide the comparison.

    Examples
    --------
    >>> b = rounded_input(Bound.exact(1.0), np.array([[0.0, 2.0]]), "C")
    >>> b.guarantee, b.lower < 1.0 < b.upper
    ('estimate', True)
    """
    arr = np.asarray(size, dtype=float)
    scale = (float(np.abs(arr).max()) if arr.size else 0.0) if arr.ndim else float(arr)
    return bound + float_bound(0.0, scale, f"rounding of {what}")


def argmin_bound(x: float, *, xatol: float, curvature: float, fscale: float, method: str, tight: bool = True) -> Bound:
    r"""The minimizer found by scipy's bounded Brent search, as an ``"estimate"``.

    Two errors: the search stops when the bracket around its best point has half-width at most
    :math:`2(\sqrt{\epsilon}\,|x| + \mathrm{xatol}/3)` (scipy's rule), and no search can tell apart
    points whose objective values differ by less than the objective's float error
    :math:`\delta f` = :data:`~otcheck.bounds.FLOAT_REL_ERROR` x ``fscale``: near a minimum of
    curvature :math:`f''` they lie within :math:`\sqrt{4\,\delta f / f''}`. One-sided (never tight)
    when the curvature is not positive.
    """
    x = float(x)
    if not (curvature > 0 and math.isfinite(curvature)):
        return Bound(x, -math.inf, math.inf, method=method, guarantee="estimate", tight=False)
    err = 2.0 * (_SQRT_EPS * abs(x) + xatol / 3.0) + math.sqrt(4.0 * FLOAT_REL_ERROR * fscale / curvature)
    return replace(Bound.estimate(x, err, method=method), tight=bool(tight))


def curvature(f: Callable[[float], float], x: float, h: float = 1e-4) -> float:
    """Second difference of ``f`` at ``x`` (step ``h``): the curvature :func:`argmin_bound` needs."""
    return (f(x + h) - 2.0 * f(x) + f(x - h)) / (h * h)


def transport_bound(r: RelaxedResult, C: ArrayLike) -> Bound:
    r"""The transport term :math:`T = \langle C, \hat P\rangle` of a penalized solve ``r`` of eq. 12 (a
    :class:`~otcheck.relaxed.RelaxedResult` for the costs ``C``), as an ``"estimate"`` of the optimum's.

    The returned plan :math:`\hat P` is optimal only within the solve's certified gap, the width of its
    ``.bound`` (the gap with the float error of both ends): for any :math:`Q` with
    :math:`F(Q_Z) \le F(\hat Q_Z)`, :math:`\langle C, Q\rangle + \lambda F(Q_Z) \ge W^\lambda \ge
    \text{value} - \text{gap}`. So :math:`T` bounds the constrained optimum at
    :math:`\mu = F(\hat Q_Z)` from above and :math:`T - \text{gap}` from below, and what an exact
    minimizer satisfies holds for :math:`\hat P` up to that gap: the interval is
    :math:`[T - \text{gap}, T]`, widened by :data:`~otcheck.bounds.FLOAT_REL_ERROR` times the size of
    its numbers (the cost scale, :math:`\lambda`, :math:`\max|C|` and :math:`|T|`) and by the plan's
    feasibility residual times :math:`\sum|C|`. Tight when the solve is certified.
    """
    C = np.asarray(C, dtype=float)
    cmax, csum = (float(np.abs(C).max()), float(np.abs(C).sum())) if C.size else (0.0, 0.0)
    err = FLOAT_REL_ERROR * (r.scale + abs(r.lam) + max(cmax, abs(r.transport))) + r.primal_residual * csum
    return Bound.interval(
        r.transport - float(r.bound.width) - err,
        r.transport + err,
        r.transport,
        guarantee="estimate",
        tight=bool(r.certified),
        method=f"transport term of the penalized optimum ({r.penalty}, lambda={r.lam:g}), within its certified gap",
    )


# --------------------------------------------------------------------------------------------
# recording
# --------------------------------------------------------------------------------------------
def _room(left: Bound, right: Bound, relation: str) -> float:
    """How comfortably ``left RELATION right`` is decided (larger is more comfortable)."""
    d = left - right
    lo, hi = float(d.lower), float(d.upper)
    if relation in ("<=", "<"):
        return -hi
    if relation in (">=", ">"):
        return lo
    if relation in ("==", "does not depend on"):
        return -max(abs(lo), abs(hi))
    return max(lo, -hi)  # "depends on", "!=": separation


def record_worst(
    rec: Recorder,
    pairs: Iterable[tuple[Bound, Bound]],
    relation: str,
    *,
    note: str,
    any_of: bool = False,
    details: Mapping[str, object] | None = None,
    instances: Sequence[Mapping[str, object]] | None = None,
    labels: Sequence[str] | None = None,
    **kw: Unpack[RecordKeywords],
) -> Evidence:
    """Record, of several ``(lhs, rhs)`` Bound pairs under one relation, the pair that decides them all.

    For a statement about *every* pair (the default) that is the first failing pair, else the first
    undecided one, else the holding pair with the least room; with ``any_of=True`` (the statement
    is about *some* pair, e.g. "depends on" for some entry) the priority is reversed. The part's
    verdict is therefore the verdict of the whole family; ``details`` records how many pairs were
    compared and their verdicts. ``instances`` (one per pair) gives the deciding pair's instance,
    ``labels`` (one per pair) names it in the note. Returns the recorded part.
    """
    pairs = list(pairs)
    if not pairs:
        raise ValueError("pairs: nothing to compare")
    for name, per_pair in (("instances", instances), ("labels", labels)):
        if per_pair is not None and len(per_pair) != len(pairs):
            raise ValueError(f"{name}: expected one per pair ({len(pairs)}), got {len(per_pair)}")
    verdicts = [decide(left, right, relation) for left, right in pairs]
    order = (HOLDS, UNDECIDED, FAILS) if any_of else (FAILS, UNDECIDED, HOLDS)
    verdict = next(v for v in order if v in verdicts)
    idx = [k for k, v in enumerate(verdicts) if v == verdict]
    pick = (max if any_of else min)(idx, key=lambda k: _room(pairs[k][0], pairs[k][1], relation))
    det: dict[str, object] = {
        "pairs_compared": len(pairs),
        "verdicts": {v: verdicts.count(v) for v in (HOLDS, FAILS, UNDECIDED) if v in verdicts},
        "deciding_pair": pick,
    }
    det.update(details or {})
    if instances is not None:
        kw["instance"] = instances[pick]
    which = f"pair {pick}" if labels is None else labels[pick]
    suffix = "" if len(pairs) == 1 else f" [deciding {which} of {len(pairs)}]"
    return rec.compare(*pairs[pick], relation, note=note + suffix, details=det, **kw)


def record_unless_it_fails(
    rec: Recorder, lhs: BoundLike, rhs: BoundLike, relation: str, *, note: str, why: str, **kw: Unpack[RecordKeywords]
) -> Evidence:
    """Record ``lhs RELATION rhs``; when it does not hold, record it as ``undecided`` with ``why`` added to its note.

    For a comparison whose failure is no counterexample (a limit not yet reached at the sizes run,
    a constant not yet settled at the smallest epsilon tried). Returns the recorded part.
    """
    part = rec.compare(lhs, rhs, relation, note=note, **kw)
    if part.verdict == HOLDS:
        return part
    part = replace(part, verdict=UNDECIDED, note=f"{note}; {why}")
    rec.parts[-1] = part
    return part


def record_infinite(
    rec: Recorder, relation: str, *, note: str, why: str, instance: Mapping[str, object] | None = None
) -> Evidence:
    r"""Record ``+inf RELATION +inf``, both sides proven infinite by ``why``, as the extended reals decide it.

    For a comparison whose two sides are :math:`+\infty` exactly for the same reason (an encoder that
    charges a code of prior mass 0: its VAE objective and its KL to the posterior), where the
    interval arithmetic of :func:`~otcheck.claims.decide` has only :math:`\infty - \infty` = NaN.
    ``==``, ``<=`` and ``>=`` hold; any other relation is refused (``ValueError``). Returns the part.

    Examples
    --------
    >>> rec = Recorder("demo")
    >>> record_infinite(rec, "==", note="both infinite", why="a code of mass 0").verdict
    'holds'
    """
    if relation not in ("==", "<=", ">="):
        raise ValueError(f"relation: +inf {relation} +inf is not decided as holding; expected '==', '<=' or '>='")
    if not why:
        raise ValueError("why: say what proves both sides infinite")
    method = f"exact: both sides +inf ({why})"
    inf = Bound(math.inf, math.inf, math.inf, method=method, guarantee="proof", tight=False)
    part = Evidence(
        claim=rec.claim,
        relation=relation,
        lhs=math.inf,
        rhs=math.inf,
        verdict=HOLDS,
        tolerance=0.0,
        method=method,
        instance=rec.instance if instance is None else instance,
        note=note,
        lhs_bound=inf,
        rhs_bound=inf,
        guarantee="proof",
    )
    rec.parts.append(part)
    return part


def headline(part: Evidence) -> Headline:
    """Keyword arguments of :meth:`Recorder.evidence <otcheck.claims.Recorder.evidence>` that make ``part``
    the claim's headline row (its relation, both sides with their bounds and provenance)."""
    return {
        "relation": part.relation,
        "lhs": part.lhs_bound if part.lhs_bound is not None else part.lhs,
        "rhs": part.rhs_bound if part.rhs_bound is not None else part.rhs,
        "lhs_bound": part.lhs_bound,
        "rhs_bound": part.rhs_bound,
        "method": part.method,
        "guarantee": part.guarantee,
        "confidence": part.confidence,
        "tolerance": part.tolerance,
        "lhs_ci": part.lhs_ci,
        "rhs_ci": part.rhs_ci,
    }


def with_sizes(ev: Evidence, **sizes: object) -> Evidence:
    """The evidence with the check's seed and sizes added to its instance (the parts keep theirs)."""
    return replace(ev, instance={**sizes, **dict(ev.instance)})
