"""Optional dependencies (layer 0): load them when used, or say which extra installs them.

``import otcheck`` and ``otcheck verify`` need only numpy, scipy, POT, cvxpy and hypothesis. torch
(the models, ``pip install 'otcheck[models]'``), matplotlib (the figures, ``otcheck[figures]``) and
scikit-learn (the digits data set, ``otcheck[models]``) are imported only by the code that uses them.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["require", "EXTRAS"]

#: The extra of setup.cfg that installs each optional module.
EXTRAS = {"torch": "models", "sklearn": "models", "matplotlib": "figures"}

_PACKAGE = {"sklearn": "scikit-learn"}


def require(module: str, what: str) -> ModuleType:
    """Import ``module``, or raise an ``ImportError`` that names the extra to install.

    Parameters
    ----------
    module : str
        The top-level module, e.g. ``"torch"``.
    what : str
        What needs it, for the message (e.g. ``"otcheck.models"``).

    Examples
    --------
    >>> require("math", "a doctest").pi > 3
    True
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        extra = EXTRAS.get(module.split(".")[0], "all")
        package = _PACKAGE.get(module.split(".")[0], module.split(".")[0])
        raise ImportError(
            f"{what} needs {package}, which is not installed: pip install 'otcheck[{extra}]' (or pip install {package})"
        ) from exc
