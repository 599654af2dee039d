"""Constants of the relaxed layer."""

#: Penalty names accepted by :func:`~otcheck.relaxed.relaxed_cost`, :func:`~otcheck.relaxed.constrained_cost`
#: and :func:`~otcheck.relaxed.relaxed_path`.
PENALTIES = ("kl", "js", "gan", "mmd2", "chi2", "tv")

#: Default tolerance of the certificate: ``gap / scale`` and the primal residual must be below it.
DEFAULT_TOL = 1e-6

SOLVER = "CLARABEL"
# Tighter than Clarabel's defaults (1e-8): the certificate is computed from the returned point, and
# at large lambda its gap scales like lambda times the solver's residuals.
SOLVER_OPTIONS = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10, "tol_ktratio": 1e-8}
