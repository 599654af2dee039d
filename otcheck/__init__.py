"""otcheck: certified numerical checks of optimal-transport generative modeling theory.

Layers (data flows down; nothing imports upward): measures and costs, exact OT, divergences and
relaxed OT, claims, models (torch), front ends. See ``docs/``.
"""

from .bounds import Bound
from .costs import cost_matrix
from .exact import (
    Certificate,
    ExactCertificateError,
    OTResult,
    UncertifiedError,
    certify,
    certify_exact,
    solve_ot,
    solve_ot_1d,
    wasserstein,
)
from .measures import DiscreteMeasure

__version__ = "0.1.0"

__all__ = [
    "Bound",
    "DiscreteMeasure",
    "cost_matrix",
    "solve_ot",
    "certify",
    "certify_exact",
    "solve_ot_1d",
    "wasserstein",
    "Certificate",
    "OTResult",
    "UncertifiedError",
    "ExactCertificateError",
    "verify",
]


def verify(ids=None, seed=0, **options):
    """Run registered claims and return a :class:`otcheck.claims.Report`.

    Thin front for :func:`otcheck.claims.verify` (imported on first use, so ``import otcheck``
    stays light). See that function for the parameters.
    """
    from .claims import verify as _verify

    return _verify(ids=ids, seed=seed, **options)
