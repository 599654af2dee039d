"""Exact discrete optimal transport with certificates (layer 2).

Every engine returns a primal plan and dual potentials; :func:`solve_ot` certifies them before
returning, so no uncertified result leaves this layer. :func:`certify_exact` turns a floating
plan on rational data into a proof in rational arithmetic. :func:`w1_dual` solves the
Kantorovich-Rubinstein dual of :math:`W_1` as an LP over 1-Lipschitz witnesses (:mod:`otcheck.exact.w1`).
"""

from ._exact import ExactCertificateError, certify_exact
from ._quantile import solve_ot_1d
from .result import DEFAULT_TOL, Certificate, OTResult, UncertifiedError, certify, polish_duals
from .solve import METHODS, solve_ot, wasserstein
from .w1 import HIGHS_FEAS_TOL, LP_TIGHT_GAP, W1Witness, c_transform_witness, w1_dual

__all__ = [
    "Certificate",
    "OTResult",
    "UncertifiedError",
    "ExactCertificateError",
    "certify",
    "certify_exact",
    "polish_duals",
    "solve_ot",
    "solve_ot_1d",
    "wasserstein",
    "METHODS",
    "DEFAULT_TOL",
    "W1Witness",
    "w1_dual",
    "c_transform_witness",
    "LP_TIGHT_GAP",
    "HIGHS_FEAS_TOL",
]
