"""Importing a user's module of claims (``--import MODULE``) for the ``otcheck`` command line.

Errors name the user's file and line: frames of importlib and of the command line's own modules
(``otcheck/cli.py`` and ``otcheck/_cli*.py``) are skipped.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types
from collections.abc import Sequence
from pathlib import Path

from ._cli_common import _Usage

__all__ = ["import_user_module"]


def _frame_in(exc: BaseException, filename: str | None) -> str:
    """``" (FILE, line N)"``: where ``exc`` was raised in ``filename`` (else its deepest frame)."""
    frames: list[tuple[str, int]] = []
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if "importlib" not in name and not name.startswith("<frozen") and not _is_ours(name):
            frames.append((name, tb.tb_lineno))
        tb = tb.tb_next
    if filename is not None:
        target = os.path.realpath(filename)
        frames = [f for f in frames if os.path.realpath(f[0]) == target] or frames
    return f" ({frames[-1][0]}, line {frames[-1][1]})" if frames else ""


#: The directory of otcheck's modules; the command line's own are ``cli.py`` and ``_cli*.py`` there.
_HERE = os.path.dirname(os.path.realpath(__file__))


def _is_ours(filename: str) -> bool:
    """Whether ``filename`` is one of the command line's modules (``otcheck/cli.py``, ``otcheck/_cli*.py``)."""
    path = os.path.realpath(filename)
    base = os.path.basename(path)
    return os.path.dirname(path) == _HERE and (base == "cli.py" or base.startswith("_cli"))


def _describe_failure(exc: BaseException, filename: str | None) -> str:
    if isinstance(exc, SyntaxError):
        return f"syntax error in {exc.filename}, line {exc.lineno}: {exc.msg}"
    if isinstance(exc, SystemExit):
        return (
            f"called sys.exit({exc.code!r}) while being imported{_frame_in(exc, filename)}; "
            "its claims were not registered and nothing was run"
        )
    return f"importing it raised {type(exc).__name__}: {exc}{_frame_in(exc, filename)}"


def import_user_module(spec: str) -> types.ModuleType:
    """Import a module that registers claims: a module name or the path of a ``.py`` file.

    A name is imported with the current directory first on ``sys.path`` (as ``python -m`` would);
    a path (ending in ``.py`` or containing a directory separator) is loaded from that file, under
    the name of its stem, with its directory on ``sys.path`` (so that it can import its
    neighbours). ``sys.path`` keeps these entries: a check may import lazily. Importing the same
    module again re-registers its claims quietly (:func:`otcheck.claims.register`).

    Parameters
    ----------
    spec : str
        ``"my_claims"``, ``"pkg.claims"``, ``"./my_claims.py"`` or ``"/abs/path/claims.py"``.

    Returns
    -------
    module
        The imported module, in ``sys.modules`` under its name (a path: under the file's stem); the claims it
        registers are in :data:`otcheck.claims.registry`.

    Raises
    ------
    ValueError
        The module cannot be found, or importing it failed: it raised, has a syntax error or
        called ``sys.exit`` (the message names the error and where it happened).
    TypeError
        ``spec`` is not a non-empty string.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise TypeError(f"module: expected a module name or a .py path, got {spec!r}")
    is_path = spec.endswith(".py") or os.sep in spec or (os.altsep is not None and os.altsep in spec)
    if is_path:
        return _import_path(spec)
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)
    try:
        found = importlib.util.find_spec(spec)
    except (ImportError, ValueError) as exc:
        raise ValueError(f"cannot look it up: {type(exc).__name__}: {exc}") from None
    except (Exception, SystemExit) as exc:  # a parent package that fails on import
        raise ValueError(_describe_failure(exc, None)) from None
    if found is None:
        raise ValueError(
            f"no module named {spec!r} (looked in the current directory {cwd} and on sys.path; "
            "a file can be given as a path, e.g. ./my_claims.py)"
        )
    try:
        return importlib.import_module(spec)
    except (Exception, SystemExit) as exc:
        sys.modules.pop(spec, None)
        raise ValueError(_describe_failure(exc, found.origin)) from None


def _import_path(spec: str) -> types.ModuleType:
    path = Path(spec).expanduser()
    if not path.is_file():
        raise ValueError(f"no such file: {spec}" if not path.exists() else f"not a file: {spec}")
    if path.suffix != ".py":
        raise ValueError(f"expected a .py file, got {spec}")
    path = path.resolve()
    name = path.stem
    existing = sys.modules.get(name)
    if existing is not None:
        existing_file = getattr(existing, "__file__", None)
        if not existing_file or Path(existing_file).resolve() != path:
            raise ValueError(
                f"a module named {name!r} is already imported (from {existing_file or 'a built-in'}); "
                f"rename {path.name}"
            )
    loader_spec = importlib.util.spec_from_file_location(name, path)
    if loader_spec is None or loader_spec.loader is None:
        raise ValueError(f"cannot load {spec} as a Python module")
    module = importlib.util.module_from_spec(loader_spec)
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    sys.modules[name] = module
    try:
        loader_spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:
        sys.modules.pop(name, None)
        raise ValueError(_describe_failure(exc, str(path))) from None
    return module


def _import_all(modules: Sequence[str]) -> None:
    for mod in modules:
        try:
            import_user_module(mod)
        except (ValueError, TypeError) as exc:
            raise _Usage(f"--import {mod}: {exc}") from None
