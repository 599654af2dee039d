"""Docstring templates: parameter text written once and filled into several docstrings (layer 0).

A module whose functions share parameters documents each one once, in a mapping, and writes a
line ``%(name)s`` where the entry belongs; :func:`fill_doc` replaces each such line by the entry,
indented as the line was, when the module is imported. ``help()``, Sphinx and the doctests see the
complete docstring (as with scipy's ``doccer`` and matplotlib's ``_docstring.interpd``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TypeVar

__all__ = ["fill_doc"]

_F = TypeVar("_F", bound=Callable[..., object])

#: A line holding only ``%(name)s`` (and its indentation).
_FIELD = re.compile(r"^(?P<indent>[ \t]*)%\((?P<name>\w+)\)s[ \t]*$", re.MULTILINE)


def fill_doc(entries: Mapping[str, str]) -> Callable[[_F], _F]:
    """Decorator: replace each line ``%(name)s`` of the docstring by ``entries[name]``, indented as that line.

    Parameters
    ----------
    entries : mapping of str to str
        Docstring text by name, written without indentation (its later lines indented relative to
        its first, as in a ``Parameters`` entry).

    Returns
    -------
    callable
        The decorator; it returns the function itself, its ``__doc__`` filled.

    Raises
    ------
    KeyError
        A line names an entry that ``entries`` lacks (at import, so a typo cannot ship).

    Examples
    --------
    >>> @fill_doc({"x": "x : float\\n    A number."})
    ... def double(x: float) -> float:
    ...     '''Twice ``x``.
    ...
    ...     Parameters
    ...     ----------
    ...     %(x)s
    ...     '''
    ...     return 2 * x
    >>> print(double.__doc__.splitlines()[4:6])
    ['    x : float', '        A number.']
    """

    def fill(match: re.Match[str]) -> str:
        indent = match["indent"]
        return "\n".join(indent + line if line else line for line in entries[match["name"]].splitlines())

    def decorator(func: _F) -> _F:
        if func.__doc__:  # None under python -OO
            func.__doc__ = _FIELD.sub(fill, func.__doc__)
        return func

    return decorator
