"""``solve_ot``: one entry point, several engines, every result certified."""

from __future__ import annotations

from .._validation import as_cost, as_weights
from ._emd import solve_emd
from .result import DEFAULT_TOL, OTResult, UncertifiedError, _certify_arrays

__all__ = ["solve_ot", "METHODS"]

METHODS = ("auto", "emd")


def solve_ot(a, b, C, method="auto", *, tol=DEFAULT_TOL, **options):
    r"""Solve the discrete optimal transport problem exactly and certify the answer.

    .. math::

        \min_{P \ge 0,\; P\mathbf 1 = a,\; P^\top \mathbf 1 = b} \langle C, P\rangle
        \;=\; \max_{u_i + v_j \le C_{ij}} a^\top u + b^\top v

    Parameters
    ----------
    a : array_like, shape (n,)
        Source weights: non-negative, summing to one (within 1e-9; never renormalized).
    b : array_like, shape (m,)
        Target weights.
    C : array_like, shape (n, m)
        Finite cost matrix.
    method : str, default "auto"
        The engine.
    tol : float, default 1e-8
        Relative tolerance of the certificate.
    **options
        Passed to the engine.

    Returns
    -------
    OTResult
        With ``certificate.ok`` true.

    Raises
    ------
    UncertifiedError
        If the engine's answer cannot be certified (never returned silently).

    Examples
    --------
    >>> res = solve_ot([0.5, 0.5], [0.5, 0.5], [[0.0, 1.0], [1.0, 0.0]])
    >>> res.cost, res.certificate.ok
    (0.0, True)
    """
    a = as_weights(a, "a")
    b = as_weights(b, "b")
    C = as_cost(C, "C", shape=(a.shape[0], b.shape[0]))
    if method not in METHODS:
        raise ValueError(f"method: unknown engine {method!r}; expected one of {METHODS}")
    plan, u, v, _info = solve_emd(a, b, C, **options)
    cert = _certify_arrays(a, b, C, plan, u, v, tol)
    if not cert.ok:
        raise UncertifiedError(f"engine 'emd' returned an uncertified result: {cert}", cert)
    return OTResult(cost=cert.primal_value, plan=plan, u=u, v=v, method="emd", certificate=cert)


def wasserstein(mu, nu, cost="sqeuclidean", method="auto", **options):
    r"""Certified optimal transport cost :math:`W_c(\mu, \nu)` between two discrete measures.

    .. math::

        W_c(\mu, \nu) = \min_{\Gamma \in \Pi(\mu, \nu)} \mathbb E_\Gamma\, c(X, Y)

    (eq. 1 of the paper; with ``cost="sqeuclidean"`` this is :math:`W_2^2`, not :math:`W_2`).

    Parameters
    ----------
    mu, nu : DiscreteMeasure
        The two measures (same dimension).
    cost : str, float or callable
        Passed to :func:`otcheck.cost_matrix`.
    method : str
        Passed to :func:`solve_ot`.

    Returns
    -------
    OTResult

    Examples
    --------
    >>> from otcheck import DiscreteMeasure
    >>> wasserstein(DiscreteMeasure([0.0, 1.0]), DiscreteMeasure([1.0, 2.0])).cost
    1.0
    """
    from ..costs import cost_matrix
    from ..measures import DiscreteMeasure

    for name, m in (("mu", mu), ("nu", nu)):
        if not isinstance(m, DiscreteMeasure):
            raise TypeError(f"{name}: expected a DiscreteMeasure, got {type(m).__name__}")
    C = cost_matrix(mu.atoms, nu.atoms, cost=cost)
    return solve_ot(mu.weights, nu.weights, C, method=method, **options)
