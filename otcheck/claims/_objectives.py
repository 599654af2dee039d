r"""The auto-encoder objectives of sections 2 and 4.1 as bounds (layer 5), shared by the VAE, AAE and AVB claims.

On a discrete instance -- data weights ``a``, prior ``b``, the decoder's negative log-likelihood
matrix :math:`\ell_{ij} = -\log p_G(x_i|z_j)` and an encoder ``Q`` (row-stochastic) --
:mod:`otcheck.autoencoders` evaluates each objective in float64; here each value becomes a
:class:`~otcheck.bounds.Bound` (:func:`~otcheck.claims._common.float_bound`) whose scale is the size
of the terms it sums, so that two objectives equal in exact arithmetic are never told apart by
rounding. :func:`aae_avb_infima` gives the infima of the AAE and AVB objectives over all encoders.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .. import autoencoders as AE
from ..bounds import Bound
from ._common import LOG4, float_bound, weighted_sum

#: float64 numpy array
FloatArray = NDArray[np.float64]

__all__ = ["recon_bound", "vae_bound", "aae_bound", "avb_gan_bound", "nll_bound", "aae_avb_infima"]


def _weighted_scale(a: FloatArray, t: FloatArray) -> float:
    r""":math:`\sum_i a_i t_i` over the points of positive weight (:math:`0 \cdot \infty = 0`: a point of weight 0
    contributes no term, however large its own)."""
    return float(a[a > 0] @ t[a > 0])


def _recon_scale(a: FloatArray, Q: FloatArray, L: FloatArray) -> float:
    r"""Size of the terms of :math:`\sum_i a_i \sum_j Q_{ij} \ell_{ij}`:
    :math:`\sum_i a_i \sum_j Q_{ij}|\ell_{ij}|` (0 where Q is 0)."""
    with np.errstate(invalid="ignore"):
        return _weighted_scale(a, np.where(Q > 0, Q * np.abs(L), 0.0).sum(1))


def recon_bound(a: FloatArray, Q: FloatArray, L: FloatArray) -> Bound:
    r""":math:`R = \mathbb E_{P_X}\mathbb E_{Q(Z|X)}\ell`, a float64 sum
    (:func:`otcheck.autoencoders.reconstruction`)."""
    return float_bound(AE.reconstruction(a, Q, L), _recon_scale(a, Q, L), "E_{P_X} E_Q l (reconstruction)")


def vae_bound(a: FloatArray, b: FloatArray, L: FloatArray, Q: FloatArray) -> Bound:
    r"""The VAE objective of eq. 5 (:func:`otcheck.autoencoders.vae_objective`), float64; its terms are
    :math:`a_i Q_{ij}(|\log Q_{ij}| + |\log b_j| + |\ell_{ij}|)` over the points of positive weight (a point
    of weight 0 contributes nothing, :math:`0 \cdot \infty = 0`). The value is :math:`+\infty`, a point at
    infinity, when ``Q`` charges a code of prior mass 0 or of zero likelihood at a point of positive weight."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(Q > 0, Q * (np.abs(np.log(Q)) + np.abs(np.log(b))[None, :] + np.abs(L)), 0.0).sum(1)
    return float_bound(AE.vae_objective(a, b, L, Q), _weighted_scale(a, t), "VAE objective (eq. 5)")


def aae_bound(a: FloatArray, b: FloatArray, L: FloatArray, Q: FloatArray) -> Bound:
    r"""The AAE objective of eq. 7 (:func:`otcheck.autoencoders.aae_objective`): :math:`D_{GAN}(Q_Z, P_Z) + R`,
    float64."""
    from ..divergences import gan

    g = float(gan(a @ Q, b))
    return float_bound(AE.aae_objective(a, b, L, Q), 1.0 + abs(g) + _recon_scale(a, Q, L), "AAE objective (eq. 7)")


def avb_gan_bound(a: FloatArray, b: FloatArray, L: FloatArray, Q: FloatArray) -> Bound:
    r"""The AVB objective with the :math:`D_{GAN}` regularizer (:func:`otcheck.autoencoders.avb_objective`), float64."""
    from ..divergences import gan

    g = np.array([float(gan(q, b)) for q in Q])
    return float_bound(
        AE.avb_objective(a, b, L, Q, "gan"),
        float(a @ (1.0 + np.abs(g))) + _recon_scale(a, Q, L),
        "AVB objective, R = D_GAN (eq. 6)",
    )


def nll_bound(a: FloatArray, b: FloatArray, L: FloatArray) -> Bound:
    r""":math:`-\mathbb E_{P_X}\log p_G(X)` (log-sum-exp, :func:`otcheck.autoencoders.neg_log_likelihood`), float64:
    the largest exponent :math:`|\log b_j| + \ell_{ij}` per row, plus the log of a sum in :math:`[1, m]`.

    Only the terms of the sum count: a code of prior mass 0 (:math:`\log b_j = -\infty`) or of zero likelihood
    (:math:`\ell_{ij} = \infty`) adds :math:`e^{-\infty} = 0` to :math:`p_G(x_i)` exactly, and is no part of
    the rounding scale; nor is a point of weight 0. The value is :math:`+\infty`, a point at infinity, when a
    point of positive weight has :math:`p_G(x_i) = 0`.

    Examples
    --------
    >>> b = nll_bound(np.array([1.0]), np.array([1.0, 0.0]), np.array([[0.5, 0.5]]))
    >>> float(b.value), b.lower < 0.5 < b.upper
    (0.5, True)
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.isfinite(L) & (b > 0)[None, :]
        t = np.where(terms, np.abs(np.log(b))[None, :] + np.abs(L), 0.0).max(1, initial=0.0)
    return float_bound(AE.neg_log_likelihood(a, b, L), _weighted_scale(a, t) + 1.0, "-E log p_G(X) (log-sum-exp)")


def aae_avb_infima(a: FloatArray, b: FloatArray, L: FloatArray) -> tuple[Bound, Bound, Bound]:
    r"""Exact :math:`D_{AAE}`, :math:`D_{AVB}` (GAN reading), :math:`D_{AVB}` (KL reading = :math:`D_{VAE}`), as bounds.

    The first two are certified convex programs (:func:`otcheck.relaxed.relaxed_cost`, their
    :attr:`~otcheck.relaxed.RelaxedResult.bound`: Lagrangian lower bound to primal value; the AVB one
    row by row) minus :math:`\log 4`; the third is the log-sum-exp marginal likelihood (float64).

    Raises
    ------
    UncertifiedError
        When a convex program cannot be certified.
    """
    from ..relaxed import relaxed_cost

    log4 = Bound.floating(LOG4, method="log 4 (float64)")
    aae = relaxed_cost(a, b, L, 1.0, "gan").bound - log4
    avb_gan = weighted_sum(a, (relaxed_cost([1.0], b, L[i : i + 1], 1.0, "gan").bound - log4 for i in range(len(a))))
    return aae, avb_gan, nll_bound(a, b, L)
