r"""Claims of appendix A: Propositions 4 and 5 (:math:`D_{AAE} \le D_{AVB}`, and :math:`D_{AAE} \le D_{VAE}`
under Prop. 5's assumption), checked exactly on discrete instances.

As in :mod:`otcheck.claims.section2`, each claim has a public function taking an explicit instance
and a registered seeded ``check``. The objectives are bounds from :mod:`otcheck.claims._objectives`
(float64 evaluations with the size of the terms each one sums; the infima over all encoders are
certified convex programs). The displayed steps of their proofs are checked in
:mod:`otcheck.claims.appendix_a_proofs`.
The notation of an instance, ``a, X, b, G``, is that of :func:`~otcheck.claims._instances.decoder_args`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from .. import autoencoders as AE
from ..exact import UncertifiedError
from ._common import LOG4, ZERO, headline, max_bound, min_bound
from ._evidence import HOLDS, Evidence, Recorder
from ._instances import FloatArray, Seed, decoder_args, decoder_instance, seeded, seeded_decoder_instance
from ._objectives import aae_avb_infima, aae_bound, vae_bound
from ._registry import register

__all__ = ["prop4", "prop5", "kl_encoders"]


# --------------------------------------------------------------------------------------------
# prop4, prop5
# --------------------------------------------------------------------------------------------
def prop4(a: ArrayLike, X: ArrayLike, b: ArrayLike, G: ArrayLike, sigma2: float) -> Evidence:
    r"""Proposition 4: :math:`D_{AAE}(P_X, P_G) \le D_{AVB}(P_X, P_G)`, exactly on a discrete instance.

    .. math::

        D_{AAE} = \inf_Q D_{GAN}(Q_Z, P_Z) + \mathbb E\,\ell, \qquad
        D_{AVB} = \inf_Q \mathbb E_{P_X}\big[R(Q(Z|X), P_Z) + \mathbb E_{Q(Z|X)} \ell\big]

    with :math:`\ell = -\log p_G(x|z)` (Gaussian decoder). Both infima over *all* encoders are
    certified convex programs (:func:`otcheck.relaxed.relaxed_cost`, the AVB one row by row),
    compared through their bounds (:attr:`~otcheck.relaxed.RelaxedResult.bound`, known to the
    programs' certified gap, about 1e-6 of the costs' size); a program that cannot be certified
    leaves the comparison undecided. Two readings of :math:`R`: :math:`D_{GAN}` (as in the proof)
    and :math:`D_{KL}` (what the f-GAN term of eq. 6 approximates; then
    :math:`D_{AVB} = -\mathbb E\log p_G(X)`, a float64 log-sum-exp).

    Parameters
    ----------
    a, X, b, G, sigma2
        The instance (module notation) and the variance of the Gaussian decoder.

    Returns
    -------
    Evidence
        One part per reading of :math:`R`: :math:`D_{AAE} \le D_{AVB}` with :math:`D_{GAN}`, with :math:`D_{KL}`.

    Examples
    --------
    >>> prop4([1.0], [[0.0]], [0.5, 0.5], [[0.0], [1.0]], 0.5).verdict
    'holds'
    """
    a, X, b, G = decoder_args(a, X, b, G)
    L = AE.gaussian_nll_matrix(X, G, sigma2)
    inst = {"a": a, "X": X, "b": b, "G": np.asarray(G, float), "sigma2": sigma2}
    rec = Recorder("prop4", instance=inst)
    try:
        aae, avb_gan, avb_kl = aae_avb_infima(a, b, L)
    except UncertifiedError as exc:
        for note in ("R = D_GAN (the proof's reading)", "R = D_KL (eq. 6 in the limit)"):
            rec.undecided(math.nan, math.nan, "<=", note=f"{note}: an infimum could not be certified ({exc})")
        return rec.evidence(details={"D_AAE": math.nan, "D_AVB_gan": math.nan, "D_AVB_kl": math.nan})
    rec.compare(aae, avb_gan, "<=", note="R = D_GAN (the proof's reading)")
    rec.compare(aae, avb_kl, "<=", note="R = D_KL (eq. 6 in the limit)")
    return rec.evidence(
        details={"D_AAE": float(aae.value), "D_AVB_gan": float(avb_gan.value), "D_AVB_kl": float(avb_kl.value)}
    )


@register(
    "prop4",
    location="App. A, Prop. 4",
    section="A",
    relation="<=",
    statement="D_AAE(P_X, P_G) <= D_AVB(P_X, P_G)",
)
def _check_prop4(
    seed: Seed = 0, n: int = 4, m: int = 3, dim: int = 2, sigma2: float = 0.5, instances: int = 3
) -> Evidence:
    """Exact infima over all encoders (certified convex programs) on seeded random instances."""
    rng, (n, m, dim, instances) = seeded(seed, n=n, m=m, dim=dim, instances=instances)
    evs = []
    for _ in range(instances):
        a, X, b, G = decoder_instance(rng, n, m, dim)
        evs.append(prop4(a, X, b, G, sigma2))
    worst = max(evs, key=_aae_excess)
    rec = Recorder(instance={"seed": seed, "n": n, "m": m, "dim": dim, "sigma2": sigma2})
    for ev in evs:
        rec.add(ev)
    return rec.evidence(**headline(worst.parts[0]), details={"instances": [e.details for e in evs]})


def _aae_excess(ev: Evidence) -> float:
    """``D_AAE - D_AVB`` (GAN reading) of :func:`prop4`'s evidence."""
    aae, avb = ev.details["D_AAE"], ev.details["D_AVB_gan"]
    if not isinstance(aae, float) or not isinstance(avb, float):
        raise TypeError("ev: expected prop4's evidence, with the floats D_AAE and D_AVB_gan in its details")
    return aae - avb


def kl_encoders(
    rng: np.random.Generator,
    n: int,
    m: int,
    b: ArrayLike,
    k: int,
    *,
    floor: float = 0.25,
    tries: int = 2000,
) -> list[FloatArray]:
    """Random encoders every row of which has ``KL(Q(.|x), b) >= floor`` (Prop. 5's assumption).

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws the candidates (consumed, not copied: the caller's generator advances).
    n, m : int
        Numbers of inputs and codes.
    b : array_like, shape (m,)
        Prior weights.
    k : int
        How many encoders to return (fewer if ``tries`` draws do not find them).
    floor : float
        The KL floor of every row.
    tries : int
        Candidates drawn (peaked Dirichlet rows and deterministic encoders, alternately).

    Returns
    -------
    list of ndarray, each shape (n, m)
        At most ``k`` row-stochastic encoders ``Q``, each row with ``KL(Q(.|x_i), b) >= floor``, in the order
        drawn; fewer (possibly none) when ``tries`` candidates do not hold ``k``.

    Examples
    --------
    >>> Qs = kl_encoders(np.random.default_rng(0), 2, 3, [0.4, 0.3, 0.3], 2)
    >>> len(Qs)
    2
    """
    from ..divergences import kl

    out = []
    for t in range(tries):
        if t % 2:
            Q = np.zeros((n, m))
            Q[np.arange(n), rng.integers(0, m, n)] = 1.0
        else:
            Q = rng.dirichlet(np.full(m, 0.3), size=n)
        if min(kl(q, b) for q in Q) >= floor:
            out.append(Q)
        if len(out) == k:
            break
    return out


def prop5(
    a: ArrayLike, X: ArrayLike, b: ArrayLike, G: ArrayLike, sigma2: float, encoders: Sequence[ArrayLike]
) -> Evidence:
    r"""Proposition 5: if :math:`D_{KL}(Q(Z|X), P_Z) \ge 1/4` for all Q in the class, :math:`D_{AAE} \le D_{VAE}`.

    The class is the given family of encoders; the assumption is *enforced* (a
    ``ValueError`` names an encoder violating it). Both infima are over the class:

    .. math::

        \min_{Q} D_{GAN}(Q_Z, P_Z) + \mathbb E\ell \;\le\; \min_Q \mathbb E[D_{KL}(Q(Z|X), P_Z)] + \mathbb E\ell

    The objectives are float64 evaluations of closed forms (:meth:`~otcheck.bounds.Bound.floating`,
    scale: the size of the terms each one sums); no other tolerance. Also reported (``details``):
    the pointwise inequality for every member, the same inequality on encoders that violate the
    assumption (it still holds, since :math:`D_{GAN} \le 0 \le D_{KL}`), and the variant with
    :math:`F = D_{GAN} + \log 4 = 2D_{JS}`.

    Parameters
    ----------
    a, X, b, G, sigma2
        As in :func:`prop4`.
    encoders : sequence of array_like, each shape (n, m)
        The class Q; every row of every member must satisfy the assumption.

    Returns
    -------
    Evidence
        Headline: the infimum of :math:`D_{AAE}` over the class ``<=`` that of :math:`D_{VAE}`.

    Raises
    ------
    ValueError
        An empty class, or a member violating :math:`D_{KL} \ge 1/4` (named by index).

    Examples
    --------
    >>> prop5([1.0], [[0.0]], [0.5, 0.5], [[0.0], [1.0]], 0.5, [[[1.0, 0.0]]]).verdict
    'holds'
    """
    from ..divergences import js, kl

    a, X, b, G = decoder_args(a, X, b, G)
    if not len(encoders):
        raise ValueError("encoders: the class is empty")
    for k, Q in enumerate(encoders):
        low = min(kl(q, b) for q in np.asarray(Q, float))
        if low < 0.25:
            raise ValueError(
                f"encoders: encoder {k} has a row with KL(Q(Z|x), P_Z) = {low:.4g} < 1/4 (assumption of Prop. 5)"
            )
    L = AE.gaussian_nll_matrix(X, G, sigma2)
    Qs = [np.asarray(Q, float) for Q in encoders]
    aae = [aae_bound(a, b, L, Q) for Q in Qs]
    vae = [vae_bound(a, b, L, Q) for Q in Qs]
    aae_v = np.array([float(x.value) for x in aae])
    vae_v = np.array([float(x.value) for x in vae])
    js2 = np.array([2 * js(AE.aggregated_posterior(a, Q), b) for Q in Qs])
    inst = {"a": a, "X": X, "b": b, "G": np.asarray(G, float), "sigma2": sigma2, "class_size": len(encoders)}
    rec = Recorder("prop5", instance=inst)
    rec.compare(min_bound(aae), min_bound(vae), "<=", note="inf over the class: D_AAE <= D_VAE")
    rec.compare(max_bound(x - y for x, y in zip(aae, vae)), ZERO, "<=", note="pointwise for every encoder of the class")
    det = {
        "D_AAE_class": float(aae_v.min()),
        "D_VAE_class": float(vae_v.min()),
        "max_gap_with_F_2JS": float((aae_v + LOG4 - vae_v).max()),
        "D_GAN_Q_Z": (js2 - LOG4).tolist(),
        "why_assumption_unneeded": "D_GAN <= 0 <= D_KL, so AAE(Q) <= VAE(Q) for every Q",
    }
    return rec.evidence(details=det)


@register(
    "prop5",
    location="App. A, Prop. 5",
    section="A",
    relation="<=",
    statement="if D_KL(Q(Z|X), P_Z) >= 1/4 P_X-a.s. for all Q in the class, then D_AAE <= D_VAE",
)
def _check_prop5(
    seed: Seed = 0, n: int = 4, m: int = 3, dim: int = 2, sigma2: float = 0.5, encoders: int = 12
) -> Evidence:
    """A class of random encoders with every row at KL >= 1/4 from the prior (assumption enforced)."""
    rng, (a, X, b, G) = seeded_decoder_instance(seed, n, m, dim, encoders=encoders)
    fam = kl_encoders(rng, n, m, b, encoders)
    ev = prop5(a, X, b, G, sigma2, fam)
    # the same inequality without the assumption (any encoder)
    L = AE.gaussian_nll_matrix(X, G, sigma2)
    free = [rng.dirichlet(np.full(m, 3.0), size=n) for _ in range(encoders)]
    rec = Recorder(instance=ev.instance)
    for part in ev.parts:
        rec.add(part)
    extra = rec.compare(
        max_bound(aae_bound(a, b, L, Q) - vae_bound(a, b, L, Q) for Q in free),
        ZERO,
        "<=",
        note="also without the assumption (encoders near the prior): D_GAN <= 0 <= D_KL",
    )
    return rec.evidence(details=dict(ev.details, assumption_needed=extra.verdict != HOLDS))
