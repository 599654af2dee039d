"""Shared pieces of the ``otcheck`` command line (:mod:`otcheck.cli`): the usage error, claim
selection by ids, globs and sections, checks of output paths before anything runs, and the POT
backend switch.
"""

from __future__ import annotations

import argparse
import fnmatch
import math
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from .claims import Claim

__all__ = ["select_ids"]

_KINDS = ("proposition", "step", "conjecture")


_N = TypeVar("_N", int, float)


class _Usage(Exception):
    """Bad usage: printed as ``otcheck COMMAND: message``, exit status 2."""


def _command(name: str, run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """The handler of ``otcheck NAME``: ``run``, with a :class:`_Usage` printed as ``otcheck NAME: message``, exit 2.

    Parameters
    ----------
    name : str
        The subcommand, for the message.
    run : callable
        ``run(args)``: the subcommand's body; returns the exit status or raises :class:`_Usage`.

    Returns
    -------
    callable
        ``handler(args) -> int``, for ``parser.set_defaults(func=handler)``.
    """

    def handler(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except _Usage as exc:
            print(f"otcheck {name}: {exc}", file=sys.stderr)
            return 2

    return handler


# ------------------------------------------------------------------------------------------ argument types


def _number_arg(
    convert: Callable[[str], _N], ok: Callable[[_N], bool], expected: str, in_range: str
) -> Callable[[str], _N]:
    """An argparse ``type``: ``convert(text)``, refused (:class:`argparse.ArgumentTypeError`) unless ``ok``.

    Parameters
    ----------
    convert : callable
        ``int`` or ``float``.
    ok : callable
        Whether a converted value is in range.
    expected : str
        What the text should have been (``"an integer >= 1"``), when ``convert`` fails.
    in_range : str
        The same, when ``ok`` fails; an int is then shown as its value, a float as the text given.

    Returns
    -------
    callable
        ``parse(text)``, the value.
    """

    def parse(text: str) -> _N:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not ok(value):
            got = value if isinstance(value, int) else repr(text)
            raise argparse.ArgumentTypeError(f"expected {in_range}, got {got}")
        return value

    return parse


#: A seed (an integer >= 0), a count (an integer >= 1), a duration (finite, > 0), a tolerance (finite, >= 0).
seed_arg = _number_arg(int, lambda v: v >= 0, "an integer >= 0", "an integer >= 0")
positive_int_arg = _number_arg(int, lambda v: v >= 1, "an integer >= 1", "an integer >= 1")
positive_float_arg = _number_arg(
    float, lambda v: math.isfinite(v) and v > 0, "a positive number", "a positive finite number"
)
nonnegative_float_arg = _number_arg(
    float, lambda v: math.isfinite(v) and v >= 0, "a number >= 0", "a finite number >= 0"
)


# ------------------------------------------------------------------------------------------ selection


def _has_glob(pattern: str) -> bool:
    return any(ch in pattern for ch in "*?[")


def select_ids(
    patterns: Sequence[str],
    registry: Mapping[str, Claim],
    *,
    kinds: Sequence[str] = _KINDS,
    sections: Sequence[str] = (),
    keep: Callable[[str], bool] | None = None,
    what: str = "",
) -> list[str]:
    """Claim ids selected by ids and globs (``'prop*'``), restricted to sections; in registry order per pattern.

    Parameters
    ----------
    patterns : sequence of str
        Claim ids (any kind) or globs (:mod:`fnmatch`, matching claims of ``kinds``); empty: every
        claim of ``kinds``.
    registry : mapping
        ``claim id -> Claim``.
    kinds : sequence of str
        Kinds that globs and the default selection take.
    sections : sequence of str
        When given, only claims whose ``section`` is one of these.
    keep : callable, optional
        A further condition (e.g. "has an instance space"); a plain id that fails it is an error,
        globs and the default selection skip such claims.
    what : str
        What ``keep`` means, for the messages (e.g. ``"with an instance space"``).

    Returns
    -------
    list of str
        The selected claim ids, each once: the matches of each pattern in turn (a glob's in registry order),
        or, with no patterns, every claim of ``kinds`` in ``sections`` that ``keep`` accepts, in registry
        order.

    Raises
    ------
    ValueError
        An unknown id (the known ids are listed), a glob or section that matches no claim, or a
        selection left empty.

    Examples
    --------
    >>> from otcheck.claims import registry
    >>> select_ids(["prop[23]", "lemma8"], registry)
    ['prop2', 'prop3', 'lemma8']
    """
    known_sections = list(dict.fromkeys(c.section for c in registry.values()))
    bad_sections = [s for s in sections if s not in known_sections]
    if bad_sections:
        raise ValueError(
            f"unknown section(s): {', '.join(bad_sections)}; known: {', '.join(map(repr, known_sections))}"
        )

    def fits(cid: str) -> bool:
        c = registry[cid]
        return (not sections or c.section in sections) and (keep is None or keep(cid))

    if not patterns:
        chosen = [cid for cid, c in registry.items() if c.kind in kinds and fits(cid)]
        if not chosen:
            raise ValueError(
                f"no claim {what or 'to run'}" + (f" in section(s) {', '.join(sections)}" if sections else "")
            )
        return chosen
    unknown = [p for p in patterns if not _has_glob(p) and p not in registry]
    if unknown:
        raise ValueError(f"unknown claim id(s): {', '.join(unknown)}\nknown ids:\n  " + "\n  ".join(registry))
    chosen = []
    for pat in patterns:
        if _has_glob(pat):
            anykind = [cid for cid in registry if fnmatch.fnmatchcase(cid, pat)]
            hits = [cid for cid in anykind if registry[cid].kind in kinds and fits(cid)]
            if not hits:
                why = "no claim"
                if anykind and all(registry[c].kind not in kinds for c in anykind):
                    other = ", ".join(sorted({registry[c].kind for c in anykind}))
                    why = f"only claims of kind {other}, which run when listed by id (or with --trained)"
                elif anykind:
                    why = f"no claim {what}".rstrip() if keep is not None else "no claim of the section(s) asked"
                raise ValueError(f"{pat!r} matches {why}")
            chosen += hits
        else:
            if keep is not None and not keep(pat):
                lacking = what.removeprefix("with ").removeprefix("an ").removeprefix("a ") or "such property"
                raise ValueError(f"claim {pat!r} has no {lacking}")
            if sections and registry[pat].section not in sections:
                raise ValueError(f"claim {pat!r} is in section {registry[pat].section!r}, not {', '.join(sections)}")
            chosen.append(pat)
    return list(dict.fromkeys(chosen))


# ------------------------------------------------------------------------------------------ output


def _unwritable(path: str) -> str | None:
    """Why a file cannot be written at ``path`` (None when it can); nothing is left behind."""
    p = Path(path)
    if p.is_dir():
        return "it is a directory"
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.exists():
        return f"the directory {parent} does not exist"
    if not parent.is_dir():
        return f"{parent} is not a directory"
    try:
        if p.exists():
            with open(p, "a", encoding="utf-8"):
                pass
        else:
            with open(p, "x", encoding="utf-8"):
                pass
            p.unlink()
    except OSError as exc:
        return f"cannot write it ({exc.strerror or exc})"
    return None


def _undirectable(path: str) -> str | None:
    """Why files cannot be written in directory ``path`` (created later if missing); None when they can."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        return "it exists and is not a directory"
    base = p
    while not base.exists():
        if base.parent == base:
            return "no existing parent directory"
        base = base.parent
    if not base.is_dir():
        return f"{base} is not a directory"
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=base):
            pass
    except OSError as exc:
        return f"cannot write in {base} ({exc.strerror or exc})"
    return None


def _check_outputs(outputs: Sequence[tuple[str, str | None]]) -> None:
    for option, path in outputs:
        if path:
            reason = _unwritable(path)
            if reason:
                raise _Usage(f"{option} {path}: {reason} (checked before running anything)")


def _write(option: str, path: str, text: str) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _Usage(f"{option} {path}: cannot write it ({exc.strerror or exc})") from None


_POT_BACKENDS = (
    "POT_BACKEND_DISABLE_PYTORCH",
    "POT_BACKEND_DISABLE_JAX",
    "POT_BACKEND_DISABLE_TENSORFLOW",
    "POT_BACKEND_DISABLE_CUPY",
)


def _light_pot() -> None:
    """Keep POT from importing torch/jax/tensorflow/cupy backends (seconds of start-up) when nothing
    needs them: otcheck hands POT numpy arrays only. Respects values the user already set."""
    if "ot" not in sys.modules:
        for key in _POT_BACKENDS:
            os.environ.setdefault(key, "1")


def _claim_fields(claim: Claim) -> dict[str, str]:
    return {
        "kind": claim.kind,
        "location": claim.location,
        "statement": claim.statement,
        "relation": claim.relation,
        "section": claim.section,
    }
