"""otcheck: certified numerical checks of optimal-transport generative modeling theory.

Layers (data flows down; nothing imports upward): measures and costs, exact OT, divergences and
relaxed OT, claims, models (torch), front ends. See ``docs/``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from typing_extensions import TypedDict, Unpack

    from .claims import Report

    class _VerifyOptions(TypedDict, total=False):
        """The keyword options of :func:`otcheck.claims.verify`."""

        kinds: str | Sequence[str]
        sizes: Mapping[str, Mapping[str, object]] | None
        progress: bool
        on_error: str


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


def verify(ids: str | Iterable[str] | None = None, seed: int = 0, **options: Unpack[_VerifyOptions]) -> Report:
    """Run registered claims and return a :class:`otcheck.claims.Report`.

    Thin front for :func:`otcheck.claims.verify` (imported on first use, so ``import otcheck``
    stays light). See that function for the parameters.
    """
    from .claims import verify as _verify

    return _verify(ids=ids, seed=seed, **options)
