r"""The relaxed optimal transport objective of eq. 12, solved exactly as a convex program (layer 3).

For discrete :math:`P_X = \sum_i a_i \delta_{x_i}`, prior :math:`P_Z = \sum_j b_j \delta_{z_j}` and cost
:math:`C_{ij} = c(x_i, G(z_j))`, an encoder is a row-stochastic matrix :math:`Q_{ij} = Q(z_j | x_i)`; its
joint law is :math:`P_{ij} = a_i Q_{ij}` and its aggregated posterior is :math:`Q_Z = a^\top Q = P^\top \mathbf 1`.
Eq. 12 of the paper is

.. math::

    W_c^\lambda = \min_{Q} \sum_{ij} a_i Q_{ij} C_{ij} + \lambda F(Q_Z)
                = \min_{P \ge 0,\ P \mathbf 1 = a} \langle C, P \rangle + \lambda F(P^\top \mathbf 1),

with a convex :math:`F \ge 0` that vanishes exactly at :math:`Q_Z = b`. The penalties (``penalty=``):

=========  ===================================================================================
``kl``     :math:`F(q) = D_{KL}(q \| b) = \sum_j q_j \log(q_j / b_j)` (nats; :math:`q_j = 0` where :math:`b_j = 0`)
``js``     :math:`F(q) = D_{JS}(q, b)` (nats, at most :math:`\log 2`)
``gan``    :math:`F(q) = D_{GAN}(q, b) + \log 4 = 2 D_{JS}(q, b)` (eq. 13, the POT objective)
``mmd2``   :math:`F(q) = (q - b)^\top K (q - b)`, the MMD² of the two laws on the codes for a PSD kernel matrix ``K``
``chi2``   :math:`F(q) = \sum_j (q_j - b_j)^2 / b_j` (:math:`q_j = 0` forced where :math:`b_j = 0`)
``tv``     :math:`F(q) = \tfrac12 \|q - b\|_1`
=========  ===================================================================================

Every solve is checked: the plan returned is primal feasible to rounding (it is projected back onto
:math:`\{P \ge 0, P\mathbf 1 = a\}` after the solver), and a *dual bound* is computed independently of
the solver from the Lagrangian

.. math::

    \min_P \langle C, P\rangle + \lambda F(P^\top\mathbf 1) \;\ge\;
    \sum_i a_i \min_j (C_{ij} - v_j) + \min_{q \in [0,1]^m} \big[(v + \tau)^\top q + \lambda F(q)\big] - \tau
    \quad \text{for every } v \in \mathbb R^m, \tau \in \mathbb R

(the inner minimum is separable and in closed form for every penalty but ``mmd2``; for ``mmd2`` the
convex :math:`F` is bounded below by its tangent at the solution, which gives an LP bound). The gap
between the value and this bound is the certificate; the exact optimum lies in
``(result.dual_bound, result.value)``.

How it is solved: column generation on the pairs :math:`(i, j)`. The convex program (cvxpy, Clarabel)
is first solved on a small support (the 6 cheapest codes of each input and the support of an exact
OT plan between ``a`` and ``b``); the solution is polished by exact OT (POT) on its own aggregate
:math:`Q_Z`, the dual bound above is computed over *all* pairs, and pairs whose reduced cost
:math:`C_{ij} - v_j` prices out are added until the gap is below ``tol / 1000`` (at most 8 rounds,
then the full problem). A restricted support can therefore cost rounds but never a wrong answer.

The gap is measured relative to the size of the objective's numbers: :math:`|\text{value}|`, the
transport cost :math:`\sum P_{ij}|C_{ij}|` or a typical cost (lower medians of the non-zero
:math:`|C_{ij}|` of each row),
capped at :math:`\max|C|` (never to :math:`\lambda`: the optimum is at most
:math:`W_c \le \max|C|` whatever :math:`\lambda` is; never to a lone outlier cost either).

Range: on random instances the solves certify at ``tol = 1e-6`` up to about
:math:`\lambda = 10^4 \max|C|` (most also at :math:`10^5 \max|C|`); beyond, the interior-point
solver loses accuracy and :class:`otcheck.UncertifiedError` is raised rather than an uncertified
number returned.
"""

from ._api import constrained_cost, relaxed_cost, relaxed_path
from ._constants import DEFAULT_TOL, PENALTIES
from ._penalties import penalty_value
from ._results import ConstrainedResult, RelaxedPath, RelaxedResult

__all__ = [
    "PENALTIES",
    "RelaxedResult",
    "ConstrainedResult",
    "RelaxedPath",
    "relaxed_cost",
    "constrained_cost",
    "relaxed_path",
    "penalty_value",
    "DEFAULT_TOL",
]
