r"""Claims of section 3.1 (the primal form of optimal transport): Lemma 6, its footnote 2, Theorem 1.

Notation (as in ``docs/claims.rst``): discrete :math:`P_X = \sum_i a_i \delta_{x_i}`, prior
:math:`P_Z = \sum_j b_j \delta_{z_j}`, decoder mean :math:`G`, and

.. math::

    W_c(P_X, P_G) = \min_{\Gamma \in \Pi(P_X, P_G)} \mathbb E_\Gamma c(X, Y), \qquad
    W_c^\dagger(P_X, P_G) = \min_{P \in \Pi(P_X, P_Z)} \mathbb E_{P}\, \mathbb E_{Y \sim P_G(\cdot|Z)} c(X, Y)

(eq. 9 with the tower rule of appendix B.1). A random decoder on a finite set
:math:`\{y_1, \dots, y_k\}` is a row-stochastic matrix :math:`D_{zy} = P_G(y|z)`; then
:math:`P_G = b^\top D` and :math:`W_c^\dagger` is the OT problem between ``a`` and ``b`` with the
averaged cost :math:`C D^\top` (:func:`~otcheck.claims._instances.decoder_cost`).

As in :mod:`otcheck.claims.section2`, each claim has a public function taking an explicit
instance (what the property tests call) and a registered seeded check (what ``otcheck verify`` runs).

Every comparison is between two :class:`~otcheck.bounds.Bound`\ s and decided by the one rule of
:func:`otcheck.claims.decide`; no comparison has a hand-set tolerance. Certified OT values are
proofs for the float64 problem solved (:attr:`otcheck.OTResult.bound`); where two sides that are equal
in exact arithmetic come from differently rounded inputs (a computed :math:`P_G = b^\top D`, merged
weights), the rounding of the input is added as an estimate
(:func:`~otcheck.claims._common.rounded_input`). Theorem 1's continuous case
(:mod:`otcheck.claims._theorem1_sampled`) is a confidence bound whose estimator bias is known
exactly, and :math:`W_c` of a Gaussian decoder is sampled with a bias proven one-sided (convexity,
:func:`~otcheck.claims._instances.gaussian_decoder_wc`); a sampled equality holds only as an
equivalence test with a margin stated in its note.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

import numpy as np
from numpy.typing import ArrayLike

from .._validation import (
    as_cost,
    as_float_array,
    as_generator,
    as_points,
    as_weights,
    check_nonnegative,
    check_positive_int,
)
from ..autoencoders import constrained_encoder
from ..bounds import Bound
from ..costs import CostLike, cost_matrix
from ..exact import solve_ot, wasserstein
from ..measures import DiscreteMeasure
from ._common import float_bound, headline, record_worst, rounded_input, with_sizes
from ._evidence import HOLDS, Evidence, Recorder, decide
from ._instances import (
    FloatArray,
    Seed,
    check_confidence,
    check_measures,
    decoder_cost,
    decoder_law,
    gauss_hermite_sqcost,
    gaussian_decoder_wc,
    random_decoder,
    random_measure,
    random_weights,
    seeded,
    two_row_vertex_costs,
)
from ._registry import register
from ._theorem1_sampled import theorem1_sampled

__all__ = ["lemma6", "footnote2_sets_coincide", "footnote2_search", "theorem1", "theorem1_sampled"]


# --------------------------------------------------------------------------------------------
# decoders, couplings and their defects (Lemma 6 and footnote 2)
# --------------------------------------------------------------------------------------------
def _check_decoder(D: ArrayLike, m: int, name: str = "D") -> FloatArray:
    D = as_float_array(D, name, ndim=2)
    if D.shape[0] != m:
        raise ValueError(f"{name}: has {D.shape[0]} rows, expected one per code ({m})")
    if np.any(D < 0) or np.any(np.abs(D.sum(1) - 1) > 1e-9):
        raise ValueError(f"{name}: rows must be probability vectors (row-stochastic)")
    return D


def _is_dirac(D: FloatArray, b: FloatArray) -> bool:
    """Every code of positive prior mass decodes to a single point."""
    return bool(np.all(((D > 0).sum(1) == 1) | (b == 0)))


def _dirac_lift(Gamma: FloatArray, b: FloatArray, D: FloatArray) -> FloatArray:
    r"""Constructive proof step of Lemma 6: for a Dirac decoder :math:`z \mapsto y(z)` and
    :math:`\Gamma \in \Pi(a, b^\top D)`, :math:`P(x, z) = \Gamma(x, y(z))\, b_z / \nu_{y(z)}` lies in
    :math:`\Pi(a, b)` and satisfies :math:`P D = \Gamma`."""
    y_of_z = D.argmax(1)
    nu = b @ D
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(nu[y_of_z] > 0, b / nu[y_of_z], 0.0)
    return Gamma[:, y_of_z] * share[None, :]


def _defects(P: FloatArray, a: FloatArray, b: FloatArray) -> tuple[float, float, float, float, float]:
    r"""``(row, col_inf, col_l1, neg_row, neg)`` of a matrix ``P`` as a coupling of ``(a, b)``:
    :math:`\|P\mathbf 1 - a\|_\infty`, :math:`\|P^\top\mathbf 1 - b\|_\infty`, :math:`\|P^\top\mathbf 1 - b\|_1`,
    :math:`\max_i \sum_j P_{ij}^-` and :math:`\max_{ij} P_{ij}^-` (all 0 for an exact coupling)."""
    neg = np.maximum(-P, 0.0)
    col = np.abs(P.sum(0) - b)
    return (
        float(np.abs(P.sum(1) - a).max()),
        float(col.max()),
        float(col.sum()),
        float(neg.sum(1).max()),
        float(neg.max()),
    )


def _input_defect(b: FloatArray, D: FloatArray) -> float:
    r""":math:`\delta = \max_z |\sum_y D_{zy} - 1| + |\sum_z b_z - 1|`: how far the given decoder and prior
    are from exact probability vectors (validated below ``2e-9``)."""
    return float(np.abs(D.sum(1) - 1).max()) + abs(float(b.sum()) - 1.0)


def _image_defect_allowed(P: FloatArray, a: FloatArray, b: FloatArray, D: FloatArray) -> float:
    r"""Largest coupling defect of :math:`\Gamma = P D` w.r.t. :math:`(a, \nu)`, :math:`\nu = b^\top D / s`,
    that the defects of ``P`` (w.r.t. ``(a, b)``) and of ``D`` allow, in exact arithmetic.

    With :math:`r = D\mathbf 1 - \mathbf 1` (:math:`|r_z| \le \rho`), :math:`s = b^\top D \mathbf 1`,
    :math:`|s - 1| \le 2\delta` (:func:`_input_defect`):
    :math:`\Gamma\mathbf 1 - a = (P\mathbf 1 - a) + P r`;
    :math:`\Gamma^\top\mathbf 1 - \nu = D^\top(P^\top\mathbf 1 - b) + (1 - 1/s) D^\top b`, whose entries are at
    most :math:`\|P^\top\mathbf 1 - b\|_1 \max D + |s - 1|`;
    :math:`\Gamma_{iy} \ge -\max D \sum_z P_{iz}^-`. For an exact coupling and an exact decoder it is 0.
    """
    row, _, col_l1, neg_row, _ = _defects(P, a, b)
    rho = float(np.abs(D.sum(1) - 1).max())
    dmax = float(D.max())
    return max(row + rho * float(np.abs(P).sum(1).max()), col_l1 * dmax + 2 * _input_defect(b, D), neg_row * dmax)


def _lift_defect_allowed(Gamma: FloatArray, a: FloatArray, nu: FloatArray, b: FloatArray, D: FloatArray) -> float:
    r"""Largest defect of the Dirac lift :math:`P` of ``Gamma`` (:func:`_dirac_lift`) -- as a coupling of
    ``(a, b)`` and in :math:`\|P D - \Gamma\|_\infty` -- that the defects of ``Gamma`` (w.r.t. ``(a, nu)``)
    and of the inputs allow, in exact arithmetic: :math:`(1 + 8\delta)\, e + 5\delta` with
    :math:`e = \max(\|\Gamma\mathbf 1 - a\|_\infty, \|\Gamma^\top\mathbf 1 - \nu\|_\infty, 2(n + k) \max\Gamma^-)`
    and :math:`\delta` of :func:`_input_defect` (valid for :math:`\delta \le 0.1`; here
    :math:`\delta \le 2\cdot 10^{-9}`). For an exact :math:`\Gamma` and exact inputs it is 0: the
    lift's row sums are :math:`\Gamma`'s, its column :math:`z` sums to :math:`(\Gamma^\top\mathbf 1)_{y(z)}
    b_z / \nu_{y(z)}`, and :math:`(P D)_{xy} = \Gamma_{xy}\, s`."""
    row, col, _, _, neg = _defects(Gamma, a, nu)
    e = max(row, col, 2 * (Gamma.shape[0] + Gamma.shape[1]) * neg)
    delta = _input_defect(b, D)
    return (1 + 8 * delta) * e + 5 * delta


def _coupling_residual(P: FloatArray, a: FloatArray, b: FloatArray) -> float:
    """``max(||P 1 - a||_inf, ||P^T 1 - b||_inf, max P^-)``: 0 for an exact coupling of ``(a, b)``."""
    row, col, _, _, neg = _defects(P, a, b)
    return max(row, col, neg)


# --------------------------------------------------------------------------------------------
# lemma6
# --------------------------------------------------------------------------------------------
def lemma6(
    a: ArrayLike,
    b: ArrayLike,
    C: ArrayLike,
    D: ArrayLike,
    *,
    couplings: Iterable[ArrayLike] = (),
    n_directions: int = 8,
    seed: Seed = 0,
) -> Evidence:
    r"""Evidence for Lemma 6 / eq. 9: :math:`\mathcal P_{X,Y} \subseteq \Pi(P_X, P_G)`, so :math:`W_c \le W_c^\dagger`.

    .. math::

        \mathcal P_{X,Y} = \{ P D : P \in \Pi(a, b) \} \subseteq \Pi(a, b^\top D), \qquad
        W_c = \min_{\Gamma \in \Pi(a, b^\top D)} \langle C, \Gamma\rangle \le
        \min_{P \in \Pi(a, b)} \langle C D^\top, P\rangle = W_c^\dagger

    Checked: both values certified and ordered (the :math:`W_c` side with an estimate of the rounding
    of the computed :math:`P_G = b^\top D`, :func:`~otcheck.claims._common.rounded_input`); the image
    :math:`P D` of the optimal plan of :math:`W_c^\dagger` and of every given coupling is a coupling of
    ``a`` and :math:`b^\top D` (its marginal defect is at most what the float defects of ``P`` and ``D``
    allow: 0 in exact arithmetic, :func:`_image_defect_allowed`) with the same cost (tower rule, two float64 sums
    with the size of :math:`|C||D|^\top|P|`). When the decoder is Dirac (each code decodes to one
    point), the sets coincide: the optimal plan of :math:`W_c` is lifted to :math:`\Pi(a, b)` by the
    proof's construction (:math:`P(x, z) = \Gamma(x, y(z)) b_z / \nu_{y(z)}`), and the support
    functions agree, :math:`W_c = W_c^\dagger` (certified values), for ``n_directions`` random cost matrices
    (any sign).

    Reading: :math:`\mathcal P_{X,Y}` is the set of :math:`(X, Y)`-marginals of laws of
    :math:`(X, Y, Z)` with :math:`X \sim P_X`, :math:`(Y, Z) \sim P_{G,Z}` and
    :math:`Y \perp X \mid Z`; on finite sets that is :math:`\{P D : P \in \Pi(a, b)\}`.

    Parameters
    ----------
    a : array_like, shape (n,)
        :math:`P_X`.
    b : array_like, shape (m,)
        :math:`P_Z`.
    C : array_like, shape (n, k)
        :math:`c(x_i, y_l)` on the decoder's output points.
    D : array_like, shape (m, k)
        Row-stochastic decoder :math:`P_G(y_l | z_j)`.
    couplings : sequence of array_like, each (n, m)
        Extra elements of :math:`\Pi(a, b)` whose images are checked (marginals within ``1e-9``).
    n_directions : int
        Random directions for the Dirac case.
    seed : int or Generator
        Draws those random cost matrices (standard normal entries, shape (n, k)); unused when the decoder is
        not Dirac.

    Returns
    -------
    Evidence
        Headline: :math:`W_c \le W_c^\dagger`, both certified (the rounding of :math:`P_G` included).
    """
    a = as_weights(a, "a")
    b = as_weights(b, "b")
    C = as_cost(C, "C")
    if C.shape[0] != a.size:
        raise ValueError(f"C: has {C.shape[0]} rows, expected len(a) = {a.size}")
    D = _check_decoder(D, b.size)
    if D.shape[1] != C.shape[1]:
        raise ValueError(f"D: has {D.shape[1]} columns, expected C's {C.shape[1]} output points")
    extra = []
    for k, P in enumerate(couplings):
        P = as_float_array(P, f"couplings[{k}]", ndim=2)
        if P.shape != (a.size, b.size):
            raise ValueError(f"couplings[{k}]: has shape {P.shape}, expected ({a.size}, {b.size})")
        if _coupling_residual(P, a, b) > 1e-9:
            raise ValueError(f"couplings[{k}]: is not a coupling of (a, b) (marginals or signs off by more than 1e-9)")
        extra.append(P)
    rng = as_generator(seed)
    nu = decoder_law(b, D)
    Cbar = decoder_cost(C, D)
    Wc = solve_ot(a, nu, C)
    Wd = solve_ot(a, b, Cbar)
    inst = {"a": a, "b": b, "C": C, "D": D}
    rec = Recorder("lemma6", instance=inst)
    wc = rounded_input(Wc.bound, C, "P_G = b^T D")
    rec.compare(
        wc, Wd.bound, "<=", note="W_c(P_X, P_G) <= W_c^dagger (eq. 9), both certified (P_G = b^T D computed in float64)"
    )
    for P in [Wd.plan, *extra]:
        Gam = P @ D
        rec.compare(
            float_bound(_coupling_residual(Gam, a, nu), 1.0, "marginal defect of P D"),
            float_bound(_image_defect_allowed(P, a, b, D), 1.0, "defect allowed by those of P and D"),
            "<=",
            instance={**inst, "P": P},
            note="P D is a coupling of (P_X, P_G): the inclusion, on this element (its defect is at most "
            "what P's and D's own rounding allow, 0 in exact arithmetic)",
        )
        size = float((np.abs(C) @ np.abs(D).T * np.abs(P)).sum())
        rec.compare(
            float_bound((C * Gam).sum(), size, "<C, P D>"),
            float_bound((Cbar * P).sum(), size, "<C D^T, P>"),
            "==",
            instance={**inst, "P": P},
            note="E_{P D} c(X, Y) = E_P E_{Y|Z} c(X, Y) (tower rule)",
        )
    dirac = _is_dirac(D, b)
    if dirac:
        P = _dirac_lift(Wc.plan, b, D)
        resid = max(_coupling_residual(P, a, b), float(np.abs(P @ D - Wc.plan).max()))
        rec.compare(
            float_bound(resid, 1.0, "defect of the lift (marginals, P D - Gamma)"),
            float_bound(_lift_defect_allowed(Wc.plan, a, nu, b, D), 1.0, "defect allowed by that of Gamma"),
            "<=",
            instance={**inst, "Gamma": Wc.plan},
            note="Dirac decoder: the optimal Gamma of W_c lifts to Pi(P_X, P_Z) with P D = Gamma",
        )
        rec.compare(wc, Wd.bound, "==", note="Dirac decoder: W_c = W_c^dagger")
        for r in range(check_positive_int(n_directions, "n_directions")):
            U = rng.normal(size=C.shape)
            shift = max(0.0, -U.min())
            lhs = solve_ot(a, nu, U + shift)
            rhs = solve_ot(a, b, decoder_cost(U + shift, D))
            rec.compare(
                rounded_input(lhs.bound, U + shift, "P_G = b^T D"),
                rhs.bound,
                "==",
                instance={**inst, "direction": U},
                note=f"Dirac decoder: support functions agree in random direction {r}",
            )
    return rec.evidence(**headline(rec.parts[0]), details={"W_c": Wc.cost, "W_dagger": Wd.cost, "dirac": dirac})


def _lemma6_gaussian(
    rec: Recorder,
    rng: np.random.Generator,
    n: int,
    m: int,
    sigma2: float,
    n_samples: int,
    reps: int,
    confidence: float,
) -> dict[str, object]:
    """Lemma 6 with a Gaussian decoder: exact W_dagger; W_c by quadrature (1-D) and sampled (d = 2), recorded
    in ``rec``; returns the details."""
    details: dict[str, object] = {}
    for dim in (1, 2):
        mu = random_measure(rng, n, dim)
        G = rng.uniform(-1, 1, size=(m, dim))
        b = random_weights(rng, m)
        Wd = solve_ot(mu.weights, b, gauss_hermite_sqcost(mu.atoms, G, sigma2))
        wc, det, how = gaussian_decoder_wc(
            mu, b, G, np.full(dim, sigma2), n_samples=n_samples, reps=reps, confidence=confidence, rng=rng
        )
        rec.compare(
            wc,
            Wd.bound,
            "<=",
            instance={"dim": dim, "x": mu.atoms, "a": mu.weights, "G": G, "b": b, "sigma2": sigma2},
            details=det,
            note=f"Gaussian decoder, d = {dim}: {how}",
        )
        if dim == 1:
            details["d1"] = {"W_c": det["W_c"], "W_c_error": det["error_bound"], "W_dagger": Wd.cost}
        else:
            details["d2"] = {"W_c_sampled": det["W_c_sampled"], "interval": det["interval"], "W_dagger": Wd.cost}
    return details


@register(
    "lemma6",
    location="App. B.1, Lemma 6; Sec. 3.1, eq. 9",
    section="3",
    relation="<=",
    statement="P_{X,Y} is a subset of P(P_X, P_G), hence W_c <= W_c^dagger; equal sets for Dirac decoders",
    reading="W_c^dagger = inf over P in P(P_X, P_Z) of E_P E_{Y ~ P_G(.|Z)} c(X, Y) (eq. 9 with the tower rule "
    "of B.1); sets compared through their support functions.",
)
def _check_lemma6(
    seed: Seed = 0,
    n: int = 5,
    m: int = 4,
    k: int = 5,
    dim: int = 2,
    sigma2: float = 0.3,
    n_samples: int = 150,
    reps: int = 6,
    confidence: float = 0.95,
) -> Evidence:
    """Exact on random discrete instances with non-Dirac and Dirac decoders on finite output sets (images of couplings
    are couplings; Dirac: the proof's lift and equal support functions); with Gaussian decoders W_c by 1-D
    quadrature (error bound) and, in d = 2, from samples with an interval whose one-sided bias is proven
    (convexity)."""
    rng, (n, m, k, dim, n_samples) = seeded(seed, n=n, m=m, k=k, dim=dim, n_samples=n_samples)
    sigma2 = check_nonnegative(sigma2, "sigma2", strict=True)
    reps = check_positive_int(reps, "reps", minimum=2)
    confidence = check_confidence(confidence)
    mu = random_measure(rng, n, dim)
    b = random_weights(rng, m)
    Y = rng.uniform(-1, 1, size=(k, dim))
    C = cost_matrix(mu.atoms, Y)
    couplings = [np.outer(mu.weights, b)]
    ev_rand = lemma6(mu.weights, b, C, random_decoder(rng, m, k), couplings=couplings, seed=rng)
    ev_dirac = lemma6(mu.weights, b, C, random_decoder(rng, m, k, dirac=True), couplings=couplings, seed=rng)
    rec = Recorder()
    rand = rec.add(replace(ev_rand, note=f"random decoder on {k} output points (non-Dirac)"))
    rec.add(replace(ev_dirac, note=f"Dirac decoder on {k} output points"))
    g_details = _lemma6_gaussian(rec, rng, n, m, sigma2, n_samples, reps, confidence)
    ev = rec.evidence(
        **headline(rand),
        details={"random_decoder": ev_rand.details, "dirac_decoder": ev_dirac.details, "gaussian_decoder": g_details},
    )
    return with_sizes(ev, seed=seed, n=n, m=m, k=k, dim=dim, sigma2=sigma2)


# --------------------------------------------------------------------------------------------
# lemma6 footnote 2 (conjecture)
# --------------------------------------------------------------------------------------------
def _footnote2_directions(a: ArrayLike, b: ArrayLike, D: ArrayLike) -> list[tuple[FloatArray, Bound, Bound]]:
    """``[(U, min over Pi(a, nu), min over P_{X,Y})]`` (Bounds of certified OT values, the first with the
    rounding of the computed :math:`\nu`) for every vertex direction."""
    a = as_weights(a, "a", n=2)
    b = as_weights(b, "b")
    D = _check_decoder(D, b.size)
    nu = b @ D
    keep = nu > 0
    Dk, nuk = D[:, keep], nu[keep] / nu[keep].sum()
    return [
        (U, rounded_input(solve_ot(a, nuk, U).bound, U, "P_G = b^T D"), solve_ot(a, b, decoder_cost(U, Dk)).bound)
        for U in two_row_vertex_costs(int(keep.sum()))
    ]


def _record_footnote2_directions(rec: Recorder, a: ArrayLike, b: ArrayLike, D: ArrayLike, label: str) -> None:
    """Record one part per vertex direction: min over P_{X,Y} == min over Pi(P_X, P_G) (certified)."""
    for r, (U, over_pi, over_pxy) in enumerate(_footnote2_directions(a, b, D)):
        rec.compare(
            over_pxy,
            over_pi,
            "==",
            instance={"a": a, "b": b, "D": D, "direction": U},
            note=f"{label}: vertex direction {r} is reached by P_{{X,Y}} (min over P_{{X,Y}} = min over P(P_X, P_G))",
        )


def footnote2_sets_coincide(a: ArrayLike, b: ArrayLike, D: ArrayLike) -> tuple[bool, float]:
    r"""Decide :math:`\mathcal P_{X,Y} = \Pi(P_X, P_G)` exactly for a two-atom :math:`P_X`.

    :math:`\mathcal P_{X,Y} = \{P D : P \in \Pi(a, b)\}` is a convex subset of the polytope
    :math:`\Pi(a, \nu)`, :math:`\nu = b^\top D`. They are equal iff every vertex of
    :math:`\Pi(a, \nu)` is in :math:`\mathcal P_{X,Y}`. With two rows, every vertex is the unique
    minimizer of one cost of :func:`~otcheck.claims._instances.two_row_vertex_costs` (restricted
    to the support of :math:`\nu`); it belongs to :math:`\mathcal P_{X,Y}` iff the minimum over
    :math:`\mathcal P_{X,Y}`, the OT value with cost :math:`U D^\top` between ``a`` and ``b``,
    equals the minimum over :math:`\Pi(a, \nu)`. Both are certified LP values (proofs), compared by
    :func:`otcheck.claims.decide`: the sets are reported equal only when every direction holds.

    Parameters
    ----------
    a : array_like, shape (2,)
        Weights of the two atoms of :math:`P_X`.
    b : array_like, shape (m,)
        Weights of the prior :math:`P_Z` on ``m`` codes.
    D : array_like, shape (m, k), row-stochastic
        The decoder :math:`P_G(y_l | z_j)` on ``k`` output points; :math:`\nu = b^\top D` is :math:`P_G`.

    Returns
    -------
    coincide : bool
        Every vertex direction decided equal.
    max_gap : float
        Largest difference of the two minima over the vertex directions (0 when they coincide).
    """
    dirs = _footnote2_directions(a, b, D)
    same = all(decide(over_pxy, over_pi, "==") == HOLDS for _, over_pi, over_pxy in dirs)
    gap = max([0.0] + [float(over_pxy.value - over_pi.value) for _, over_pi, over_pxy in dirs])
    return same, gap


def footnote2_search(
    seed: Seed = 0, *, n_trials: int = 60, max_codes: int = 3, k: int = 2
) -> list[tuple[FloatArray, FloatArray, FloatArray]]:
    """Random search (seeded) for non-Dirac decoders whose sets coincide, two-atom ``P_X``.

    Decoder rows are drawn from {Dirac at a point, a random spread}; ``a``, ``b`` from small
    integer weights. Returns the list of ``(a, b, D)`` found (non-Dirac on a code of positive
    mass, sets equal by :func:`footnote2_sets_coincide`) and the number of trials.
    """
    rng = as_generator(seed)
    found = []
    for _ in range(check_positive_int(n_trials, "n_trials")):
        m = int(rng.integers(2, max_codes + 1))
        a = rng.integers(1, 6, size=2).astype(float)
        b = rng.integers(1, 6, size=m).astype(float)
        a, b = a / a.sum(), b / b.sum()
        D = np.zeros((m, k))
        for z in range(m):
            if rng.uniform() < 0.6:
                D[z, rng.integers(k)] = 1.0
            else:
                D[z] = random_weights(rng, k, min_weight=0.5)
        if _is_dirac(D, b):
            continue
        same, _ = footnote2_sets_coincide(a, b, D)
        if same:
            found.append((a, b, D))
    return found


@register(
    "lemma6-footnote2",
    location="App. B.1, footnote 2",
    section="3",
    kind="conjecture",
    relation="==",
    statement="(conjecture) P_{X,Y} = P(P_X, P_G) only if every P_G(Y|Z=z) is a Dirac",
    reading="Read for a fixed P_X (the lemma's setting). The reading 'equal sets for every P_X' is checked "
    "separately: with P_X = P_G and the diagonal coupling the sets always differ for a non-Dirac "
    "decoder.",
)
def _check_footnote2(seed: Seed = 0, n_trials: int = 40) -> Evidence:
    """Searches small discrete instances (two-atom P_X, finite decoders) for a non-Dirac decoder whose two sets
    coincide, deciding set equality exactly through the vertices of the transport polytope; lhs counts the non-Dirac
    instances found with equal sets (the conjecture predicts 0). Also checks the reading 'for every P_X' and a case
    where only the values W_c and W_c^dagger coincide."""
    n_trials = check_positive_int(n_trials, "n_trials")
    # the smallest counterexample (found by hypothesis): P_X uniform on two points, one fair-coin code and
    # one Dirac code; Pi(P_X, P_G) and P_{X,Y} are the same segment Gamma_11 in [1/4, 1/2]
    a0, b0 = np.array([0.5, 0.5]), np.array([0.5, 0.5])
    D0 = np.array([[0.5, 0.5], [1.0, 0.0]])
    same0, gap0 = footnote2_sets_coincide(a0, b0, D0)
    found = footnote2_search(seed, n_trials=n_trials)
    count = int(same0) + len(found)
    first = (a0, b0, D0) if same0 else (found[0] if found else None)
    cx = dict(zip("abD", first)) if first is not None else {}
    rec = Recorder(instance={"seed": seed, "n_trials": n_trials, "counterexample": cx})
    note = (
        f"{count} non-Dirac instance(s) with P_{{X,Y}} = P(P_X, P_G) found: the conjecture, read for a fixed "
        "P_X, is false; read 'for every P_X' it holds on every instance tried"
    )
    head = rec.compare(
        Bound.exact(count, method="count of instances found"),
        Bound.exact(0, method="the conjecture's count"),
        "==",
        note=note,
    )
    _record_footnote2_directions(rec, a0, b0, D0, "non-Dirac code z_1 (mass 1/2) yet P_{X,Y} = P(P_X, P_G)")
    if found:
        a1, b1, D1 = min(found, key=lambda t: (t[1].size, t[2].size))
        _record_footnote2_directions(
            rec, a1, b1, D1, f"smallest of {len(found)} found by random search ({n_trials} trials)"
        )
    # reading "for every P_X": P_X = P_G on the labels and the 0-1 cost: W_c = 0 < W_c^dagger
    reading, where = [], []
    for _, b_, D_ in [(a0, b0, D0), *found]:
        nu_ = b_ @ D_
        C01 = 1.0 - np.eye(nu_.size)
        reading.append(
            (
                rounded_input(solve_ot(nu_, nu_, C01).bound, C01, "P_G = b^T D"),
                solve_ot(nu_, b_, decoder_cost(C01, D_)).bound,
            )
        )
        where.append({"a": nu_, "b": b_, "D": D_})
    n_hold = sum(decide(left, right, "<") == HOLDS for left, right in reading)
    record_worst(
        rec,
        reading,
        "<",
        instances=where,
        note=f"reading 'for every P_X' holds on {n_hold} of {len(reading)} instances: with P_X = P_G the "
        "diagonal coupling is not in P_{X,Y} (W_c = 0 < W_c^dagger under the 0-1 cost; the deciding "
        "instance shown)",
    )
    # values only: two separated clusters, uniform decoders around each: W_c = W_c^dagger although D is not Dirac
    X = np.array([[-10.0], [10.0]])
    Yp = np.array([[-11.0], [-9.0], [9.0], [11.0]])
    Dv = np.array([[0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.5, 0.5]])
    av = bv = np.array([0.5, 0.5])
    Cv = cost_matrix(X, Yp)
    v_c = solve_ot(av, decoder_law(bv, Dv), Cv)
    v_d = solve_ot(av, bv, decoder_cost(Cv, Dv))
    rec.compare(
        rounded_input(v_c.bound, Cv, "P_G = b^T D"),
        v_d.bound,
        "==",
        instance={"x": X, "y": Yp, "D": Dv, "a": av, "b": bv},
        note="values coincide with a non-Dirac decoder (squared cost, separated clusters)",
    )
    return rec.evidence(
        **headline(head),
        note=note,
        details={
            "found_by_search": len(found),
            "constructed_gap": gap0,
            "values_example": {"W_c": v_c.cost, "W_dagger": v_d.cost},
        },
    )


# --------------------------------------------------------------------------------------------
# theorem1
# --------------------------------------------------------------------------------------------
def theorem1(
    mu_x: DiscreteMeasure,
    mu_z: DiscreteMeasure,
    G: Callable[[FloatArray], ArrayLike],
    *,
    cost: CostLike = "sqeuclidean",
) -> Evidence:
    r"""Evidence for Theorem 1 (eq. 10-11) on discrete :math:`P_X`, :math:`P_Z` and a map ``G``.

    .. math::

        W_c(P_X, G_\# P_Z) = W_c^\dagger(P_X, G_\# P_Z)
        = \min_{P \in \Pi(P_X, P_Z)} \mathbb E_P\, c(X, G(Z))
        = \min_{Q:\ Q_Z = P_Z} \mathbb E_{P_X} \mathbb E_{Q(Z|X)} c(X, G(Z))

    * left: certified OT between :math:`P_X` and the push-forward (coinciding images merged, so a
      non-injective ``G`` is handled as the paper's "many codes to one point");
    * :math:`W_c^\dagger`: OT between ``a`` and ``b`` with the averaged cost :math:`C D^\top` of the
      Dirac decoder matrix ``D`` (code -> merged image);
    * eq. 10: OT between ``a`` and ``b`` with :math:`c(x_i, G(z_j))` computed directly;
    * eq. 11: a separate LP whose variables are the encoder's entries :math:`Q(z_j|x_i)`
      (:func:`otcheck.autoencoders.constrained_encoder`, HiGHS), whose value, bracketed by its primal
      and dual values and widened by its constraint residual (:attr:`~otcheck.autoencoders.EncoderLP.bound`),
      must reach the value of eq. 10; a random feasible encoder is also checked to be ``>=``.

    The three OT values are proofs; eq. 11's LP value is an estimate (HiGHS tolerances), tight when
    its duality gap is at rounding level.

    Reading: eq. 10's infimum is over :math:`\Pi(P_X, P_Z)` (the OCR's
    ``P(X ~ P_X, Z ~ P_Z)``), eq. 11's over encoders with :math:`Q_Z = P_Z` exactly.

    Parameters
    ----------
    mu_x, mu_z : DiscreteMeasure
        :math:`P_X` (dimension ``d``) and :math:`P_Z`.
    G : callable
        Vectorized decoder: ``(m, d_z)`` codes to ``(m, d)`` points.
    cost : str, float or callable
        As in :func:`otcheck.cost_matrix`.

    Returns
    -------
    Evidence
        Headline: :math:`W_c(P_X, G_\# P_Z)` ``==`` eq. 10, both certified.
    """
    check_measures(mu_x=mu_x, mu_z=mu_z)
    if not callable(G):
        raise TypeError(f"G: expected a callable, got {type(G).__name__}")
    GZ = as_points(G(mu_z.atoms), "G(codes)")
    if GZ.shape[0] != mu_z.n:
        raise ValueError(f"G: returned {GZ.shape[0]} points for {mu_z.n} codes")
    if GZ.shape[1] != mu_x.dim:
        raise ValueError(f"G: maps to dimension {GZ.shape[1]}, but mu_x has dimension {mu_x.dim}")
    a, b = mu_x.weights, mu_z.weights
    pg = mu_z.pushforward(G)
    lhs = wasserstein(mu_x, pg, cost=cost)
    img = np.array([int(np.flatnonzero((pg.atoms == g).all(1))[0]) for g in GZ])
    Dd = np.zeros((mu_z.n, pg.n))
    Dd[np.arange(mu_z.n), img] = 1.0
    dagger = solve_ot(a, b, decoder_cost(cost_matrix(mu_x.atoms, pg.atoms, cost), Dd))
    Cxz = cost_matrix(mu_x.atoms, GZ, cost)
    eq10 = solve_ot(a, b, Cxz)
    enc = constrained_encoder(a, b, Cxz)
    Prand = 0.5 * eq10.plan + 0.5 * np.outer(a, b)  # a feasible encoder: Q_Z = P_Z
    rand_val = float((Prand * Cxz).sum())
    inst = {"x": mu_x.atoms, "a": a, "z": mu_z.atoms, "b": b, "G(z)": GZ}
    rec = Recorder("theorem1", instance=inst)
    wc = rounded_input(lhs.bound, Cxz, "the merged weights of G#P_Z")
    rec.compare(wc, eq10.bound, "==", note=f"W_c(P_X, G#P_Z) = eq. 10 ({mu_z.n} codes, {pg.n} distinct images)")
    rec.compare(dagger.bound, eq10.bound, "==", note="W_c^dagger (Dirac decoder matrix on the merged images) = eq. 10")
    rec.compare(
        enc.bound,
        eq10.bound,
        "==",
        note="eq. 11 (LP over encoders with Q_Z = P_Z, HiGHS; primal/dual bracket widened by its constraint "
        "residual) == eq. 10 (OT over couplings)",
    )
    rec.compare(
        float_bound(rand_val, float((Prand * np.abs(Cxz)).sum()), "<C, P> of a mixed encoder"),
        eq10.bound,
        ">=",
        note="a different feasible encoder is not better (eq. 11 is an infimum)",
    )
    return rec.evidence(
        **headline(rec.parts[0]),
        details={
            "W_c": lhs.cost,
            "W_dagger": dagger.cost,
            "eq10": eq10.cost,
            "eq11": enc.value,
            "eq11_gap": enc.gap,
            "eq11_residual": enc.residual,
            "distinct_images": pg.n,
            "codes": mu_z.n,
        },
    )


@register(
    "theorem1",
    location="Sec. 3.1, Theorem 1, eq. 10-11",
    section="3",
    relation="==",
    statement="For Y = G(Z): W_c(P_X, P_G) = W_c^dagger = inf_{P in P(P_X, P_Z)} E c(X, G(Z)) "
    "= inf_{Q: Q_Z = P_Z} E_{P_X} E_{Q(Z|X)} c(X, G(Z))",
    reading="eq. 10's right side is OT between P_X and P_Z with cost c(x, G(z)); eq. 11's constraint is "
    "Q_Z = P_Z exactly.",
)
def _check_theorem1(
    seed: Seed = 0, n: int = 6, m: int = 8, dim: int = 2, sizes: Sequence[int] = (1000, 10000, 100000), reps: int = 30
) -> Evidence:
    """Exact on random discrete P_X, P_Z with an injective G and with a G mapping many codes to one point (certified OT
    between P_X and the push-forward vs OT between P_X and P_Z with cost c(x, G(z)), and eq. 11 as a separate LP
    over encoders with Q_Z = P_Z); continuous uniform case from samples at three sizes (bounded-difference
    confidence intervals, each corrected by the exact bias of the sorted coupling, Bonferroni over the sizes)
    against the closed form, equivalence margin 1 % of W."""
    rng, (n, m, dim) = seeded(seed, n=n, m=m, dim=dim)
    mu_x = random_measure(rng, n, dim)
    mu_z = random_measure(rng, m, dim)
    A = rng.normal(size=(dim, dim)) + 2 * np.eye(dim)
    c0 = rng.normal(size=dim)
    injective = theorem1(mu_x, mu_z, lambda z: z @ A.T + c0)
    many = theorem1(mu_x, mu_z, lambda z: np.sign(z) * 0.5)  # at most 2^dim images for m codes
    euclid = theorem1(mu_x, mu_z, lambda z: np.round(z), cost="euclidean")
    cont = theorem1_sampled(sizes, reps=check_positive_int(reps, "reps"), seed=rng)
    rec = Recorder()
    rec.add(replace(injective, note="injective linear G, squared cost"))
    head = rec.add(
        replace(
            many,
            note=f"non-injective G (sign): {many.details['codes']} codes -> {many.details['distinct_images']} points",
        )
    )
    rec.add(replace(euclid, note="non-injective G (rounding), Euclidean cost"))
    rec.add(cont)
    ev = rec.evidence(
        **headline(head),
        details={
            "injective": injective.details,
            "many_to_one": many.details,
            "euclidean": euclid.details,
            "continuous": cont.details,
        },
    )
    return with_sizes(ev, seed=seed, n=n, m=m, dim=dim)
