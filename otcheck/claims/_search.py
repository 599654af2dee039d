r"""Seeded search for counterexamples to inequalities between divergences (layer 5, used by
:mod:`otcheck.claims.appendix_a_proofs`).

The appendix proofs cite inequalities :math:`\mathrm{lhs}(p, q) \le \mathrm{rhs}(p, q)` between
divergences of two probability vectors on the same finite support (Pinsker-type bounds,
:math:`D_{JS} \le \ldots`). :func:`search_pairs` evaluates the violation
:math:`\mathrm{lhs} - \mathrm{rhs}` over Diracs, disjoint laws, small perturbations of the uniform
law and Dirichlet draws, and reports the worst pair and the smallest counterexample. A search that
finds nothing proves nothing about the pairs it did not try; its worst violation is an
``"estimate"``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from .._validation import as_generator, check_positive_int
from ..bounds import Bound

__all__ = ["PairSearch", "search_pairs"]

#: float64 numpy array (the type of every array this module returns)
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class PairSearch:
    r"""Result of :func:`search_pairs`: the worst violation of an inequality over pairs of laws.

    Attributes
    ----------
    worst : float
        Largest ``violation(p, q)`` seen (positive means the inequality fails there).
    p, q : ndarray or None
        The pair attaining ``worst`` (None only when ``sizes`` was empty).
    counterexample : tuple or None
        ``(p, q, violation)``, the *smallest* violating pair found (fewest atoms, then simplest
        decimals), or None when nothing violated.
    checked : int
        Number of pairs evaluated.
    """

    worst: float
    p: FloatArray | None = field(repr=False)
    q: FloatArray | None = field(repr=False)
    counterexample: tuple[FloatArray, FloatArray, float] | None = field(repr=False, default=None)
    checked: int = 0

    @property
    def bound(self) -> Bound:
        """The worst violation found as a :class:`~otcheck.bounds.Bound` (float64, an ``"estimate"``;
        a search proves nothing about pairs it did not try)."""
        return Bound.floating(self.worst, method=f"worst violation over {self.checked} searched pairs (float64)")


def _simplest(
    violation: Callable[[FloatArray, FloatArray], float], p: FloatArray, q: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Round a violating pair to the fewest decimals at which it still violates."""
    for dec in (1, 2, 3):
        pr, qr = np.round(p, dec), np.round(q, dec)
        if np.all(pr >= 0) and np.all(qr >= 0) and pr.sum() > 0 and qr.sum() > 0:
            pr, qr = pr / pr.sum(), qr / qr.sum()
            if np.allclose(pr.sum(), 1) and violation(pr, qr) > 0:
                return pr, qr
    return p, q


def search_pairs(
    violation: Callable[[FloatArray, FloatArray], float],
    *,
    seed: int | np.random.Generator = 0,
    draws: int = 2000,
    sizes: Sequence[int] = (2, 3, 4),
) -> PairSearch:
    r"""Seeded search for pairs of probability vectors violating an inequality ``lhs(p, q) <= rhs(p, q)``.

    ``violation(p, q)`` returns ``lhs - rhs``. Candidates: Diracs and disjoint laws, small
    perturbations of the uniform law (the regime of Pinsker-type bounds), and Dirichlet draws of
    several concentrations, for each support size in ``sizes`` (smallest first). The smallest
    counterexample is the first violating pair of the smallest support, rounded to the fewest
    decimals at which it still violates.

    Parameters
    ----------
    violation : callable ``(p, q) -> float``
        ``lhs(p, q) - rhs(p, q)`` for two probability vectors of the same length: positive exactly where the
        inequality is violated.
    seed : int or numpy.random.Generator
        Draws the Dirichlet candidates (the other candidates are fixed).
    draws : int
        Random pairs per support size.
    sizes : sequence of int
        Support sizes, each >= 2.

    Returns
    -------
    PairSearch
        The largest ``violation(p, q)`` seen and the pair attaining it, the smallest violating pair (None when
        no candidate violated) and the number of pairs evaluated.

    Raises
    ------
    TypeError, ValueError
        A ``violation`` that is not callable, a bad ``seed``, ``draws`` or size (named).

    Examples
    --------
    >>> res = search_pairs(lambda p, q: abs(p - q).sum() - 2.0, draws=50)
    >>> res.counterexample is None, round(res.worst, 12)
    (True, 0.0)
    """
    rng = as_generator(seed)
    draws = check_positive_int(draws, "draws")
    if not callable(violation):
        raise TypeError(f"violation: expected a callable, got {type(violation).__name__}")
    worst, wp, wq, cex, checked = -math.inf, None, None, None, 0
    for n in sizes:
        n = check_positive_int(n, "sizes", minimum=2)
        cands = [(np.eye(n)[0], np.eye(n)[1])]
        u = np.full(n, 1.0 / n)
        for dlt in (0.3, 0.1, 0.01):
            e = np.zeros(n)
            e[0], e[1] = dlt / n, -dlt / n
            cands += [(u + e, u), (u, u + e)]
        for t in (0.9, 0.5, 0.2, 0.05):
            q = np.full(n, t / (n - 1))
            q[0] = 1 - t
            cands += [(np.eye(n)[0], q), (q, np.eye(n)[0])]
        for k in range(draws):
            alpha = (0.2, 1.0, 5.0)[k % 3]
            cands.append((rng.dirichlet(np.full(n, alpha)), rng.dirichlet(np.full(n, alpha))))
        for p, q in cands:
            v = float(violation(p, q))
            checked += 1
            if v > worst:
                worst, wp, wq = v, p, q
            if v > 0 and cex is None:
                sp, sq = _simplest(violation, p, q)
                cex = (sp, sq, float(violation(sp, sq)))
    return PairSearch(worst=worst, p=wp, q=wq, counterexample=cex, checked=checked)
