r"""Claims of appendix B: every displayed step of the proofs of Theorem 1 (B.1, with Lemma 6), Corollary 7
(B.2) and Lemma 8 (B.3), each checked on its own (``kind="step"``).

A failing step is a finding, reported with whether the proposition itself still holds
(``details["proposition_holds"]``). As in :mod:`otcheck.claims.section2`, each claim has a public
function taking an explicit instance and a registered seeded ``check``. Sums of masses and costs
are float64 evaluations (:func:`~otcheck.claims._common.float_bound`), OT values are certified for
the float64 cost matrices and widened by their rounding
(:func:`~otcheck.claims._common.rounded_input`), quadratures carry their error estimates.
The notation of an instance, ``a, X, b, G``, is that of :func:`~otcheck.claims._instances.decoder_args`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from .. import autoencoders as AE
from .._validation import as_float_array, as_generator, as_points, as_weights, check_nonnegative
from ..bounds import FLOAT_REL_ERROR, Bound
from ..costs import CostLike, cost_matrix
from ..exact import solve_ot, wasserstein
from ..measures import DiscreteMeasure
from ._common import ZERO, float_bound, min_bound, rounded_input
from ._evidence import HOLDS, Evidence, Recorder
from ._instances import FloatArray, Seed, check_same_dim, decoder_args, seeded, seeded_decoder_instance
from ._registry import register

__all__ = ["theorem1_proof", "corollary7_proof", "lemma8_proof"]


# --------------------------------------------------------------------------------------------
# theorem1-proof (B.1)
# --------------------------------------------------------------------------------------------
def _marginal_deviation(P: FloatArray, r: FloatArray, c: FloatArray) -> float:
    """``max(|P 1 - r|, |P^T 1 - c|)``: how far ``P`` is from a coupling of ``r`` and ``c``."""
    return max(float(np.abs(P.sum(1) - r).max()), float(np.abs(P.sum(0) - c).max()))


def _mass_bound(value: float, what: str) -> Bound:
    """A sum of probability masses (total one) evaluated in float64: scale 1."""
    return float_bound(value, 1.0, what)


def _cost_bound(P: FloatArray, C: FloatArray, what: str) -> Bound:
    r""":math:`\langle C, P\rangle` evaluated in float64 (scale :math:`\sum P|C|`)."""
    return float_bound(float((P * C).sum()), float((np.abs(P) * np.abs(C)).sum()), what)


def theorem1_proof(
    a: ArrayLike, X: ArrayLike, b: ArrayLike, G: ArrayLike, *, cost: CostLike = "sqeuclidean", seed: Seed = 0
) -> Evidence:
    r"""Each step of the proof of Theorem 1 (B.1, Lemma 6), with a possibly non-injective G.

    1. Lemma 6, inclusion: a coupling :math:`\pi \in \Pi(P_X, P_Z)` induces
       :math:`\Gamma(x, y) = \sum_{z: G(z) = y} \pi(x, z)` with marginals :math:`P_X`, :math:`P_G`
       (checked for the float plan of a certified OT problem: :math:`\Gamma`'s marginals deviate
       from :math:`(P_X, P_G)` by no more than :math:`\pi`'s deviate from :math:`(P_X, P_Z)`,
       times the largest number of codes sent to one point).
    2. Tower rule: :math:`\mathbb E_\pi c(X, G(Z)) = \mathbb E_\Gamma c(X, Y)`.
    3. Lemma 6, identity (Dirac decoders): an optimal :math:`\Gamma^*` lifts to
       :math:`\pi(x, z) = \Gamma^*(x, G(z))\, b_z / P_G(G(z))` in :math:`\Pi(P_X, P_Z)` (as much a
       coupling as :math:`\Gamma^*`'s float plan is), with the same cost; a code of prior mass 0 gets
       none (:math:`b_z = 0`, also where :math:`P_G(G(z)) = 0`).
    4. Eq. 10: :math:`W_c(P_X, P_G) = \min_{\pi \in \Pi(P_X,P_Z)} \mathbb E_\pi c(X, G(Z))`: two
       certified OT values (proofs).
    5. Eq. 11: the minimum over encoders with :math:`Q_Z = P_Z`, an LP in the entries of
       :math:`Q` (:func:`otcheck.autoencoders.constrained_encoder`), equals eq. 10's value; random
       feasible encoders do not do better.

    Sums of masses and costs are float64 evaluations (:meth:`~otcheck.bounds.Bound.floating`, scale:
    the total mass 1, resp. :math:`\sum P|C|`); no other tolerance.

    Parameters
    ----------
    a, X, b, G : array_like
        The instance (module notation); repeated rows make ``G`` non-injective.
    cost : str
        Ground cost, as in :func:`otcheck.cost_matrix`.
    seed : int or numpy.random.Generator
        For the random couplings.

    Returns
    -------
    Evidence
        Headline: eq. 10, :math:`W_c(P_X, P_G)` ``==`` the OT value over :math:`\Pi(P_X, P_Z)` (two proofs).

    Examples
    --------
    >>> theorem1_proof([0.5, 0.5], [[0.0], [1.0]], [0.25, 0.25, 0.5], [[1.0], [1.0], [3.0]]).verdict
    'holds'
    """
    a, X, b, G = decoder_args(a, X, b, G)
    rng = as_generator(seed)
    PG = DiscreteMeasure(G, b).merged()
    idx = np.array([int(np.flatnonzero(np.all(PG.atoms == g, axis=1))[0]) for g in G])
    S = np.zeros((G.shape[0], PG.n))
    S[np.arange(G.shape[0]), idx] = 1.0  # z -> y = G(z)
    group = int(S.sum(0).max())  # most codes sent to one point
    Cz = cost_matrix(X, G, cost)
    Cy = cost_matrix(X, PG.atoms, cost)
    pi = solve_ot(a, b, rng.random(Cz.shape)).plan  # some coupling of (P_X, P_Z)
    Gam = pi @ S
    lemma6 = _marginal_deviation(Gam, a, PG.weights)
    pi_dev = _marginal_deviation(pi, a, b)
    opt_y = wasserstein(DiscreteMeasure(X, a), PG, cost=cost)
    # pi(x, z) = Gamma*(x, G(z)) b_z / P_G(G(z)); a code of prior mass 0 gets none (0 / 0 -> 0: its image, when no
    # other code shares it, has P_G-mass 0, and Gamma*'s column there carries only the plan's residual)
    share = np.divide(b, PG.weights[idx], out=np.zeros_like(b), where=b > 0)
    lift = opt_y.plan[:, idx] * share[None, :]
    lift_marg = _marginal_deviation(lift, a, b)
    opt_dev = _marginal_deviation(opt_y.plan, a, PG.weights)
    opt_z = solve_ot(a, b, Cz)
    enc = AE.constrained_encoder(a, b, Cz)
    enc_marg = float(np.abs(AE.aggregated_posterior(a, enc.encoder) - b).max())
    others = [solve_ot(a, b, rng.random(Cz.shape)).plan for _ in range(5)]
    inst = {"a": a, "X": X, "b": b, "G": G, "cost": cost}
    rec = Recorder("theorem1-proof", instance=inst)
    rec.compare(
        _mass_bound(lemma6, "marginal deviation of Gamma from (P_X, P_G)"),
        _mass_bound(pi_dev, "marginal deviation of pi from (P_X, P_Z)") * float(group),
        "<=",
        details={"codes_per_point": group},
        note="Lemma 6 inclusion: induced (X, G(Z)) coupling has marginals P_X, P_G "
        "(to the input coupling's own marginal residual)",
    )
    rec.compare(
        _cost_bound(pi, Cz, "E_pi c(X, G(Z))"), _cost_bound(Gam, Cy, "E_Gamma c(X, Y)"), "==", note="tower rule"
    )
    rec.compare(
        _mass_bound(lift_marg, "marginal deviation of the lift from (P_X, P_Z)"),
        _mass_bound(opt_dev, "marginal deviation of Gamma* from (P_X, P_G)"),
        "<=",
        note="Lemma 6 identity: the optimal (X, Y) coupling lifts to P(P_X, P_Z) (to Gamma*'s own marginal residual)",
    )
    rec.compare(
        _cost_bound(lift, Cz, "cost of the lift"),
        _cost_bound(opt_y.plan, Cy, "cost of Gamma*"),
        "==",
        note="the lift keeps the cost",
    )
    eq10 = rec.compare(
        opt_y.bound, opt_z.bound, "==", note="eq. 10: W_c(P_X, P_G) == OT(P_X, P_Z; c(x, G(z))) (G non-injective)"
    )
    rec.compare(
        _mass_bound(enc_marg, "max |Q_Z - P_Z| of the LP encoder"),
        ZERO,
        "==",
        note="eq. 11: the encoder minimizing over {Q: Q_Z = P_Z} (an LP over Q) has Q_Z = P_Z",
    )
    # EncoderLP.bound accounts for HiGHS's dual infeasibility (opt >= dual value - delta n, each of the n rows of
    # an encoder summing to one; without it primal and dual values were seen equal, 1.9e-12 above the OT value)
    rec.compare(enc.bound, opt_z.bound, "==", note="eq. 11: and its value equals eq. 10's")
    rec.compare(
        min_bound(_cost_bound(P, Cz, "cost of a random coupling") for P in others),
        opt_z.bound,
        ">=",
        note="eq. 11: other feasible encoders do not do better",
    )
    holds = eq10.verdict == HOLDS
    ok = {"holds": "Theorem 1 holds on this instance", "fails": "Theorem 1 FAILS on this instance"}.get(
        eq10.verdict, "Theorem 1 is undecided on this instance"
    )
    return rec.evidence(
        relation="==",
        lhs=opt_y.bound,
        rhs=opt_z.bound,
        details={"proposition": ok, "proposition_holds": bool(holds), "W_c": opt_y.cost},
    )


@register(
    "theorem1-proof",
    location="App. B.1 (Lemma 6, proof of Theorem 1)",
    section="B",
    kind="step",
    relation="==",
    statement="each step of B.1: Lemma 6 inclusion and identity, tower rule, eq. 10 and eq. 11",
)
def _check_theorem1_proof(seed: Seed = 0, n: int = 5, m: int = 5, dim: int = 2) -> Evidence:
    """Every step of B.1 on a random instance whose decoder maps two pairs of codes to the same points."""
    rng, (a, X, b, G) = seeded_decoder_instance(seed, n, m, dim)
    if m >= 3:
        G[-1] = G[0]
        G[-2] = G[1]
    return theorem1_proof(a, X, b, G, seed=rng)


# --------------------------------------------------------------------------------------------
# corollary7-proof (B.2)
# --------------------------------------------------------------------------------------------
def corollary7_proof(
    a: ArrayLike, X: ArrayLike, b: ArrayLike, G: ArrayLike, noise: ArrayLike, noise_weights: ArrayLike
) -> Evidence:
    r"""Each step of the proof of Corollary 7 (B.2) with a discrete, centred decoder noise.

    :math:`P_G(Y|Z = z) = \sum_k r_k \delta_{G(z) + e_k}` with :math:`\sum_k r_k e_k = 0`
    (mean :math:`G(z)`, coordinate variances :math:`\sigma_i^2 = \sum_k r_k e_{ki}^2`): Corollary 7
    needs only means and variances, so exact enumeration checks it.

    1. :math:`\mathbb E_{Y|z}\|x - Y\|^2 = \|x - G(z)\|^2 + 2\mathbb E\langle x - G(z), G(z) - Y\rangle +
       \mathbb E\|G(z) - Y\|^2` with the cross term 0 and the last :math:`\sum_i \sigma_i^2` (a noise
       given in floats is centred only to within :math:`\|\sum_k r_k e_k\|`, accepted up to 1e-12:
       the cross term is then checked to be at most :math:`\|x - G(z)\|\,\|\sum_k r_k e_k\|`).
    2. Eq. 17 / 16: :math:`W_c^\dagger = \min_{\pi \in \Pi(P_X,P_Z)} \mathbb E_\pi \mathbb E_{Y|Z}\|X-Y\|^2`
       (enumerated) :math:`= \sum_i\sigma_i^2 + \min_\pi \mathbb E_\pi\|X - G(Z)\|^2`.
    3. Eq. 9: :math:`W_c(P_X, P_G) \le W_c^\dagger` (certified OT to the full mixture).

    OT values are certified for the float64 cost matrices (proofs, :attr:`~otcheck.OTResult.bound`),
    widened by the rounding of those matrices (the model's costs are exact, an OT optimum moves by
    at most the largest entry change); the cross term, the expansion and :math:`\sum_i\sigma_i^2`
    are float64 evaluations (:meth:`~otcheck.bounds.Bound.floating`, scale: the size of the
    numbers each one is computed from); no other tolerance.

    Parameters
    ----------
    a, X, b, G : array_like
        The instance (module notation): :math:`G(z_j)` is the decoder's mean.
    noise : array_like, shape (k, d)
        Atoms :math:`e_k` of the decoder noise, centred.
    noise_weights : array_like, shape (k,)
        Their weights :math:`r_k`.

    Returns
    -------
    Evidence
        Headline: eq. 16-17, :math:`W_c^\dagger` ``==`` :math:`\sum_i\sigma_i^2 + ` OT.

    Raises
    ------
    ValueError
        A noise that is not centred.

    Examples
    --------
    >>> corollary7_proof([1.0], [[0.0]], [1.0], [[1.0]], [[-1.0], [1.0]], [0.5, 0.5]).details["W_c_dagger"]
    2.0
    """
    a, X, b, G = decoder_args(a, X, b, G)
    E = as_points(noise, "noise")
    check_same_dim(X, E, "noise")
    r = as_weights(noise_weights, "noise_weights", n=E.shape[0])
    if abs(r @ E).max() > 1e-12:
        raise ValueError("noise: must be centred, sum_k r_k e_k = 0")
    s2 = r @ (E**2)
    Y = G[:, None, :] + E[None, :, :]  # (m, k, d)
    diff = X[:, None, None, :] - Y[None]  # (n, m, k, d)
    Ctil = ((diff**2).sum(-1) * r).sum(-1)  # E_{Y|z_j} ||x_i - Y||^2
    C = cost_matrix(X, G)
    xg = (X[:, None, :] - G[None])[:, :, None, :]  # (n, m, 1, d)
    gy = (G[:, None, :] - Y)[None]  # (1, m, k, d)
    cross = ((xg * gy).sum(-1) * r).sum(-1)
    # sizes of the numbers the differences x - G(z), G(z) - Y and x - Y were computed from
    ax, ag, ay = np.abs(X)[:, None, None, :], np.abs(G)[None, :, None, :], np.abs(Y)[None]
    cross_scale = float((((ax + ag) * (ag + ay)).sum(-1) * r).sum(-1).max())
    expansion_scale = max(
        float((((ax + ay) ** 2).sum(-1) * r).sum(-1).max()),
        float(((ax[:, :, 0] + ag[:, :, 0]) ** 2).sum(-1).max()) + float(s2.sum()),
    )
    expansion = float(np.abs(Ctil - (C + s2.sum())).max())
    ot_dag = solve_ot(a, b, Ctil)
    ot_c = solve_ot(a, b, C)
    mix = DiscreteMeasure(Y.reshape(-1, X.shape[1]), (b[:, None] * r[None, :]).ravel())
    wc = wasserstein(DiscreteMeasure(X, a), mix)
    # the certificates prove the optima of the float64 cost matrices; the matrices of the model (exact
    # G(z) + e_k and squared distances) differ entrywise by their rounding, which moves an OT value by
    # at most as much (the optimum is 1-Lipschitz in max |C_ij| for couplings of total mass one)
    size_y = float(((ax + ay) ** 2).sum(-1).max())  # largest ||(|x| + |y|)||^2 over x, y = G(z) + e_k
    size_g = float(((ax[:, :, 0] + ag[:, :, 0]) ** 2).sum(-1).max())
    wdag = rounded_input(ot_dag.bound, expansion_scale, "E||x - Y||^2")
    wdag2 = float_bound(float(s2.sum()), float(s2.sum()), "sum_i sigma_i^2") + rounded_input(
        ot_c.bound, size_g, "||x - G(z)||^2"
    )
    wc_b = rounded_input(wc.bound, size_y, "||x - y||^2 to the mixture")
    inst = {"a": a, "X": X, "b": b, "G": G, "noise": E, "noise_weights": r}
    rec = Recorder("corollary7-proof", instance=inst)
    # the noise is centred to within |r @ E| (validated <= 1e-12, not exactly 0 in floats): the cross term is
    # exactly -<x - G(z), r @ E>, at most ||x - G(z)|| ||r @ E|| (Cauchy-Schwarz)
    off = float(np.sqrt(((X[:, None, :] - G[None]) ** 2).sum(-1)).max() * np.linalg.norm(r @ E))
    off_b = float_bound(off, off, "max ||x - G(z)|| ||r @ E|| (the noise's own mean)")
    rec.compare(
        float_bound(float(np.abs(cross).max()), cross_scale, "max |E<X - G(Z), G(Z) - Y>|"),
        off_b,
        "<=",
        note="cross term E<X - G(Z), G(Z) - Y> = 0 (to within the noise's own mean r @ E, 0 when centred)",
    )
    rec.compare(
        float_bound(expansion, expansion_scale, "max |E||X - Y||^2 - ||X - G(Z)||^2 - sum sigma_i^2|"),
        2.0 * off_b,
        "<=",
        note="E_{Y|Z}||X - Y||^2 = ||X - G(Z)||^2 + sum_i sigma_i^2 (to within twice the cross term's bound)",
    )
    eq17 = rec.compare(wdag, wdag2, "==", note="eq. 16-17: W_c^dagger = sum sigma_i^2 + OT(P_X, P_Z; ||x - G(z)||^2)")
    eq9 = rec.compare(wc_b, wdag, "<=", note="eq. 9: W_c(P_X, P_G) <= W_c^dagger")
    holds = eq17.verdict == HOLDS and eq9.verdict == HOLDS
    return rec.evidence(
        relation="==",
        lhs=wdag,
        rhs=wdag2,
        details={
            "sigma2": s2,
            "W_c": wc.cost,
            "W_c_dagger": ot_dag.cost,
            "proposition_holds": holds,
            "proposition": "Corollary 7 holds"
            if holds
            else "Corollary 7 FAILS on this instance"
            if "fails" in (eq17.verdict, eq9.verdict)
            else "Corollary 7 is undecided on this instance",
        },
    )


@register(
    "corollary7-proof",
    location="App. B.2 (proof of Corollary 7, eq. 17)",
    section="B",
    kind="step",
    relation="==",
    statement="each step of B.2: the expansion of E||X - Y||^2, the vanishing cross term, eq. 16-17, eq. 9",
)
def _check_corollary7_proof(seed: Seed = 0, n: int = 4, m: int = 3, dim: int = 2, k: int = 3) -> Evidence:
    """Exact enumeration with a discrete centred noise of unequal coordinate variances."""
    rng, (a, X, b, G) = seeded_decoder_instance(seed, n, m, dim, k=k)
    r = rng.dirichlet(np.full(k, 2.0))
    E = rng.normal(0, 1, (k, dim)) * np.linspace(0.3, 1.0, dim)
    E -= r @ E
    return corollary7_proof(a, X, b, G, E, r)


# --------------------------------------------------------------------------------------------
# lemma8-proof (B.3)
# --------------------------------------------------------------------------------------------
def _quad_bound(value: float, error: float, scale: float, what: str) -> Bound:
    r"""A quadrature result as a :class:`~otcheck.bounds.Bound`: ``value`` with its propagated error
    estimate ``error``, plus :data:`~otcheck.bounds.FLOAT_REL_ERROR` of ``scale`` (the size of the
    integrand's values) for the float64 evaluation. An ``"estimate"``."""
    return Bound.estimate(
        value, float(error) + FLOAT_REL_ERROR * float(scale), method=f"adaptive quadrature (scipy quad): {what}"
    )


def lemma8_proof(b: ArrayLike, G: ArrayLike, sigma2: float) -> Evidence:
    r"""Each step of the proof of Lemma 8 (B.3), by quadrature of the mixture density.

    With :math:`Y|Z \sim \mathcal N(G(Z), \sigma^2)` and discrete :math:`P_Z`
    (:func:`otcheck.autoencoders.mixture_moments_quad`):

    1. :math:`\mathbb E[Y] = \mathbb E[G(Z)]`;
    2. :math:`\mathrm{Var}[Y] = \int (y - G(z))^2 + \int (G(z) - \mathbb E G)^2 + 2\,\text{cross}`,
       where the displayed proof drops the cross term: it must be 0;
    3. the two terms are :math:`\sigma^2` and :math:`\mathrm{Var}\,G(Z)`.

    Each quadrature value is known to the quadrature's own error estimate ``abserr`` (the
    largest over its integrals), propagated through the sums that use it (the mean :math:`m` enters
    the between and cross terms), plus float64 rounding of the integrands' size: estimates, with
    no other tolerance. :math:`\sigma^2` is given (exact); :math:`\mathbb E G` and
    :math:`\mathrm{Var}\,G` are float64 sums.

    Parameters
    ----------
    b, G : array_like, shape (m,)
        Prior weights and the 1-D decoder means :math:`G(z_j)`.
    sigma2 : float
        The decoder's variance, > 0.

    Returns
    -------
    Evidence
        One part per step; ``details["proposition_holds"]`` says whether Lemma 8 itself holds.

    Examples
    --------
    >>> lemma8_proof([0.5, 0.5], [-1.0, 1.0], 0.5).verdict
    'holds'
    """
    G = as_float_array(G, "G", ndim=1)
    b = as_weights(b, "b", n=G.size)
    s2 = check_nonnegative(sigma2, "sigma2", strict=True)
    mo = AE.mixture_moments_quad(b, G, s2)
    e, m, s = float(mo["abserr"]), float(mo["mean"]), math.sqrt(s2)
    mean_g = float(b @ G)
    var_g = float(b @ (G - mean_g) ** 2)
    spread = float(b @ (G - m) ** 2)  # sum_j b_j (G_j - m)^2
    dev = float(b @ np.abs(G - m))  # sum_j b_j |G_j - m|
    # each integral is known to e (the within and cross integrands carry their factor b_j, (G_j - m) inside:
    # error sum_j b_j e = e); the mean's error e enters the between term through (G_j - m)^2 outside its
    # integral (first order 2 |E G - m| e, then e^2), the variance and the cross term at second order (e^2)
    mean = _quad_bound(m, e, float(b @ np.abs(G)) + s, "E[Y]")
    var = _quad_bound(mo["var"], e + e * e, mo["var"], "Var[Y]")
    within = _quad_bound(mo["within"], e, mo["within"], "within term")
    between = _quad_bound(mo["between"], e * spread + 2 * abs(mean_g - m) * e + e * e, mo["between"], "between term")
    cross = _quad_bound(mo["cross"], e + e * e, dev * s, "cross term")
    meanG = float_bound(mean_g, float(b @ np.abs(G)), "E G(Z)")
    varG = float_bound(var_g, float(b @ (np.abs(G) + abs(mean_g)) ** 2), "Var G(Z)")
    sig = Bound.exact(s2, method="given sigma^2")
    inst = {"b": b, "G": G, "sigma2": s2}
    rec = Recorder("lemma8-proof", instance=inst)
    rec.compare(mean, meanG, "==", note="E[Y] = E[G(Z)]")
    rec.compare(var, within + between + 2.0 * cross, "==", note="variance splits into within + between + 2 cross")
    rec.compare(cross, ZERO, "==", note="the cross term the display omits is 0")
    rec.compare(within, sig, "==", note="within term = sigma^2")
    rec.compare(between, varG, "==", note="between term = Var G(Z)")
    last = rec.compare(var, sig + varG, "==", note="Lemma 8: Var[Y] = sigma^2 + Var G(Z)")
    holds = last.verdict == HOLDS
    return rec.evidence(
        details=dict(
            mo,
            proposition_holds=holds,
            proposition="Lemma 8 holds"
            if holds
            else "Lemma 8 FAILS on this instance"
            if last.verdict == "fails"
            else "Lemma 8 is undecided on this instance",
        )
    )


@register(
    "lemma8-proof",
    location="App. B.3 (Lemma 8)",
    section="B",
    kind="step",
    relation="==",
    statement="each step of Lemma 8's proof: E[Y] = E G(Z), the variance split, Var[Y] = sigma^2 + Var G(Z)",
)
def _check_lemma8_proof(seed: Seed = 0, m: int = 3, sigma2: float = 0.7) -> Evidence:
    """Quadrature of a 1-D Gaussian-decoder mixture on a random discrete prior."""
    rng, (m,) = seeded(seed, m=m)
    return lemma8_proof(rng.dirichlet(np.full(m, 2.0)), rng.normal(0, 1.5, m), sigma2)
