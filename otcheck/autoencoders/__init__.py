r"""Section 4.1 on discrete instances: encoders, decoders and the autoencoder objectives (layer 3).

A data law :math:`P_X = \sum_i a_i \delta_{x_i}`, a prior :math:`P_Z = \sum_j b_j \delta_{z_j}`,
an encoder :math:`Q_{ij} = Q(z_j | x_i)` (row-stochastic) and a decoder given by its values
:math:`G(z_j)`, by costs :math:`C_{ij} = c(x_i, G(z_j))` or by negative log-likelihoods
:math:`\ell_{ij} = -\log p_G(x_i | z_j)` (:func:`gaussian_nll_matrix` for the Gaussian decoder
:math:`\mathcal N(G(z_j), \sigma^2 I)`). The paper's objectives for one encoder:

.. math::

    \text{VAE (eq. 5)}:\ \sum_i a_i\Big[D_{KL}(Q_i, P_Z) + \sum_j Q_{ij}\ell_{ij}\Big],\qquad
    \text{AAE (eq. 7)}:\ D_{GAN}(Q_Z, P_Z) + \sum_{i,j} a_i Q_{ij}\ell_{ij},

    \text{AVB (eq. 6)}:\ \sum_i a_i\Big[R(Q_i, P_Z) + \sum_j Q_{ij}\ell_{ij}\Big],\qquad
    \text{POT (eq. 13)}:\ \sum_{i,j} a_i Q_{ij} C_{ij} + \lambda D_{GAN}(Q_Z, P_Z),

with :math:`Q_Z = a^\top Q`; the encoder LP of eq. 11, the posterior of eq. 14, and
:math:`-\mathbb E\log p_G(X)` (eq. 3) in :mod:`otcheck.autoencoders.objectives`. For a fixed
encoder the optimal decoder (conditional mean or median), the analytic gradient of the primal
criterion, the linear decoder of Proposition 2 and Lemma 8's mixture moments are in
:mod:`otcheck.autoencoders.decoders`. Everything is float64 numpy and scipy (no torch).

**Infinite entries (one rule for every function taking a matrix of negative log-likelihoods or
costs:** :func:`posterior_encoder`, :func:`log_posterior_encoder`, :func:`kl_to_posterior`,
:func:`neg_log_likelihood`, :func:`reconstruction`,
:func:`vae_objective`, :func:`aae_objective`, :func:`avb_objective`, :func:`pot_objective`**).**
An entry is finite or :math:`+\infty` (:math:`p_G(x_i|z_j) = 0`: the code cannot produce that
input, or a forbidden pair); :math:`0 \cdot \infty = 0`, so an infinite entry the encoder (or the
data law) gives no mass costs nothing, and the objective is :math:`+\infty` when it gives it
mass. NaN and :math:`-\infty` are rejected (``ValueError`` naming the argument), and so is a row
that is :math:`+\infty` for every code (an input no code can produce). Only the encoder LP
(:func:`constrained_encoder`) needs finite costs.

Solver failures (the encoder LP, the linear decoder fit) raise :class:`otcheck.UncertifiedError`;
bad inputs raise ``ValueError`` or ``TypeError`` naming the argument.
"""

# "X as X": each is re-exported; __all__ is that of the two modules, in their order.
from . import decoders, objectives
from .decoders import LinearDecoderFit as LinearDecoderFit
from .decoders import decoder_blur as decoder_blur
from .decoders import decoder_coordinate_minimum as decoder_coordinate_minimum
from .decoders import fit_linear_decoder as fit_linear_decoder
from .decoders import least_squares_decoder as least_squares_decoder
from .decoders import mixture_moments_quad as mixture_moments_quad
from .decoders import optimal_decoder as optimal_decoder
from .decoders import primal_gradient as primal_gradient
from .objectives import EncoderLP as EncoderLP
from .objectives import aae_objective as aae_objective
from .objectives import aggregated_posterior as aggregated_posterior
from .objectives import avb_objective as avb_objective
from .objectives import constrained_encoder as constrained_encoder
from .objectives import gaussian_nll_matrix as gaussian_nll_matrix
from .objectives import kl_to_posterior as kl_to_posterior
from .objectives import log_posterior_encoder as log_posterior_encoder
from .objectives import neg_log_likelihood as neg_log_likelihood
from .objectives import posterior_encoder as posterior_encoder
from .objectives import pot_objective as pot_objective
from .objectives import reconstruction as reconstruction
from .objectives import vae_objective as vae_objective

__all__ = [*objectives.__all__, *decoders.__all__]
