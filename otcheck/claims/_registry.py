"""The registry of claims (layer 5): :class:`Claim`, :data:`registry`, :func:`register`, :data:`KINDS`.

A claim is a small function ``check(seed=0, **sizes) -> Evidence`` registered under a stable id
with its paper location, statement and relation; :meth:`Claim.run` calls it with the claim's id
current, so that a :class:`~otcheck.claims.Recorder` made inside it needs no id.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import TypeVar

import numpy as np

from ._evidence import _CURRENT, RELATIONS, Evidence, _check_one_of, jsonable

__all__ = ["Claim", "registry", "register", "same_function", "KINDS"]

#: What a claim is. Only a failing ``"proposition"`` (or ``"trained"``) makes ``verify`` fail:
#: a failing ``"step"`` (a displayed proof step) is a finding about the paper, and a
#: ``"conjecture"`` (e.g. footnote 2) is explored, not asserted.
KINDS = ("proposition", "step", "conjecture", "trained")

#: A claim's check: ``check(seed=0, **sizes) -> Evidence``.
Check = Callable[..., Evidence]

_C = TypeVar("_C", bound=Check)


@dataclass(frozen=True)
class Claim:
    """A registered claim of the paper (or a user's).

    Attributes
    ----------
    id : str
        Stable id (the ids of the paper's claims are listed in ``docs/claims.rst``).
    location : str
        Where in the paper, e.g. ``"Sec. 3.1, eq. 10-11"``.
    statement : str
        One line, in clean notation.
    relation : str
        The relation asserted (``"=="``, ``"<="``, ...).
    check : callable
        ``check(seed=0, **sizes) -> Evidence``.
    how : str
        How it is checked (one or two sentences, for the docs' claims page).
    kind : str
        One of :data:`KINDS`.
    section : str
        Paper section, for grouping (``"2"``, ``"3"``, ``"4"``, ``"A"``, ``"B"``).
    reading : str
        Which reading of the (OCR) formula is tested, when the text is ambiguous.
    """

    id: str
    location: str
    statement: str
    relation: str
    check: Check = field(repr=False, compare=False)
    how: str = ""
    kind: str = "proposition"
    section: str = ""
    reading: str = ""

    def __post_init__(self) -> None:
        _check_one_of(self.kind, KINDS, "kind")
        _check_one_of(self.relation, RELATIONS, "relation")

    @property
    def sizes(self) -> dict[str, object]:
        """Default size parameters of ``check`` (every keyword argument but ``seed``), as a dict."""
        out: dict[str, object] = {}
        for name, p in inspect.signature(self.check).parameters.items():
            if name != "seed" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is not p.empty:
                out[name] = p.default
        return out

    def validate_sizes(self, sizes: Mapping[str, object]) -> None:
        """Check size overrides before anything runs: known names, each value of its default's type.

        A size whose default is a bool takes a bool, an int takes an int (not a bool, not a float),
        a float takes an int or a float, a string a string, a list or tuple a list or tuple; a
        default of another type (or ``None``) is left to ``check``'s own validation. Nothing is
        converted.

        Parameters
        ----------
        sizes : mapping
            ``{size name: value}``, as passed to :meth:`run`.

        Raises
        ------
        ValueError
            ``seed`` given as a size, or a name ``check`` does not accept (the message lists the
            accepted sizes and their defaults).
        TypeError
            A value of another type than its default (the message names the size, its default and
            the value).

        Examples
        --------
        >>> from otcheck.claims import registry
        >>> registry["kr-duality"].validate_sizes({"n": 6})
        >>> registry["kr-duality"].validate_sizes({"n": "abc"})
        Traceback (most recent call last):
        ...
        TypeError: n: claim 'kr-duality' takes an integer (its default is 6), got str 'abc'
        """
        params = inspect.signature(self.check).parameters
        open_ended = any(p.kind == p.VAR_KEYWORD for p in params.values())
        defaults = self.sizes
        accepted = ", ".join(f"{k}={v!r}" for k, v in defaults.items()) or "none"
        for name, value in sizes.items():
            if name == "seed":
                raise ValueError(
                    f"seed: is not a size of claim {self.id!r}; the seed is set on its own (seed=..., --seed)"
                )
            if name not in defaults:
                if open_ended and name not in params:
                    continue
                raise ValueError(f"{name}: claim {self.id!r} has no size {name!r}; its sizes: {accepted}")
            expected = _size_type(defaults[name])
            if expected is not None and not expected[1](value):
                raise TypeError(
                    f"{name}: claim {self.id!r} takes {expected[0]} (its default is {defaults[name]!r}), "
                    f"got {type(value).__name__} {value!r}"
                )

    def run(self, seed: int | np.random.Generator = 0, **sizes: object) -> Evidence:
        """Call ``check`` and make sure it returned Evidence for this claim.

        Raises
        ------
        TypeError
            A size keyword that ``check`` does not accept (the message lists the accepted ones),
            or ``check`` returned something other than :class:`Evidence`.
        """
        params = inspect.signature(self.check).parameters
        if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
            for name in sizes:
                if name not in params or name == "seed":
                    raise TypeError(f"{name}: unknown size for claim {self.id!r}; accepted: {sorted(self.sizes)}")
        token = _CURRENT.set(self.id)
        try:
            ev = self.check(seed=seed, **sizes)
        finally:
            _CURRENT.reset(token)
        if not isinstance(ev, Evidence):
            raise TypeError(f"claim {self.id!r}: check returned {type(ev).__name__}, expected Evidence")
        if ev.claim != self.id:
            ev = replace(ev, claim=self.id)
        return ev

    def to_dict(self) -> dict[str, object]:
        """Metadata for a docs page: every field but ``check``, plus the default ``sizes``."""
        out: dict[str, object] = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "check"}
        out["sizes"] = jsonable(self.sizes)
        return out


def _is_int(x: object) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _is_real(x: object) -> bool:
    return _is_int(x) or isinstance(x, (float, np.floating))


def _size_type(default: object) -> tuple[str, Callable[[object], bool]] | None:
    """``(what, test)`` for the values a size with this default takes; None: left to the check."""
    if isinstance(default, (bool, np.bool_)):
        return "a bool", lambda x: isinstance(x, (bool, np.bool_))
    if _is_int(default):
        return "an integer", _is_int
    if isinstance(default, (float, np.floating)):
        return "a real number", _is_real
    if isinstance(default, str):
        return "a string", lambda x: isinstance(x, str)
    if isinstance(default, (list, tuple)):
        return "a list", lambda x: isinstance(x, (list, tuple))
    return None


#: The registry: claim id -> :class:`Claim`, in registration order.
registry: dict[str, Claim] = {}


def _function_name(f: object) -> str:
    module = getattr(f, "__module__", None) or "?"
    return f"{module}.{getattr(f, '__qualname__', type(f).__name__)}"


def same_function(a: object, b: object) -> bool:
    """Whether two checks are the same function, possibly two objects of it (a module reloaded, a cell re-run).

    Functions are the same when their module and qualified name are; two lambdas (or functions
    defined inside a lambda) also need the same first line, since their qualified names do not tell
    them apart. A callable without a qualified name is the same only as itself.

    Parameters
    ----------
    a, b : callable
        The two checks to compare (any objects: one without ``__qualname__`` and ``__module__`` is the same
        only as itself).

    Returns
    -------
    bool
        True when ``a is b``, or when both have the same module and qualified name (two lambdas: also the same
        first line).

    Examples
    --------
    >>> def f(seed=0): ...
    >>> g = f
    >>> same_function(f, g), same_function(f, lambda seed=0: None)
    (True, False)
    """
    if a is b:
        return True
    qa, qb = getattr(a, "__qualname__", None), getattr(b, "__qualname__", None)
    ma, mb = getattr(a, "__module__", None), getattr(b, "__module__", None)
    if not isinstance(qa, str) or not isinstance(ma, str) or (qa, ma) != (qb, mb):
        return False
    if "<lambda>" in qa:
        ca, cb = getattr(a, "__code__", None), getattr(b, "__code__", None)
        return ca is not None and cb is not None and ca.co_firstlineno == cb.co_firstlineno
    return True


def register(
    id: str,
    *,
    location: str,
    statement: str,
    relation: str,
    how: str = "",
    kind: str = "proposition",
    section: str = "",
    reading: str = "",
    replace_existing: bool = False,
) -> Callable[[_C], _C]:
    """Decorator registering ``check(seed=0, **sizes) -> Evidence`` as claim ``id``.

    ``check`` receives the seed and any size overrides as keyword arguments; give every size a
    default (the size ``otcheck verify`` runs) and validate it (``ValueError``/``TypeError``
    naming the argument). ``how`` defaults to the first paragraph of ``check``'s docstring.
    The id is written here, once: inside ``check``, :class:`~otcheck.claims.Recorder` takes it from
    the claim being run.

    Registering the *same* function again (a notebook cell run twice, ``importlib.reload`` of the
    module) replaces the claim quietly, with its new metadata: functions are the same when their
    module and qualified name are (:func:`same_function`). A different function under an existing
    id is an error unless ``replace_existing=True``.

    Examples
    --------
    >>> from otcheck.claims import Recorder, register, registry
    >>> @register("my-triangle", location="user", statement="1 + 1 <= 3", relation="<=")
    ... def _check(seed=0):
    ...     rec = Recorder()                  # the id comes from the claim being run
    ...     rec.compare(1 + 1, 3, "<=")
    ...     return rec.evidence()
    >>> registry["my-triangle"].run().verdict
    'holds'
    >>> del registry["my-triangle"]
    """
    if not isinstance(id, str) or not id:
        raise TypeError("id: expected a non-empty string")

    def deco(check: _C) -> _C:
        if not callable(check):
            raise TypeError(f"check: expected a callable, got {type(check).__name__}")
        old = registry.get(id)
        if old is not None and not replace_existing and not same_function(old.check, check):
            raise ValueError(
                f"id: claim {id!r} is already registered to a different function ({_function_name(old.check)}, "
                f"not {_function_name(check)}); pass replace_existing=True to override"
            )
        registry[id] = Claim(
            id=id,
            location=location,
            statement=statement,
            relation=relation,
            check=check,
            how=how or " ".join((check.__doc__ or "").strip().split("\n\n")[0].split()),
            kind=kind,
            section=section,
            reading=reading,
        )
        return check

    return deco
