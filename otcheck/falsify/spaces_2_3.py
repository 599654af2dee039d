r"""Instance spaces of the claims of sections 2 and 3 (see :func:`otcheck.falsify.register_space`).

Each space draws what the claim's statement quantifies over, as the paper writes it: discrete
:math:`P_X`, :math:`P_Z` of several sizes and dimensions (Dirac measures, duplicated atoms, zero
weights, a single code), decoders that are Dirac, spread or Gaussian, costs with ties and zeros,
every penalty :math:`F` of eq. 12, and both ends of every parameter range (coordinates and costs
from :math:`10^{-3}` to :math:`10^3` of their unit, :math:`\sigma^2` and :math:`\lambda` over many
orders of magnitude, :math:`\lambda = 0`). The check of each space is the claim's public function
(:mod:`otcheck.claims.section2`, :mod:`~otcheck.claims.section3_1`,
:mod:`~otcheck.claims.section3_2`) on the drawn instance, through a thin adapter that builds its
arguments (a decoder map from a drawn table of images, a log-likelihood matrix from a drawn decoder,
a kernel matrix from drawn codes).

Where the instance allows (squared costs, or the line), an ``exact`` re-check recomputes the deciding
optimal transport values in rational arithmetic (:func:`otcheck.exact.certify_exact`,
:func:`otcheck.wasserstein` on rational measures), taking each float of the instance at its exact
binary value and each probability vector rescaled exactly to total one (the reading of float weights
throughout otcheck; dyadic weights already sum to one), to confirm a counterexample found in floats.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction

import numpy as np
from hypothesis import strategies as st
from numpy.typing import ArrayLike, NDArray

from ..bounds import Bound
from ..claims import Evidence, Recorder
from ..claims._instances import two_row_vertex_costs
from ..claims.section2 import gan_js_bound, gaussian_loglik, kr_duality, vae_upper_bound, wgan_lower_bound
from ..claims.section3_1 import footnote2_sets_coincide, lemma6, theorem1
from ..claims.section3_2 import corollary7, penalty_constraint, pot_objective, relaxation_bound, remark1
from ..costs import CostLike, as_cost_fn
from ..divergences import kernel_matrix
from ..exact import certify_exact, solve_ot, wasserstein
from ..measures import DiscreteMeasure
from ..relaxed import PENALTIES
from ..strategies import (
    cost_matrices,
    couplings,
    decoder_instances,
    decoders,
    encoders,
    lambda_grids,
    log_uniform,
    measures,
    weights,
)
from . import register_space

__all__: list[str] = []

#: float64 numpy array
FloatArray = NDArray[np.float64]
#: object array of :class:`~fractions.Fraction`
ExactArray = NDArray[np.object_]

#: Seeds of the checks' own pseudo-random parts (random discriminators, critics, directions, samples).
_SEEDS = st.integers(0, 2**32 - 1)


# --------------------------------------------------------------------------------------------
# exact re-checks: every float of an instance at its exact binary value
# --------------------------------------------------------------------------------------------
def _q(x: ArrayLike) -> ExactArray:
    """``x`` as an object array of Fractions, each float at its exact binary value."""
    arr = np.asarray(x, dtype=float)
    out = np.empty(arr.shape, dtype=object)
    flat = out.reshape(-1)
    for k, v in enumerate(arr.reshape(-1)):
        flat[k] = Fraction(float(v))
    return out


def _q_weights(w: ArrayLike) -> ExactArray:
    """A probability vector as Fractions rescaled exactly to total one: the reading of float weights throughout
    otcheck (a :class:`~otcheck.exact.Certificate` is about the weights rescaled exactly to total one, as is a
    rational :class:`~otcheck.DiscreteMeasure`); dyadic weights already sum to one and are kept as they are."""
    q = _q(w)
    total = sum(q)
    if total <= 0:
        raise ValueError("weights: no positive mass")
    return q / total


def _exact_ot(a: ExactArray, b: ExactArray, C: ExactArray) -> Fraction:
    """The optimal value of the rational problem ``(a, b, C)``, proven by :func:`certify_exact` (the support of
    a float plan guides it)."""
    plan = solve_ot(a.astype(float), b.astype(float), C.astype(float)).plan
    value = certify_exact(a, b, C, plan).exact_value
    if value is None:  # pragma: no cover - an exact certificate always carries its value
        raise ValueError("certify_exact returned no exact value")
    return value


def _exact_measure(mu: DiscreteMeasure) -> DiscreteMeasure:
    """``mu`` with its atoms and weights as Fractions (the floats' exact values; weights summing to one exactly)."""
    return DiscreteMeasure(_q(mu.atoms).tolist(), list(_q_weights(mu.weights)))


def _exact(value: Fraction, what: str) -> Bound:
    return Bound.exact(value, method=f"rational: {what}")


# --------------------------------------------------------------------------------------------
# shared pieces of the strategies
# --------------------------------------------------------------------------------------------
@st.composite
def _measure(
    draw: st.DrawFn, dim: int, *, min_atoms: int = 1, max_atoms: int = 5, lo: float = 1e-3, hi: float = 1e3
) -> DiscreteMeasure:
    """A discrete measure of 1..5 atoms at a scale drawn on a log scale, atoms distinct or duplicated,
    weights possibly zero; coordinates in ``scale * [-1, 1]`` or integers times ``scale`` (then the weights
    are dyadic, summing to one exactly: a rational instance for the exact re-checks)."""
    scale = draw(log_uniform(lo, hi))
    duplicates, integer = draw(st.booleans()), draw(st.booleans())
    return draw(
        measures(
            dim,
            min_atoms=min_atoms,
            max_atoms=max_atoms,
            duplicates=duplicates,
            zero_weights=True,
            scale=scale,
            integer=integer,
        )
    )


@st.composite
def _measure_pair(draw: st.DrawFn) -> dict[str, object]:
    """Two measures of the same dimension (1..3): independent (each at its own scale), equal, or one a
    translate of the other (then :math:`W_1 = \\|t\\|`)."""
    dim = draw(st.integers(1, 3))
    mu = draw(_measure(dim, lo=1e-6, hi=1e6))
    how = draw(st.sampled_from(["independent", "equal", "translate"]))
    if how == "equal":
        nu = mu
    elif how == "translate":
        t = np.array(draw(st.lists(st.floats(-1.0, 1.0, allow_subnormal=False), min_size=dim, max_size=dim)))
        nu = DiscreteMeasure(mu.atoms + t * draw(log_uniform(1e-6, 1e6)), mu.weights)
    else:
        nu = draw(_measure(dim, lo=1e-6, hi=1e6))
    return {"mu": mu, "nu": nu}


@st.composite
def _scaled_costs(draw: st.DrawFn, n: int, m: int) -> FloatArray:
    """A cost matrix ``(n, m)`` in ``[0, s]`` (integers, ties, zeros possible), ``s`` from 1e-3 to 1e3."""
    integer = draw(st.booleans())
    C = draw(cost_matrices(n, m, integer=integer, max_value=8 if integer else 1.0, ties=draw(st.booleans())))
    return C * draw(log_uniform(1e-3, 1e3))


@st.composite
def _relaxed_problem(draw: st.DrawFn) -> dict[str, object]:
    """``(a, b, C)`` of eq. 12 with 1..4 data points and codes, zero weights allowed on both sides."""
    n, m = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    a = draw(weights(n, zeros=True))
    b = draw(weights(m, zeros=True))
    return {"a": a, "b": b, "C": draw(_scaled_costs(n, m))}


@st.composite
def _penalty(draw: st.DrawFn, m: int, names: Sequence[str] = PENALTIES) -> dict[str, object]:
    """A penalty name; for ``"mmd2"`` also ``m`` distinct codes in dimension 1..2 for its Gaussian kernel
    (distinct codes: the kernel matrix is positive definite, so that F = MMD^2 vanishes only at Q_Z = P_Z, as
    the reading of eq. 12 asks; coinciding codes would make F vanish elsewhere)."""
    pen = draw(st.sampled_from(list(names)))
    if pen != "mmd2":
        return {"penalty": pen}
    dz = draw(st.integers(1, 2))
    codes = draw(measures(dz, min_atoms=m, max_atoms=m)).atoms
    return {"penalty": pen, "codes": np.array(codes)}


def _kernel(codes: ArrayLike | None) -> FloatArray | None:
    """The Gaussian kernel matrix (bandwidth 1) on the codes, the MMD^2 penalty's ``K`` (as the registered
    checks build it)."""
    if codes is None:
        return None
    Z = np.asarray(codes, dtype=float)
    return kernel_matrix(Z, Z, kernel="gaussian", bandwidth=1.0)


# --------------------------------------------------------------------------------------------
# kr-duality, wgan-lower-bound
# --------------------------------------------------------------------------------------------
def _kr_at(mu: DiscreteMeasure, nu: DiscreteMeasure) -> Evidence:
    return kr_duality(mu, nu)


def _exact_w1_1d(mu: DiscreteMeasure, nu: DiscreteMeasure) -> tuple[Bound, Fraction, Fraction, Fraction]:
    r"""On the line, in rationals: ``(W_1 primal, value of the optimal witness, its Lipschitz excess,
    |E_P X - E_Q Y|)``.

    The primal is :func:`otcheck.wasserstein` on the rational measures (a proof in rationals); the
    witness is built from the cumulative masses :math:`c_k = (F_P - F_Q)(p_k)` on the sorted distinct
    points, :math:`f(p_{k+1}) = f(p_k) - \operatorname{sign}(c_k)(p_{k+1} - p_k)`, whose value
    :math:`\sum_k (P - Q)(p_k) f(p_k)` is :math:`\int |F_P - F_Q|`; its excess is checked over all pairs.
    """
    if mu.dim != 1 or nu.dim != 1:
        raise ValueError("dim: Euclidean distances are irrational in d > 1; no exact re-check")
    mq, nq = _exact_measure(mu), _exact_measure(nu)
    primal = wasserstein(mq, nq, cost="euclidean").bound
    if not primal.is_exact:  # pragma: no cover - rational measures on the line are certified exactly
        raise ValueError("wasserstein: no rational certificate")
    mass: dict[Fraction, Fraction] = {}
    for m, sign in ((mq, 1), (nq, -1)):
        assert m.exact_atoms is not None and m.exact_weights is not None
        for (x,), w in zip(m.exact_atoms, m.exact_weights):
            mass[x] = mass.get(x, Fraction(0)) + sign * w
    pts = sorted(mass)
    f, cum = [Fraction(0)], Fraction(0)
    for p, q in zip(pts, pts[1:]):
        cum += mass[p]
        f.append(f[-1] - (1 if cum > 0 else -1 if cum < 0 else 0) * (q - p))
    value = sum((mass[p] * fp for p, fp in zip(pts, f)), Fraction(0))
    excess = max(max(fk - fl - abs(pk - pl), Fraction(0)) for pk, fk in zip(pts, f) for pl, fl in zip(pts, f))
    mean_gap = abs(sum((p * mass[p] for p in pts), Fraction(0)))
    return primal, value, excess, mean_gap


def _kr_exact(mu: DiscreteMeasure, nu: DiscreteMeasure) -> Evidence:
    """Eq. 2 on the line in rationals: the primal W_1 equals the value of an explicit 1-Lipschitz witness."""
    primal, value, excess, _ = _exact_w1_1d(mu, nu)
    rec = Recorder("kr-duality", instance={"mu": mu, "nu": nu})
    rec.compare(primal, _exact(value, "value of the optimal 1-D witness"), "==", note="exact primal W_1 == exact dual")
    rec.compare(_exact(excess, "Lipschitz excess of the witness"), Bound.exact(0), "<=", note="witness 1-Lipschitz")
    return rec.evidence()


register_space(
    "kr-duality",
    _measure_pair(),
    _kr_at,
    description="P, Q discrete on R^d, d = 1..3, 1..5 atoms each (Dirac measures, duplicated atoms, zero weights), "
    "coordinates from 1e-6 to 1e6 (each measure its own scale), Q = P and Q a translate of P; the sup over "
    "1-Lipschitz f is the dual LP on the supports (McShane extension), so every P, Q with finite support is covered; "
    "continuous P, Q are left out (no certified W_1 for them)",
    exact=_kr_exact,
)


@st.composite
def _wgan_space(draw: st.DrawFn) -> dict[str, object]:
    inst = draw(_measure_pair())
    return {**inst, "n_critics": draw(st.integers(1, 20)), "seed": draw(_SEEDS)}


def _wgan_at(mu: DiscreteMeasure, nu: DiscreteMeasure, n_critics: int, seed: int) -> Evidence:
    return wgan_lower_bound(mu, nu, n_critics=n_critics, seed=seed)


#: The parts of :func:`wgan_lower_bound` that :func:`_wgan_exact` re-checks (the random critics use tanh).
_WGAN_EXACT_PARTS = ("linear critics", "adding the Kantorovich witness")


def _wgan_exact(mu: DiscreteMeasure, nu: DiscreteMeasure, n_critics: int, seed: int) -> Evidence:
    """On the line in rationals: the linear critics' sup |E_P X - E_Q Y| <= W_1 and the Kantorovich witness reaches
    W_1. Refused (ValueError) when a part with the random critics fails in floats: their tanh is irrational."""
    floating = wgan_lower_bound(mu, nu, n_critics=n_critics, seed=seed)
    if any(not p.note.startswith(_WGAN_EXACT_PARTS) for p in floating.failing_parts()):
        raise ValueError("a part with the random critics fails: no exact re-check of tanh")
    primal, value, excess, mean_gap = _exact_w1_1d(mu, nu)
    rec = Recorder("wgan-lower-bound", instance={"mu": mu, "nu": nu, "n_critics": n_critics, "seed": seed})
    linear = _exact(mean_gap, "|E_P X - E_Q Y|")
    rec.compare(linear, primal, "<=", note="linear critics: sup = |E_P X - E_Q Y| <= W_1 (exact)")
    rec.compare(_exact(excess, "Lipschitz excess of the witness"), Bound.exact(0), "<=", note="witness 1-Lipschitz")
    rec.compare(
        _exact(max(mean_gap, value), "max(linear sup, witness value)"), primal, "==", note="with the witness: W_1"
    )
    return rec.evidence()


register_space(
    "wgan-lower-bound",
    _wgan_space(),
    _wgan_at,
    description="P, Q as for kr-duality (d = 1..3, Dirac, duplicated atoms, zero weights, scales 1e-6..1e6, Q = P, "
    "translates); W = linear critics (exact sup), 1..20 random 1-Lipschitz critics (the seed is part of the "
    "instance: each critic's value is exact, not a sample), their union; other subsets W are sampled only through "
    "the seed",
    exact=_wgan_exact,
)


# --------------------------------------------------------------------------------------------
# gan-js-bound
# --------------------------------------------------------------------------------------------
@st.composite
def _gan_space(draw: st.DrawFn) -> dict[str, object]:
    n = draw(st.integers(1, 6))
    p = draw(weights(n, zeros=True))
    how = draw(st.sampled_from(["independent", "equal", "disjoint"]))
    if how == "equal":
        q = p.copy()
    elif how == "disjoint" and n >= 2:  # P and Q on disjoint supports: D_GAN = 0 = 2 JS - log 4
        k = draw(st.integers(1, n - 1))
        p = np.concatenate([draw(weights(k)), np.zeros(n - k)])
        q = np.concatenate([np.zeros(k), draw(weights(n - k))])
    else:
        q = draw(weights(n, zeros=True))
    dim = draw(st.integers(1, 3))
    x = draw(_measure(dim, min_atoms=n, max_atoms=n, lo=1e-3, hi=1e3)).atoms
    return {"p": p, "q": q, "x": np.array(x), "n_random": draw(st.integers(1, 10)), "seed": draw(_SEEDS)}


def _gan_at(p: ArrayLike, q: ArrayLike, x: ArrayLike, n_random: int, seed: int) -> Evidence:
    return gan_js_bound(p, q, x, n_random=n_random, seed=seed)


register_space(
    "gan-js-bound",
    _gan_space(),
    _gan_at,
    description="P, Q on a common support of 1..6 points in R^d, d = 1..3 (points distinct or duplicated, "
    "coordinates 1e-3..1e3): independent with zero weights, P = Q, disjoint supports; unrestricted T (exact "
    "D_GAN, T*), logistic T (||w|| <= 10) and 1..10 random T (seed in the instance); laws that are not finitely "
    "supported are left out (no exact D_GAN)",
)


# --------------------------------------------------------------------------------------------
# vae-upper-bound
# --------------------------------------------------------------------------------------------
@st.composite
def _vae_space(draw: st.DrawFn) -> dict[str, object]:
    n, m = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    a = draw(weights(n, zeros=True))
    b = draw(weights(m))
    Qs = [draw(encoders(n, m, zeros=True) | encoders(n, m, deterministic=True)) for _ in range(draw(st.integers(1, 3)))]
    inst: dict[str, object] = {"a": a, "b": b, "encoders": Qs}
    if draw(st.booleans()):  # a Gaussian decoder N(G(z), sigma2 I_d): densities
        dim = draw(st.integers(1, 3))
        scale = draw(log_uniform(1e-2, 1e2))
        _, X, _, G = draw(decoder_instances(dim, min_n=n, max_n=n, min_m=m, max_m=m, scale=scale))
        # sigma2 relative to the squared scale of the points: what decides the likelihoods' spread
        return {**inst, "X": X, "G": G, "sigma2": scale**2 * draw(log_uniform(1e-4, 1e4))}
    # a decoder on k >= n output points (P_X on the first n of them): probabilities, zeros allowed
    k = n + draw(st.integers(0, 2))
    D = draw(decoders(m, k))
    for i in range(n):  # every data point keeps a positive likelihood under some code
        if not D[:, i].any():
            z = draw(st.integers(0, m - 1))
            D[z] = 0.5 * D[z] + 0.5 * np.eye(k)[i]
    return {**inst, "D": D}


def _vae_at(
    a: ArrayLike,
    b: ArrayLike,
    encoders: Sequence[ArrayLike],
    X: ArrayLike | None = None,
    G: ArrayLike | None = None,
    sigma2: float | None = None,
    D: ArrayLike | None = None,
) -> Evidence:
    """:func:`vae_upper_bound` for a Gaussian decoder ``(X, G, sigma2)`` (densities) or a decoder matrix ``D`` on
    finitely many outputs (``log D[:, :n].T``, ``-inf`` for a zero probability)."""
    if D is not None:
        Dm = np.asarray(D, dtype=float)
        with np.errstate(divide="ignore"):
            L = np.log(Dm[:, : np.size(a)].T)
    elif X is not None and G is not None and sigma2 is not None:
        L = gaussian_loglik(X, G, sigma2)
    else:
        raise ValueError("decoder: give D, or X, G and sigma2")
    return vae_upper_bound(a, b, L, encoders)


register_space(
    "vae-upper-bound",
    _vae_space(),
    _vae_at,
    description="P_X on 1..4 points (zero weights), prior on 1..4 codes (positive: a code of mass 0 is no code, the "
    "check rejects it), decoders N(G(z), sigma2 I_d) with d = 1..3, coordinates 1e-2..1e2 and sigma2 from 1e-4 to 1e4 "
    "times their squared scale, "
    "G(z) on data points and repeated, and discrete decoders (Dirac and spread rows, zero likelihoods); 1..3 "
    "encoders, random with zeros or deterministic, plus the posterior; data x with zero likelihood under every "
    "code are left out (-E log p_G = inf, the check rejects them)",
)


# --------------------------------------------------------------------------------------------
# lemma6
# --------------------------------------------------------------------------------------------
@st.composite
def _lemma6_space(draw: st.DrawFn) -> dict[str, object]:
    n, m, k = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dyadic = draw(st.booleans())
    a = draw(weights(n, zeros=True, dyadic=dyadic))
    b = draw(weights(m, zeros=True, dyadic=dyadic))
    D = draw(decoders(m, k, rows=draw(st.sampled_from(["mixed", "dirac", "spread"])), dyadic=dyadic))
    P = draw(couplings(a, b))
    return {"a": a, "b": b, "C": draw(_scaled_costs(n, k)), "D": D, "coupling": P, "seed": draw(_SEEDS)}


def _lemma6_at(a: ArrayLike, b: ArrayLike, C: ArrayLike, D: ArrayLike, coupling: ArrayLike, seed: int) -> Evidence:
    return lemma6(a, b, C, D, couplings=[coupling], n_directions=3, seed=seed)


def _is_dirac(D: FloatArray, b: FloatArray) -> bool:
    """Every code of positive prior mass decodes to a single point."""
    return bool(np.all(((D > 0).sum(1) == 1) | (b == 0)))


def _lemma6_exact(a: ArrayLike, b: ArrayLike, C: ArrayLike, D: ArrayLike, coupling: ArrayLike, seed: int) -> Evidence:
    """W_c <= W_c^dagger (== for a Dirac decoder) with both optimal values proven in rationals."""
    aq, bq, Cq = _q_weights(a), _q_weights(b), _q(C)
    Dq = np.array([_q_weights(row) for row in np.asarray(D, dtype=float)], dtype=object)
    nu = bq @ Dq
    wc = _exact_ot(aq, nu, Cq)
    wd = _exact_ot(aq, bq, Cq @ Dq.T)
    rec = Recorder("lemma6", instance={"a": a, "b": b, "C": C, "D": D})
    rel = "==" if _is_dirac(np.asarray(D, dtype=float), np.asarray(b, dtype=float)) else "<="
    rec.compare(_exact(wc, "W_c(P_X, b^T D)"), _exact(wd, "W_c^dagger"), rel, note="exact W_c vs W_c^dagger")
    return rec.evidence()


register_space(
    "lemma6",
    _lemma6_space(),
    _lemma6_at,
    description="P_X on 1..4 points, P_Z on 1..4 codes (zero weights on both), decoders on 1..4 output points "
    "(all rows Dirac, all spread, or mixed), any cost c >= 0 on them (integers, ties, zeros, scales 1e-3..1e3), "
    "a coupling of Pi(P_X, P_Z) (product, vertices, mixtures) and 3 random directions for the Dirac case; "
    "Gaussian decoders are searched by corollary7's space (the same inequality, eq. 16)",
    exact=_lemma6_exact,
)


# --------------------------------------------------------------------------------------------
# lemma6-footnote2 (a conjecture: its space should find its counterexample)
# --------------------------------------------------------------------------------------------
@st.composite
def _footnote2_space(draw: st.DrawFn) -> dict[str, object]:
    m, k = draw(st.integers(1, 3)), draw(st.integers(2, 3))
    return {
        "a": draw(weights(2, zeros=True, dyadic=True)),
        "b": draw(weights(m, zeros=True, dyadic=True)),
        "D": draw(decoders(m, k, dyadic=True)),
    }


def _footnote2_at(a: ArrayLike, b: ArrayLike, D: ArrayLike) -> Evidence:
    """The conjecture on one instance: a decoder that is not Dirac (on a code of positive mass) has
    P_{X,Y} != Pi(P_X, P_G). Fails when the sets coincide (every vertex direction decided equal by
    :func:`footnote2_sets_coincide`, certified LP values)."""
    bf, Df = np.asarray(b, dtype=float), np.asarray(D, dtype=float)
    rec = Recorder("lemma6-footnote2", instance={"a": a, "b": b, "D": D})
    if _is_dirac(Df, bf):
        rec.compare(
            Bound.exact(0, method="count of non-Dirac instances with equal sets"),
            Bound.exact(0, method="the conjecture's count"),
            "==",
            note="Dirac decoder: the conjecture asserts nothing here",
        )
        return rec.evidence()
    same, gap = footnote2_sets_coincide(a, b, D)
    rec.compare(
        Bound.exact(int(same), method="count of non-Dirac instances with equal sets (vertex directions, certified)"),
        Bound.exact(0, method="the conjecture's count"),
        "==",
        details={"max_gap": gap},
        note="non-Dirac decoder: P_{X,Y} = Pi(P_X, P_G) would refute the conjecture",
    )
    return rec.evidence()


def _footnote2_exact(a: ArrayLike, b: ArrayLike, D: ArrayLike) -> Evidence:
    """The sets compared vertex by vertex of Pi(P_X, P_G) with every optimal value proven in rationals."""
    aq, bq = _q_weights(a), _q_weights(b)
    Dq = np.array([_q_weights(row) for row in np.asarray(D, dtype=float)], dtype=object)
    nu = bq @ Dq
    keep = np.array([v > 0 for v in nu])
    Dk, nuk = Dq[:, keep], nu[keep]
    same = all(
        _exact_ot(aq, nuk, _q(U)) == _exact_ot(aq, bq, _q(U) @ Dk.T) for U in two_row_vertex_costs(int(keep.sum()))
    )
    non_dirac = not _is_dirac(np.asarray(D, dtype=float), np.asarray(b, dtype=float))
    rec = Recorder("lemma6-footnote2", instance={"a": a, "b": b, "D": D})
    rec.compare(
        Bound.exact(int(same and non_dirac), method="rational: non-Dirac instances with equal sets"),
        Bound.exact(0, method="the conjecture's count"),
        "==",
        note="every vertex of Pi(P_X, P_G) is reached by P_{X,Y} (exact minima)",
    )
    return rec.evidence()


register_space(
    "lemma6-footnote2",
    _footnote2_space(),
    _footnote2_at,
    description="two-atom P_X (zero weights allowed), P_Z on 1..3 codes, decoders on 2..3 points with Dirac and "
    "spread rows, all dyadic (exact); P_X with more atoms is left out: set equality is decided exactly only "
    "through the vertices of a two-row transport polytope (footnote2_sets_coincide)",
    exact=_footnote2_exact,
)


# --------------------------------------------------------------------------------------------
# theorem1
# --------------------------------------------------------------------------------------------
#: Costs searched for Theorem 1: c(x, y) = ||x - y||^p for p = 2, 1, 1.5, 3.
_THEOREM1_COSTS: tuple[CostLike, ...] = ("sqeuclidean", "euclidean", 1.5, 3.0)


@st.composite
def _theorem1_space(draw: st.DrawFn) -> dict[str, object]:
    dim, dz = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    mu_x = draw(_measure(dim, max_atoms=4))
    mu_z = draw(_measure(dz, max_atoms=5))
    scale = float(np.abs(mu_x.atoms).max()) or 1.0
    codes = [tuple(r) for r in mu_z.atoms.tolist()]
    image: dict[tuple[float, ...], FloatArray] = {}
    for c in codes:  # G is a function of the code: equal codes have equal images
        if c in image:
            continue
        kind = draw(st.sampled_from(["fresh", "atom", "repeat"] if image else ["fresh", "atom"]))
        if kind == "atom":  # onto a data point
            image[c] = mu_x.atoms[draw(st.integers(0, mu_x.n - 1))]
        elif kind == "repeat":  # onto an earlier image: G is not injective
            image[c] = list(image.values())[draw(st.integers(0, len(image) - 1))]
        else:
            row = draw(st.lists(st.floats(-1.0, 1.0, allow_subnormal=False), min_size=dim, max_size=dim))
            image[c] = np.array(row) * scale
    images = np.array([image[c] for c in codes], dtype=float)
    return {"mu_x": mu_x, "mu_z": mu_z, "images": images, "cost": draw(st.sampled_from(_THEOREM1_COSTS))}


def _decoder_map(codes: FloatArray, images: FloatArray) -> Callable[[FloatArray], FloatArray]:
    """The map z -> G(z) given by its table of images (one row per code of ``codes``)."""

    def G(Z: FloatArray) -> FloatArray:
        Z = np.asarray(Z, dtype=float).reshape(-1, codes.shape[1])
        hit = (Z[:, None, :] == codes[None, :, :]).all(2)
        if not hit.any(1).all():
            raise ValueError("G: called at a point that is not a code of P_Z")
        return images[hit.argmax(1)]

    return G


def _theorem1_at(mu_x: DiscreteMeasure, mu_z: DiscreteMeasure, images: ArrayLike, cost: CostLike) -> Evidence:
    return theorem1(mu_x, mu_z, _decoder_map(mu_z.atoms, np.asarray(images, dtype=float)), cost=cost)


def _theorem1_exact(mu_x: DiscreteMeasure, mu_z: DiscreteMeasure, images: ArrayLike, cost: CostLike) -> Evidence:
    """W_c(P_X, G#P_Z) (images merged) == eq. 10 (OT between P_X and P_Z with cost c(x, G(z))), both by
    :func:`otcheck.wasserstein` on rational measures (eq. 11's LP is not re-checked)."""
    fn = as_cost_fn(cost)
    if not (fn.power == 2 or (mu_x.dim == 1 and fn.power is not None and float(fn.power).is_integer())):
        raise ValueError("cost: irrational on this instance; no exact re-check")
    Y = np.asarray(images, dtype=float)
    bq = _q_weights(mu_z.weights)
    merged: dict[tuple[float, ...], Fraction] = {}
    for row, w in zip(Y.tolist(), bq):
        merged[tuple(row)] = merged.get(tuple(row), Fraction(0)) + w
    mx = _exact_measure(mu_x)
    pushed = DiscreteMeasure(_q(np.array(list(merged))).tolist(), list(merged.values()))
    per_code = DiscreteMeasure(_q(Y).tolist(), list(bq))
    left, right = wasserstein(mx, pushed, cost).bound, wasserstein(mx, per_code, cost).bound
    if not (left.is_exact and right.is_exact):  # pragma: no cover - rational measures are certified exactly
        raise ValueError("wasserstein: no rational certificate")
    rec = Recorder("theorem1", instance={"mu_x": mu_x, "mu_z": mu_z, "images": Y, "cost": cost})
    rec.compare(left, right, "==", note="exact W_c(P_X, G#P_Z) vs exact eq. 10")
    return rec.evidence()


register_space(
    "theorem1",
    _theorem1_space(),
    _theorem1_at,
    description="P_X on R^d (d = 1..3, 1..4 atoms), P_Z on R^dz (dz = 1..2, 1..5 codes; Dirac, duplicated codes, "
    "zero weights, scales 1e-3..1e3), G any map on the codes given by its table of images (fresh points, data "
    "points, repeated images: injective, many-to-one, constant), c = ||x - y||^p for p = 2, 1, 1.5, 3; the "
    "continuous case (P_X, P_Z with densities) is left out: it is decided from samples",
    exact=_theorem1_exact,
)


# --------------------------------------------------------------------------------------------
# relaxation-bound, penalty-constraint, pot-objective
# --------------------------------------------------------------------------------------------
@st.composite
def _penalized_space(draw: st.DrawFn, top: bool) -> dict[str, object]:
    """A relaxed problem, one F of the relaxed layer and a grid of lambdas (with ``top``, and a large
    one from 1e2 to 1e4, where the limit is decided)."""
    inst = draw(_relaxed_problem())
    b = inst["b"]
    assert isinstance(b, np.ndarray)
    lambdas = draw(lambda_grids(max_size=3, hi=1e3))
    if top:
        lambdas = sorted({*lambdas, draw(log_uniform(1e2, 1e4))})
    return {**inst, **draw(_penalty(b.size)), "lambdas": lambdas}


def _penalized_at(check: Callable[..., Evidence]) -> Callable[..., Evidence]:
    """The check of a penalized space: ``check`` with one penalty (and its kernel matrix on ``codes``, for MMD^2)."""

    def at(
        a: ArrayLike, b: ArrayLike, C: ArrayLike, penalty: str, lambdas: Sequence[float], codes: ArrayLike | None = None
    ) -> Evidence:
        return check(a, b, C, penalties=(penalty,), lambdas=lambdas, kernel_matrix=_kernel(codes))

    return at


register_space(
    "relaxation-bound",
    _penalized_space(top=True),
    _penalized_at(relaxation_bound),
    description="P_X on 1..4 points, P_Z on 1..4 codes (zero weights on both), costs c(x, G(z)) >= 0 (integers, "
    "ties, zeros, scales 1e-3..1e3), every F of the relaxed layer (KL, JS, D_GAN + log 4, MMD^2 with a Gaussian "
    "kernel on distinct drawn codes, chi^2, TV), grids of 1..4 lambdas from 0 and 1e-3 up to a largest lambda in "
    "1e2..1e4 (units of max C, where the limit is decided); coinciding codes are left out for MMD^2: its kernel "
    "matrix is then singular and F vanishes off Q_Z = P_Z, outside the reading 'zero iff equal'",
)


register_space(
    "penalty-constraint",
    _penalized_space(top=False),
    _penalized_at(penalty_constraint),
    description="P_X, P_Z, costs as for relaxation-bound (zero weights, ties, scales 1e-3..1e3), every F of the "
    "relaxed layer (MMD^2 on distinct codes), grids of 1..3 lambdas in {0} and 1e-3..1e3 (units of max C)",
)


@st.composite
def _pot_space(draw: st.DrawFn) -> dict[str, object]:
    return {**draw(_relaxed_problem()), "lambdas": draw(lambda_grids(max_size=3, hi=1e3))}


def _pot_at(a: ArrayLike, b: ArrayLike, C: ArrayLike, lambdas: Sequence[float]) -> Evidence:
    return pot_objective(a, b, C, lambdas=lambdas)


register_space(
    "pot-objective",
    _pot_space(),
    _pot_at,
    description="P_X, P_Z, costs as for relaxation-bound (zero weights, ties, scales 1e-3..1e3), grids of 1..3 "
    "lambdas in {0} and 1e-3..1e3 (units of max C); D_GAN exact (the nonparametric limit the statement names)",
)


# --------------------------------------------------------------------------------------------
# corollary7, remark1
# --------------------------------------------------------------------------------------------
@st.composite
def _gaussian_decoder(draw: st.DrawFn, max_dim: int = 3) -> dict[str, object]:
    """``(a, X, b, G)`` in dimension 1..max_dim at a scale from 1e-2 to 1e2, zero weights allowed."""
    dim = draw(st.integers(1, max_dim))
    scale = draw(log_uniform(1e-2, 1e2))
    a, X, b, G = draw(decoder_instances(dim, scale=scale, zero_weights=True))
    return {"a": a, "X": X, "b": b, "G": G}


@st.composite
def _corollary7_space(draw: st.DrawFn) -> dict[str, object]:
    inst = draw(_gaussian_decoder())
    X = inst["X"]
    assert isinstance(X, np.ndarray)
    dim = X.shape[1]
    if draw(st.booleans()):
        variances: float | list[float] = draw(log_uniform(1e-4, 1e4))
    else:
        variances = draw(st.lists(log_uniform(1e-4, 1e4), min_size=dim, max_size=dim))
    return {**inst, "variances": variances, "seed": draw(_SEEDS)}


def _corollary7_at(
    a: ArrayLike, X: ArrayLike, b: ArrayLike, G: ArrayLike, variances: float | Sequence[float], seed: int
) -> Evidence:
    return corollary7(DiscreteMeasure(X, a), b, G, variances, n_samples=100, reps=6, seed=seed)


register_space(
    "corollary7",
    _corollary7_space(),
    _corollary7_at,
    description="P_X on 1..4 points of R^d, d = 1..3, P_Z on 1..4 codes (zero weights on both), decoder means fresh, "
    "on data points or repeated (scales 1e-2..1e2), variances isotropic or per coordinate from 1e-4 to 1e4; "
    "W_c^dagger = sum sigma_i^2 + OT exact; W_c by 1-D quadrature (d = 1) and, for d > 1, from 6 x 100 samples "
    "(seed in the instance: only the interval's top is sampled, its bottom ||E X - E Y||^2 is proven, so a "
    "failure is proven too; an interval above the right side is undecided)",
    sampled=True,
)


#: The penalties :func:`remark1` accepts (it takes no kernel matrix, so MMD^2 is out of its reach).
_REMARK1_PENALTIES = tuple(p for p in PENALTIES if p != "mmd2")


@st.composite
def _remark1_space(draw: st.DrawFn) -> dict[str, object]:
    inst = draw(_gaussian_decoder())
    sigma2 = draw(st.just(0.0) | log_uniform(1e-6, 1e3))
    return {
        **inst,
        "sigma2": sigma2,
        "penalty": draw(st.sampled_from(_REMARK1_PENALTIES)),
        "lambdas": draw(lambda_grids(max_size=2, hi=1e3)),
    }


def _remark1_at(
    a: ArrayLike, X: ArrayLike, b: ArrayLike, G: ArrayLike, sigma2: float, penalty: str, lambdas: Sequence[float]
) -> Evidence:
    return remark1(a, b, X, G, sigma2, lambdas=lambdas, penalty=penalty)


register_space(
    "remark1",
    _remark1_space(),
    _remark1_at,
    description="P_X on 1..4 points of R^d, d = 1..3, P_Z on 1..4 codes (zero weights), decoder means fresh, on "
    "data points or repeated (scales 1e-2..1e2), sigma^2 = 0 and 1e-6..1e3, F in KL, JS, D_GAN + log 4, chi^2, TV, "
    "1..2 lambdas in {0} and 1e-3..1e3; MMD^2 is left out: remark1 takes no kernel matrix",
)
