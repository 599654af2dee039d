"""Exact discrete optimal transport with certificates (layer 2).

Every engine returns a primal plan and dual potentials; :func:`solve_ot` certifies them before
returning, so no uncertified result leaves this layer. :func:`certify_exact` turns a floating
plan on rational data into a proof in rational arithmetic.
"""

from ._exact import ExactCertificateError, certify_exact
from ._quantile import solve_ot_1d
from .result import DEFAULT_TOL, Certificate, OTResult, UncertifiedError, certify, polish_duals
from .solve import METHODS, solve_ot, wasserstein

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
]
