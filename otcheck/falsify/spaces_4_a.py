r"""Instance spaces of the claims of section 4 and the appendix (see :func:`otcheck.falsify.register_space`).

Each space draws the keyword arguments of a thin adapter around the claim's public function (the
certified check of :mod:`otcheck.claims`): discrete :math:`P_X` on 1-4 atoms in dimension 1-3
(duplicated atoms and zero weights included, Dirac measures as the smallest members), priors
:math:`P_Z` on 1-3 codes (a single code, zero weights), decoders with coinciding images, encoder
families with deterministic rows and exact zeros, and every parameter over its stated range
on a log scale (:math:`\sigma^2 \in [10^{-3}, 10^{3}]`, :math:`\lambda = 2\sigma^2` down to
:math:`2\cdot 10^{-4}` and up to :math:`2\cdot 10^{5}`, :math:`\varepsilon \in [10^{-3}, 1]`). Parts decided
from samples (Lemma 8's sampled variance, Prop. 2's sampled version) are left out: a
counterexample here is a proven (or float64-certified) comparison, never noise.

Coordinates are drawn from a dyadic grid (multiples of 1/4, exact rationals, readable
counterexamples, frequent ties) or as floats in :math:`[-2, 2]`; weights are ratios of small
integers (:func:`otcheck.strategies.weights`), so every instance shrinks to a small, uniform one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from hypothesis import strategies as st
from numpy.typing import ArrayLike, NDArray

from .. import strategies as ots
from ..autoencoders import gaussian_nll_matrix
from ..bounds import Bound
from ..claims import FAILS, Evidence, Recorder
from ..claims._common import float_bound, weighted_sum
from ..claims.appendix_a import prop4, prop5
from ..claims.appendix_a_proofs import _div_bound, _prop5_steps, _sqrt_bound, prop4_proof, prop5_chain
from ..claims.appendix_b import corollary7_proof, lemma8_proof, theorem1_proof
from ..claims.section4_1 import lemma8, prop2_1d, prop2_linear
from ..claims.section4_1_autoencoders import aae_equals_pot, aae_limits, avb_optimal_encoder, pot_no_overlap, vae_blur
from ..claims.section4_2 import primal_imperfect_posterior, prop3, w1_primal_dual
from ..costs import cost_matrix
from ..divergences import js, kl
from . import register_space

__all__: list[str] = []

#: float64 numpy array
FloatArray = NDArray[np.float64]

#: A strategy drawing an instance: the keyword arguments of a space's check.
InstanceStrategy = st.SearchStrategy[dict[str, object]]


# --------------------------------------------------------------------------------------------
# building blocks
# --------------------------------------------------------------------------------------------
def _coordinate() -> st.SearchStrategy[float]:
    """A coordinate: a multiple of 1/4 in [-2, 2] (exact, shrinks to 0) or a float in [-2, 2]."""
    return st.one_of(
        st.integers(-8, 8).map(lambda k: k / 4.0),
        st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False, allow_subnormal=False),
    )


@st.composite
def _points(draw: st.DrawFn, n: int, dim: int, *, repeat: bool = True) -> FloatArray:
    """``n`` points in dimension ``dim``; with ``repeat``, rows may coincide (drawn from a few distinct rows)."""
    rows = [draw(st.lists(_coordinate(), min_size=dim, max_size=dim)) for _ in range(n)]
    if repeat and n > 1 and draw(st.booleans()):
        k = draw(st.integers(1, n))
        idx = draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n))
        rows = [rows[i] for i in idx]
    return np.array(rows, dtype=np.float64).reshape(n, dim)


def _log_uniform(lo: float, hi: float) -> st.SearchStrategy[float]:
    """A positive number on a log scale in ``[lo, hi]``, both ends included; shrinks to 1 (or the end near it)."""
    a, b = math.log10(lo), math.log10(hi)
    mid = min(max(0.0, a), b)
    return st.one_of(
        st.just(float(10.0**mid)),
        st.floats(a, b, allow_nan=False).map(lambda e: float(10.0**e)),
        st.sampled_from([float(lo), float(hi)]),
    )


def _sigma2() -> st.SearchStrategy[float]:
    r"""The decoder variance :math:`\sigma^2 \in [10^{-3}, 10^3]` (both ends drawn on purpose)."""
    return _log_uniform(1e-3, 1e3)


@st.composite
def _data(draw: st.DrawFn, max_n: int = 4, max_dim: int = 3, *, min_n: int = 1) -> tuple[FloatArray, FloatArray]:
    """``(a, X)``: a discrete P_X on ``min_n..max_n`` atoms (duplicates and zero weights possible)."""
    n = draw(st.integers(min_n, max_n))
    dim = draw(st.integers(1, max_dim))
    X = draw(_points(n, dim))
    a = draw(ots.weights(n, zeros=draw(st.booleans())))
    return a, X


@st.composite
def _decoder_instance(
    draw: st.DrawFn,
    max_n: int = 4,
    max_m: int = 3,
    max_dim: int = 3,
    *,
    min_m: int = 1,
    scales: Sequence[float] = (1.0,),
) -> dict[str, object]:
    """``{a, X, b, G}``: P_X, a prior on ``min_m..max_m`` codes (zero weights possible), and decoder means
    (coinciding images possible), the coordinates times a scale drawn from ``scales``."""
    a, X = draw(_data(max_n, max_dim))
    m = draw(st.integers(min_m, max_m))
    b = draw(ots.weights(m, zeros=draw(st.booleans())))
    G = draw(_points(m, X.shape[1]))
    scale = draw(st.sampled_from(list(scales)))
    return {"a": a, "X": X * scale, "b": b, "G": G * scale}


#: Scales of the data where no parameter sets one (the checks' float bounds must hold at every scale).
_SCALES = (1.0, 1e-3, 1e3)


def _encoder() -> st.SearchStrategy[str]:
    return st.sampled_from(["dirichlet", "deterministic", "zeros"])


@st.composite
def _encoder_family(draw: st.DrawFn, n: int, m: int, *, min_size: int = 1, max_size: int = 3) -> list[FloatArray]:
    """1-3 encoders ``(n, m)``: rows of full support, one-hot rows, rows with exact zeros."""
    k = draw(st.integers(min_size, max_size))
    out = []
    for _ in range(k):
        kind = draw(_encoder())
        out.append(draw(ots.encoders(n, m, deterministic=kind == "deterministic", zeros=kind == "zeros")))
    return out


def _array(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def _arrays(xs: Sequence[ArrayLike]) -> list[FloatArray]:
    return [np.asarray(x, dtype=np.float64) for x in xs]


def _bundle(claim: str, parts: Sequence[Evidence], instance: dict[str, object]) -> Evidence:
    """One claim's Evidence made of the given parts (each renamed to the claim)."""
    rec = Recorder(claim, instance=instance)
    for p in parts:
        rec.add(p)
    return rec.evidence()


# --------------------------------------------------------------------------------------------
# lemma8
# --------------------------------------------------------------------------------------------
def _lemma8_at(b: ArrayLike, G: ArrayLike, sigma2: float) -> Evidence:
    """Lemma 8's deterministic part: Var[Y_k] by Gauss-Hermite quadrature of the mixture == the exact right side.

    The sampled equivalence test of :func:`otcheck.claims.section4_1.lemma8` is run on 4 draws and
    dropped (its parts are the ``"confidence"`` ones): a counterexample must be a proof.
    """
    ev = lemma8(b, G, sigma2, n_samples=4, batches=2, seed=0)
    parts = [p for p in ev.parts if p.guarantee != "confidence"]
    return Evidence.all_of("lemma8", parts, instance=ev.instance, details=ev.details)


@st.composite
def _lemma8_space(draw: st.DrawFn) -> dict[str, object]:
    m = draw(st.integers(1, 4))
    dim = draw(st.integers(1, 3))
    b = draw(ots.weights(m, zeros=draw(st.booleans())))
    G = draw(_points(m, dim))
    scale = draw(st.sampled_from(_SCALES))
    return {"b": b, "G": G * scale, "sigma2": draw(_sigma2())}


# --------------------------------------------------------------------------------------------
# prop2
# --------------------------------------------------------------------------------------------
#: Methods of the bounds that come from a numerical optimizer (their error is estimated, not proven).
_OPTIMIZERS = ("L-BFGS-B fit", "bounded Brent")


def _optimized(part: Evidence) -> bool:
    """Whether a side of ``part`` comes from a numerical optimizer (:data:`_OPTIMIZERS`) rather than a closed
    form or a proof."""
    return any(b is not None and any(o in b.method for o in _OPTIMIZERS) for b in (part.lhs_bound, part.rhs_bound))


def _optimizer_failures_undecided(ev: Evidence) -> Evidence:
    r"""``ev`` with every failing part that rests on a numerical optimizer made ``undecided``.

    The error of an L-BFGS-B fit is estimated from its final gradient norm, that of a bounded Brent
    argmin from its tolerance and a curvature estimate: neither is a bound on the distance to the
    minimizer. Such a part failing is noise of the optimizer, not a counterexample (a search finds a fitted
    :math:`AA^\top` at :math:`10^{-10}` relative of the closed form :math:`\Sigma_X = 0.1`, and "the argmin
    depends on :math:`\sigma^2`" failing at two :math:`\sigma^2` one float apart); it is counted apart as
    undecided, never as a pass.
    """
    rec = Recorder(ev.claim, instance=ev.instance)
    for p in ev.parts or (ev,):
        if p.verdict == FAILS and _optimized(p):
            rec.undecided(p.lhs, p.rhs, p.relation, note=f"{p.note} (an optimizer's estimate, not a proof)")
        else:
            rec.add(p)
    return rec.evidence(details=ev.details)


def _prop2_at(Sigma_X: ArrayLike, sigma2s: ArrayLike, sigma2s_1d: ArrayLike, seed: int) -> Evidence:
    """Prop. 2: B.3's 1-D example at ``sigma2s_1d`` and the d-dim linear decoder at ``Sigma_X``, ``sigma2s``.

    Argmins and fits are numerical: their failing parts are undecided (:func:`_optimizer_failures_undecided`)."""
    parts = [
        _optimizer_failures_undecided(prop2_1d(sigma2s_1d)),
        _optimizer_failures_undecided(prop2_linear(Sigma_X, sigma2s, seed=seed)),
    ]
    inst: dict[str, object] = {"Sigma_X": _array(Sigma_X), "sigma2s": _array(sigma2s), "sigma2s_1d": sigma2s_1d}
    return _bundle("prop2", parts, inst)


def _distinct_fractions(lo: float, hi: float, *, max_size: int = 3) -> st.SearchStrategy[list[float]]:
    """2 to ``max_size`` distinct numbers in ``[lo, hi]`` (sorted), the ends drawn on purpose."""
    one = st.one_of(st.floats(lo, hi, allow_nan=False), st.sampled_from([lo, hi]))
    return st.lists(one, min_size=2, max_size=max_size, unique=True).map(sorted)


@st.composite
def _prop2_space(draw: st.DrawFn) -> dict[str, object]:
    dim = draw(st.integers(1, 3))
    lam = np.array([10.0 ** draw(st.floats(-1.0, 1.0)) for _ in range(dim)])
    M = np.array(draw(st.lists(st.floats(-1.0, 1.0), min_size=dim * dim, max_size=dim * dim))).reshape(dim, dim)
    V, _ = np.linalg.qr(M + np.eye(dim))  # an orthogonal matrix (the identity when M shrinks to 0)
    S = (V * lam) @ V.T
    S = 0.5 * (S + S.T)
    lam_min = float(np.linalg.eigvalsh(S).min())
    fr = draw(_distinct_fractions(1e-4, 0.999, max_size=2))
    fr1 = draw(_distinct_fractions(1e-4, 0.999))
    return {
        "Sigma_X": S,
        "sigma2s": [f * lam_min for f in fr],
        "sigma2s_1d": fr1,
        "seed": draw(st.integers(0, 2**16)),
    }


# --------------------------------------------------------------------------------------------
# aae-equals-pot, aae-limits
# --------------------------------------------------------------------------------------------
@st.composite
def _aae_equals_pot_space(draw: st.DrawFn) -> dict[str, object]:
    inst = draw(_decoder_instance())
    X, b = inst.pop("X"), inst.pop("b")
    assert isinstance(X, np.ndarray) and isinstance(b, np.ndarray)
    k = draw(st.integers(1, 3))
    decoders = [inst.pop("G")] + [draw(_points(b.size, X.shape[1])) for _ in range(k - 1)]
    if k > 1 and draw(st.booleans()):
        decoders[-1] = decoders[0]  # two decoders of the family coincide (tied infima)
    return {
        "a": inst["a"],
        "X": X,
        "b": b,
        "decoders": decoders,
        "encoders": draw(_encoder_family(X.shape[0], b.size)),
        "sigma2": draw(_sigma2()),
    }


def _aae_limits_at(
    a: ArrayLike, X: ArrayLike, b: ArrayLike, G: ArrayLike, small: ArrayLike, large: ArrayLike
) -> Evidence:
    return aae_limits(a, b, cost_matrix(_array(X), _array(G)), small=small, large=large)


@st.composite
def _aae_limits_space(draw: st.DrawFn) -> dict[str, object]:
    inst = draw(_decoder_instance(scales=(1.0, 1e-3, 10.0)))
    # sigma^2 -> 0: 2-3 values down to 1e-4; sigma^2 -> infinity: 2-3 values spanning at least three decades
    small = sorted({float(10.0**e) for e in draw(st.lists(st.integers(-4, 0), min_size=2, max_size=3, unique=True))})
    lo = draw(st.integers(-1, 1))
    top = draw(st.integers(lo + 3, 5))
    mids = draw(st.lists(st.integers(lo + 1, top - 1), max_size=1))
    large = sorted({float(10.0**e) for e in [lo, top, *mids]})
    return {**inst, "small": small[::-1], "large": large}


# --------------------------------------------------------------------------------------------
# vae-blur, avb-optimal-encoder, pot-no-overlap
# --------------------------------------------------------------------------------------------
def _vae_blur_at(a: ArrayLike, X: ArrayLike, Q: ArrayLike, seed: int) -> Evidence:
    return vae_blur(a, X, Q, seed=seed, perturbations=5)


@st.composite
def _vae_blur_space(draw: st.DrawFn) -> dict[str, object]:
    a, X = draw(_data())
    m = draw(st.integers(1, 4))
    kind = draw(_encoder())
    Q = draw(ots.encoders(X.shape[0], m, deterministic=kind == "deterministic", zeros=kind == "zeros"))
    scale = draw(st.sampled_from(_SCALES))
    return {"a": a, "X": X * scale, "Q": Q, "seed": draw(st.integers(0, 2**16))}


def _encoders_at(check: Callable[..., Evidence]) -> Callable[..., Evidence]:
    """The check of an instance ``{a, X, b, G, sigma2, encoders}``: ``check`` with the encoders as float arrays."""

    def at(
        a: ArrayLike, X: ArrayLike, b: ArrayLike, G: ArrayLike, sigma2: float, encoders: Sequence[ArrayLike]
    ) -> Evidence:
        return check(a, X, b, G, sigma2, _arrays(encoders))

    return at


@st.composite
def _encoders_space(draw: st.DrawFn, kl_floor: bool) -> dict[str, object]:
    """A decoder instance, ``sigma2`` and 1-3 encoders (with ``kl_floor``, of Prop. 5's class, on 2 codes or more)."""
    inst = draw(_decoder_instance(min_m=2 if kl_floor else 1))
    X, b = inst["X"], inst["b"]
    assert isinstance(X, np.ndarray) and isinstance(b, np.ndarray)
    sigma2 = draw(_sigma2())
    family = _kl_encoders(X.shape[0], b.size, b) if kl_floor else _encoder_family(X.shape[0], b.size)
    return {**inst, "sigma2": sigma2, "encoders": draw(family)}


_avb_at = _encoders_at(avb_optimal_encoder)


#: The note of the posterior-support part of :func:`~otcheck.claims.section4_1_autoencoders.avb_optimal_encoder`.
_AVB_SUPPORT = "Gaussian decoder: the posterior charges every code"

#: The note of the posterior-overlap part of :func:`~otcheck.claims.section4_1_autoencoders.pot_no_overlap`.
_POT_OVERLAP = "the VAE/AVB posterior on the same instance overlaps"


def _charged(b: ArrayLike, L: FloatArray) -> NDArray[np.bool_]:
    r"""Which entries of the posterior :math:`Q^*_{ij} = b_j e^{-\ell_{ij}} / \sum_k b_k e^{-\ell_{ik}}` are positive,
    decided exactly: :math:`Q^*_{ij} > 0` iff :math:`b_j > 0` and :math:`\ell_{ij} < \infty` (the denominator is a
    finite positive number; no exponential is evaluated, so nothing underflows)."""
    return (np.asarray(b, dtype=np.float64) > 0)[None, :] & np.isfinite(L)


def _avb_exact(
    a: ArrayLike, X: ArrayLike, b: ArrayLike, G: ArrayLike, sigma2: float, encoders: Sequence[ArrayLike]
) -> Evidence:
    r"""The check of :func:`_avb_at` with the posterior's support decided exactly (:func:`_charged`): every input
    charges exactly the codes of :math:`\mathrm{supp}\,P_Z` (the statement), instead of the float64 posterior's
    smallest entry ``> 0`` (which underflows to 0 when :math:`\ell_{ij} - \ell_{ik}` exceeds about 745)."""
    ev = _avb_at(a, X, b, G, sigma2, encoders)
    supp = np.asarray(b, dtype=np.float64) > 0
    Q = _charged(b, gaussian_nll_matrix(X, G, sigma2))
    rec = Recorder("avb-optimal-encoder", instance=ev.instance)
    for p in ev.parts:
        if not p.note.startswith(_AVB_SUPPORT):
            rec.add(p)
    rec.compare(
        Bound.exact(int(Q[:, supp].sum()), method="count of posterior entries on supp P_Z with a finite log"),
        Bound.exact(int(Q.shape[0] * supp.sum()), method="n |supp P_Z|"),
        "==",
        note="the posterior charges every code of supp P_Z, for every input (decided exactly, in the log domain)",
    )
    return rec.evidence()


@st.composite
def _avb_space(draw: st.DrawFn) -> dict[str, object]:
    inst = draw(_decoder_instance())
    X, b = inst["X"], inst["b"]
    assert isinstance(X, np.ndarray) and isinstance(b, np.ndarray)
    return {**inst, "sigma2": draw(_sigma2()), "encoders": draw(_encoder_family(X.shape[0], b.size))}


def _pot_no_overlap_at(X: ArrayLike, G: ArrayLike, sigma2: float) -> Evidence:
    return pot_no_overlap(X, G, sigma2=sigma2)


def _pot_no_overlap_exact(X: ArrayLike, G: ArrayLike, sigma2: float) -> Evidence:
    """The check of :func:`_pot_no_overlap_at` with the VAE posterior's overlap counted exactly (:func:`_charged`)."""
    ev = _pot_no_overlap_at(X, G, sigma2)
    n = np.asarray(X).shape[0]
    Q = _charged(np.full(n, 1.0 / n), gaussian_nll_matrix(X, G, sigma2))
    rec = Recorder("pot-no-overlap", instance=ev.instance)
    for p in ev.parts:
        if not p.note.startswith(_POT_OVERLAP):
            rec.add(p)
    rec.compare(
        Bound.exact(int((Q.sum(axis=0) > 1).sum()), method="count of codes with a finite log-posterior at 2+ inputs"),
        Bound.exact(0),
        ">",
        note=_POT_OVERLAP + " (decided exactly, in the log domain)",
    )
    return rec.evidence()


@st.composite
def _pot_no_overlap_space(draw: st.DrawFn) -> dict[str, object]:
    n = draw(st.integers(2, 5))
    dim = draw(st.integers(1, 3))
    scale = draw(st.sampled_from(_SCALES))
    return {
        "X": draw(_points(n, dim)) * scale,
        "G": draw(_points(n, dim)) * scale,
        "sigma2": draw(_sigma2()) * scale * scale,
    }


# --------------------------------------------------------------------------------------------
# w1-primal-dual, prop3, primal-imperfect-posterior
# --------------------------------------------------------------------------------------------
@st.composite
def _w1_space(draw: st.DrawFn) -> dict[str, object]:
    return draw(_decoder_instance(max_n=4, max_m=4, scales=_SCALES))


def _prop3_at(eps: ArrayLike, seed: int, beta: float, s: float, eta: float) -> Evidence:
    return prop3(eps, seed=seed, beta=beta, s=s, eta=eta)


@st.composite
def _prop3_space(draw: st.DrawFn) -> dict[str, object]:
    eps = draw(st.lists(_log_uniform(1e-3, 1.0), min_size=1, max_size=3, unique=True))
    return {
        "eps": sorted(eps, reverse=True),
        "seed": draw(st.integers(0, 2**16)),
        "beta": draw(st.one_of(_log_uniform(0.05, 100.0), st.just(0.25))),
        "s": draw(_log_uniform(0.05, 1.0)),
        "eta": draw(_log_uniform(0.05, 2.0)),
    }


def _primal_at(a: ArrayLike, x: ArrayLike, Q: ArrayLike) -> Evidence:
    return primal_imperfect_posterior(a, x, Q)


@st.composite
def _primal_space(draw: st.DrawFn) -> dict[str, object]:
    n = draw(st.integers(1, 6))
    m = draw(st.integers(1, 4))
    x = draw(_points(n, 1))[:, 0] * draw(st.sampled_from(_SCALES))
    a = draw(ots.weights(n, zeros=draw(st.booleans())))
    kind = draw(_encoder())
    Q = draw(ots.encoders(n, m, deterministic=kind == "deterministic", zeros=kind == "zeros"))
    return {"a": a, "x": x, "Q": Q}


# --------------------------------------------------------------------------------------------
# prop4, prop5
# --------------------------------------------------------------------------------------------
def _prop4_at(a: ArrayLike, X: ArrayLike, b: ArrayLike, G: ArrayLike, sigma2: float) -> Evidence:
    return prop4(a, X, b, G, sigma2)


@st.composite
def _prop4_space(draw: st.DrawFn) -> dict[str, object]:
    return {**draw(_decoder_instance()), "sigma2": draw(_sigma2())}


def _kl_floor_row(q: FloatArray, b: FloatArray, t: float) -> FloatArray:
    r"""The row ``q`` pushed towards the one-hot row of the least likely code until :math:`D_{KL}(q, b) \ge 1/4`.

    ``(1 - t) q + t e_j`` for the drawn ``t`` when that already meets the floor, else the one-hot row
    (:math:`D_{KL}(e_j, b) = -\log b_j \ge \log m \ge \log 2 > 1/4` for the least likely code of
    :math:`m \ge 2`).
    """
    if kl(q, b) >= 0.25:
        return q
    e = np.zeros_like(q)
    e[int(np.argmin(b))] = 1.0
    mixed = (1.0 - t) * q + t * e
    mixed = mixed / mixed.sum()
    return mixed if kl(mixed, b) >= 0.25 else e


@st.composite
def _kl_encoders(draw: st.DrawFn, n: int, m: int, b: FloatArray) -> list[FloatArray]:
    """1-3 encoders every row of which has ``KL(Q(.|x), b) >= 1/4`` (Prop. 5's class)."""
    fam = draw(_encoder_family(n, m))
    out = []
    for Q in fam:
        ts = draw(st.lists(st.sampled_from([1.0, 0.5, 0.75, 0.9]), min_size=n, max_size=n))
        out.append(np.array([_kl_floor_row(q, b, t) for q, t in zip(Q, ts)]))
    return out


# --------------------------------------------------------------------------------------------
# theorem1-proof, corollary7-proof, lemma8-proof (appendix B)
# --------------------------------------------------------------------------------------------
def _theorem1_proof_at(
    a: ArrayLike, X: ArrayLike, b: ArrayLike, G: ArrayLike, cost: str | float, seed: int
) -> Evidence:
    return theorem1_proof(a, X, b, G, cost=cost, seed=seed)


@st.composite
def _theorem1_proof_space(draw: st.DrawFn) -> dict[str, object]:
    inst = draw(_decoder_instance(max_m=4, scales=_SCALES))
    cost = draw(st.one_of(st.sampled_from(["sqeuclidean", "euclidean"]), st.sampled_from([3.0, 0.5])))
    return {**inst, "cost": cost, "seed": draw(st.integers(0, 2**16))}


def _corollary7_proof_at(
    a: ArrayLike, X: ArrayLike, b: ArrayLike, G: ArrayLike, noise: ArrayLike, noise_weights: ArrayLike
) -> Evidence:
    return corollary7_proof(a, X, b, G, noise, noise_weights)


@st.composite
def _corollary7_proof_space(draw: st.DrawFn) -> dict[str, object]:
    inst = draw(_decoder_instance(scales=(1.0, 1e-3, 10.0)))
    X = inst["X"]
    assert isinstance(X, np.ndarray)
    k = draw(st.integers(1, 3))
    r = draw(ots.weights(k, dyadic=True))
    E = draw(_points(k, X.shape[1])) * draw(st.sampled_from([1.0, 1e-3, 10.0]))
    E = E - r @ E  # centred (to rounding: the check accepts |r @ E| <= 1e-12)
    return {**inst, "noise": E, "noise_weights": r}


def _lemma8_proof_at(b: ArrayLike, G: ArrayLike, sigma2: float) -> Evidence:
    return lemma8_proof(b, G, sigma2)


@st.composite
def _lemma8_proof_space(draw: st.DrawFn) -> dict[str, object]:
    m = draw(st.integers(1, 3))
    b = draw(ots.weights(m, zeros=draw(st.booleans())))
    return {"b": b, "G": draw(_points(m, 1))[:, 0], "sigma2": draw(_sigma2())}


# --------------------------------------------------------------------------------------------
# prop4-proof, prop5-proof (appendix A)
# --------------------------------------------------------------------------------------------
def _prop5_proof_at(
    p: ArrayLike,
    q: ArrayLike,
    K: float,
    weights: ArrayLike,
    Qs: ArrayLike,
    P_Z: ArrayLike,
    a: ArrayLike,
    X: ArrayLike,
    b: ArrayLike,
    G: ArrayLike,
    sigma2: float,
    encoders: Sequence[ArrayLike],
) -> Evidence:
    """Every cited step of the proof of Prop. 5 at one instance: the pair steps (s0-s5) at ``(p, q)``, s6 at
    the mixture ``weights @ Qs`` against ``P_Z``, s7 at ``K >= 1/4``, and the displayed chain on the discrete
    instance ``(a, X, b, G, sigma2)`` with a class meeting the assumption.

    The sides of each step are :func:`otcheck.claims.appendix_a_proofs._prop5_steps`', as in
    :func:`~otcheck.claims.appendix_a_proofs.prop5_proof` (which searches its own pairs; here hypothesis does).
    """
    p, q = _array(p), _array(q)
    rec = Recorder("prop5-proof", instance={"p": p, "q": q})
    for name, (_, sides, relation) in _prop5_steps().items():
        lhs, rhs = sides(p, q)
        rec.compare(lhs, rhs, relation, note=name, instance={"step": name, "p": p, "q": q})
    w, Q, bz = _array(weights), _array(Qs), _array(P_Z)
    rec.compare(
        _div_bound(js(w @ Q, bz), "D_JS(sum a_i Q_i, P_Z)"),
        weighted_sum(w, (_div_bound(js(qi, bz), "D_JS(Q_i, P_Z)") for qi in Q)),
        "<=",
        instance={"weights": w, "Q": Q, "P_Z": bz},
        note="s6 JS(sum a_i Q_i, P_Z) <= sum a_i JS(Q_i, P_Z) (joint convexity, Jensen)",
    )
    rec.compare(
        _sqrt_bound(float_bound(K, K, "K"), 0.5, "1/2 sqrt(K)"),
        float_bound(K, K, "K"),
        "<=",
        instance={"K": K},
        note="s7 1/2 sqrt(KL) <= KL for KL >= 1/4 (the assumption's constant)",
    )
    chain = prop5_chain(a, X, b, G, sigma2, _arrays(encoders))
    for part in chain.parts:
        rec.add(part)
    return rec.evidence()


@st.composite
def _prop5_proof_space(draw: st.DrawFn) -> dict[str, object]:
    k = draw(st.integers(2, 4))
    p = draw(ots.weights(k, zeros=True))
    q = draw(ots.weights(k, zeros=True))
    mix = draw(st.integers(2, 3))
    m = draw(st.integers(2, 4))
    Qs = np.array([draw(ots.weights(m, zeros=True)) for _ in range(mix)])
    inst = draw(_decoder_instance(min_m=2))
    X, b = inst["X"], inst["b"]
    assert isinstance(X, np.ndarray) and isinstance(b, np.ndarray)
    return {
        "p": p,
        "q": q,
        "K": draw(st.one_of(st.just(0.25), st.floats(0.25, 50.0))),
        "weights": draw(ots.weights(mix, zeros=True)),
        "Qs": Qs,
        "P_Z": draw(ots.weights(m, zeros=True)),
        **inst,
        "sigma2": draw(_sigma2()),
        "encoders": draw(_kl_encoders(X.shape[0], b.size, b)),
    }


# --------------------------------------------------------------------------------------------
# registration
# --------------------------------------------------------------------------------------------
#: The discrete instance most spaces draw (:func:`_decoder_instance`).
_INSTANCE = (
    "P_X on 1-4 atoms in dim 1-3 (duplicated atoms, zero weights, Diracs), P_Z on 1-3 codes (a single code, "
    "zero weights), decoder images that may coincide"
)
_INSTANCE_2 = _INSTANCE.replace("1-3 codes (a single code, ", "2-3 codes (")
_SIGMA2 = "sigma^2 in [1e-3, 1e3] (log scale, both ends)"

register_space(
    "lemma8",
    _lemma8_space(),
    _lemma8_at,
    description="discrete P_Z on 1-4 codes (zero weights, a single code), G in dim 1-3 (coinciding images) at "
    f"scales 1e-3..1e3, {_SIGMA2}; the quadrature equality only: the sampled variance is left out (noise, not "
    "proof), and a continuous P_Z (the paper's N(0, 1) example) has no certified check to run",
)
register_space(
    "prop2",
    _prop2_space(),
    _prop2_at,
    description="B.3's 1-D example at 2-3 distinct sigma^2 in [1e-4, 0.999]; a linear decoder for "
    "P_X = N(0, Sigma_X), Sigma_X in dim 1-3 (eigenvalues 0.1-10, rotated), at 2 distinct sigma^2 from 1e-4 to "
    "0.999 of lambda_min, random fit initialization (a failing part that rests on a numerical fit or argmin is "
    "undecided: its error is estimated, not proven); leaves out the sampled version (noise) and sigma^2 >= "
    "lambda_min (the check's closed form Sigma_X - sigma^2 I needs it; the dependence on sigma^2 is asserted of "
    "the function sigma^2 -> argmin, and above lambda_max the argmin A = 0 no longer moves)",
)
register_space(
    "aae-equals-pot",
    _aae_equals_pot_space(),
    aae_equals_pot,  # validates each decoder and encoder itself
    description=f"{_INSTANCE}; families of 1-3 decoders (two may coincide: tied infima) and 1-3 encoders "
    f"(full-support, one-hot, zero entries); {_SIGMA2}",
)
register_space(
    "aae-limits",
    _aae_limits_space(),
    _aae_limits_at,
    description=f"{_INSTANCE}, at data scales 1e-3, 1, 10; squared costs; 2-3 small sigma^2 in 1e-4..1 and 2-3 "
    "large sigma^2 from 0.1..10 up over at least three decades (to at most 1e5)",
)
register_space(
    "vae-blur",
    _vae_blur_space(),
    _vae_blur_at,
    description="P_X on 1-4 atoms in dim 1-3 (duplicates, zero weights, Diracs) at scales 1e-3..1e3, any fixed "
    "encoder on 1-4 codes (full-support, one-hot, zero entries, codes without mass), 5 seeded perturbations of G*",
)
register_space(
    "avb-optimal-encoder",
    _avb_space(),
    _avb_at,
    exact=_avb_exact,
    description=f"{_INSTANCE}; {_SIGMA2}; 1-3 encoders to compare (full-support, one-hot, zero entries); exact "
    "re-check: the posterior's support decided in the log domain",
)
register_space(
    "pot-no-overlap",
    _pot_no_overlap_space(),
    _pot_no_overlap_at,
    exact=_pot_no_overlap_exact,
    description="uniform P_X and P_Z on n = 2-5 points in dim 1-3 (coinciding atoms and images) at scales "
    "1e-3..1e3, the VAE posterior at sigma^2 in [1e-3, 1e3] x scale^2; leaves out n = 1 (one input shares no code) "
    "and unequal weights (the statement is existential, 'need not overlap', and with unequal weights no "
    "support-disjoint coupling may exist, e.g. a Dirac P_X and two codes); exact re-check: the overlap counted in "
    "the log domain",
)
register_space(
    "w1-primal-dual",
    _w1_space(),
    w1_primal_dual,
    description="P_X on 1-4 atoms and P_Z on 1-4 codes in dim 1-3 (duplicated atoms, zero weights, Diracs, "
    "non-injective decoders) at scales 1e-3..1e3",
)
register_space(
    "prop3",
    _prop3_space(),
    _prop3_at,
    description="1-3 values of eps in [1e-3, 1]; the class H at Hessian bound beta in [0.05, 100] (and 0.25, "
    "where eps = 1 = 4 beta puts (iii)'s points on the data atoms) and smoothing s in [0.05, 1]; height eta in "
    "[0.05, 2]; B.4's two-point laws in the plane are the statement's construction (nothing else to quantify)",
)
register_space(
    "primal-imperfect-posterior",
    _primal_space(),
    _primal_at,
    description="1-D P_X on 1-6 atoms (duplicates, zero weights) at scales 1e-3..1e3, any encoder on 1-4 codes "
    "(shared codes, codes without mass, one-hot rows, zero entries)",
)
register_space(
    "prop4",
    _prop4_space(),
    _prop4_at,
    description=f"{_INSTANCE}; Gaussian decoder, {_SIGMA2}; both readings of R (D_GAN, D_KL)",
)
register_space(
    "prop5",
    _encoders_space(kl_floor=True),
    _encoders_at(prop5),
    description=f"{_INSTANCE_2}; {_SIGMA2}; a class of 1-3 encoders every row at KL >= 1/4 (one-hot rows, rows "
    "pushed to the floor); leaves out a single code (no encoder meets the assumption: the class would be empty)",
)
register_space(
    "theorem1-proof",
    _theorem1_proof_space(),
    _theorem1_proof_at,
    description=f"{_INSTANCE.replace('1-3 codes', '1-4 codes')} at scales 1e-3..1e3; costs |x-y|^2, |x-y|, "
    "|x-y|^3, |x-y|^0.5; seeded random couplings",
)
register_space(
    "corollary7-proof",
    _corollary7_proof_space(),
    _corollary7_proof_at,
    description=f"{_INSTANCE} at data scales 1e-3, 1, 10; a centred discrete decoder noise on 1-3 atoms (a Dirac "
    "at 0 included) at scales 1e-3..10, unequal coordinate variances",
)
register_space(
    "lemma8-proof",
    _lemma8_proof_space(),
    _lemma8_proof_at,
    description=f"1-D decoder means on 1-3 codes (zero weights, a single code, coinciding means); {_SIGMA2}",
)
register_space(
    "prop4-proof",
    _encoders_space(kl_floor=False),
    _encoders_at(prop4_proof),
    description=f"{_INSTANCE}; {_SIGMA2}; 1-3 encoders for the pointwise steps (full-support, one-hot, zeros)",
)
register_space(
    "prop5-proof",
    _prop5_proof_space(),
    _prop5_proof_at,
    description="the pair steps (s0-s5) at any two laws on 2-4 atoms (zeros, Diracs, disjoint supports), s6 at "
    "mixtures of 2-3 laws, s7 at KL in [1/4, 50], and the displayed chain on " + _INSTANCE_2 + f", {_SIGMA2}, with "
    "a class of 1-3 encoders meeting KL >= 1/4",
)
