"""Exact discrete optimal transport with certificates (layer 2).

Every engine returns a primal plan and dual potentials; :func:`solve_ot` certifies them before
returning, so no uncertified result leaves this layer.
"""

from .result import DEFAULT_TOL, Certificate, OTResult, UncertifiedError, certify
from .solve import METHODS, solve_ot, wasserstein

__all__ = ["Certificate", "OTResult", "UncertifiedError", "certify", "solve_ot", "wasserstein", "METHODS", "DEFAULT_TOL"]
