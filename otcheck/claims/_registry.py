"""The registry of claims (layer 5): :class:`Claim`, :data:`registry`, :func:`register`, :data:`KINDS`.

A claim is a small function ``check(seed=0, **sizes) -> Evidence`` registered under a stable id
with its paper location, statement and relation; :meth:`Claim.run` calls it with the claim's id
current, so that a :class:`~otcheck.claims.Recorder` made inside it needs no id.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TypeVar

import numpy as np

from ._evidence import _CURRENT, RELATIONS, Evidence, _check_one_of, jsonable

__all__ = ["Claim", "registry", "register", "KINDS"]

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
        Stable id (CLAIMS.md).
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
        return {
            "id": self.id,
            "location": self.location,
            "statement": self.statement,
            "relation": self.relation,
            "how": self.how,
            "kind": self.kind,
            "section": self.section,
            "reading": self.reading,
            "sizes": jsonable(self.sizes),
        }


#: The registry: claim id -> :class:`Claim`, in registration order.
registry: dict[str, Claim] = {}


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
    if id in registry and not replace_existing:
        raise ValueError(f"id: claim {id!r} is already registered (pass replace_existing=True to override)")

    def deco(check: _C) -> _C:
        if not callable(check):
            raise TypeError(f"check: expected a callable, got {type(check).__name__}")
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
