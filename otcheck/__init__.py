"""otcheck: certified numerical checks of optimal-transport generative modeling theory.

Layers (data flows down; nothing imports upward): measures and costs, exact OT, divergences and
relaxed OT, claims, models (torch), front ends. See ``docs/``.

``import otcheck`` is light: it imports neither numpy nor scipy (nor POT, cvxpy or torch). Each
top-level name is imported from its module on first access (:pep:`562`), so the pytest plugin
(:mod:`otcheck.pytest_plugin`, loaded by every pytest run in the environment) costs a run without
``--otcheck`` nothing:

>>> import otcheck
>>> otcheck.DiscreteMeasure
<class 'otcheck.measures.DiscreteMeasure'>
>>> from otcheck import Bound, solve_ot
>>> Bound.__module__, solve_ot.__module__
('otcheck.bounds', 'otcheck.exact.solve')
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what ``_LAZY`` imports on first access, for mypy and IDEs (tests/test_lazy_import.py)
    from collections.abc import Iterable, Mapping, Sequence

    from typing_extensions import TypedDict, Unpack

    # "X as X": each is re-exported (what __getattr__ returns), for mypy, ruff and IDEs alike.
    from . import bounds as bounds
    from . import costs as costs
    from . import exact as exact
    from . import measures as measures
    from .bounds import Bound as Bound
    from .claims import Report
    from .costs import cost_matrix as cost_matrix
    from .exact import Certificate as Certificate
    from .exact import ExactCertificateError as ExactCertificateError
    from .exact import OTResult as OTResult
    from .exact import UncertifiedError as UncertifiedError
    from .exact import certify as certify
    from .exact import certify_exact as certify_exact
    from .exact import solve_ot as solve_ot
    from .exact import solve_ot_1d as solve_ot_1d
    from .exact import wasserstein as wasserstein
    from .measures import DiscreteMeasure as DiscreteMeasure

    class _VerifyOptions(TypedDict, total=False):
        """The keyword options of :func:`otcheck.claims.verify`."""

        kinds: str | Sequence[str]
        sizes: Mapping[str, Mapping[str, object]] | None
        progress: bool
        on_error: str


__version__ = "0.1.0"

#: The public names imported on first access: name -> the submodule that defines it (in the order
#: of ``__all__`` and of the API page). The one list of them: ``__all__`` is built from it.
_LAZY: dict[str, str] = {
    "Bound": "bounds",
    "DiscreteMeasure": "measures",
    "cost_matrix": "costs",
    "solve_ot": "exact",
    "certify": "exact",
    "certify_exact": "exact",
    "solve_ot_1d": "exact",
    "wasserstein": "exact",
    "Certificate": "exact",
    "OTResult": "exact",
    "UncertifiedError": "exact",
    "ExactCertificateError": "exact",
}

#: Submodules that ``import otcheck`` used to import (eagerly): ``otcheck.exact`` and the like
#: still work after a bare ``import otcheck``, importing the submodule on first access.
_SUBMODULES = ("bounds", "costs", "exact", "measures")

__all__ = [*_LAZY, "verify"]


def __getattr__(name: str) -> object:
    """Import a public name (or one of :data:`_SUBMODULES`) on first access (:pep:`562`).

    Parameters
    ----------
    name : str
        The attribute looked up on ``otcheck`` and not found in its namespace.

    Returns
    -------
    object
        The name's value, cached in the module namespace (later lookups do not come here).

    Raises
    ------
    AttributeError
        ``name`` is neither a public name nor one of :data:`_SUBMODULES` (so ``hasattr``, and
        ``from otcheck import submodule`` for any other submodule, behave as usual).
    """
    if name in _LAZY:
        value: object = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's namespace, and the public names and submodules not imported yet."""
    return sorted({*globals(), *__all__, *_SUBMODULES})


def verify(ids: str | Iterable[str] | None = None, seed: int = 0, **options: Unpack[_VerifyOptions]) -> Report:
    """Run registered claims and return a :class:`otcheck.claims.Report`.

    Thin front for :func:`otcheck.claims.verify` (imported on first use, so ``import otcheck``
    stays light). See that function for the parameters.
    """
    from .claims import verify as _verify

    return _verify(ids=ids, seed=seed, **options)
