"""The ``otcheck`` command line.

``otcheck verify [IDS...] [--seed SEEDS] [--section S] [--json PATH] [--markdown PATH] [--latex PATH]
[--list] [--trained] [--size ID.NAME=VALUE] [--import MODULE] [--details] [--quiet]`` runs the
registered claims of the paper and prints one row per claim (id, kind, relation, left side, right
side, margin, verdict). IDS may be globs (``'prop*'``); ``--section 4`` keeps the claims of a section
of the paper. ``--seed`` takes one seed, a list (``0,3,7``) or an inclusive range (``0..9``):
over several seeds the verdicts of each claim are aggregated by
:data:`otcheck.claims.SEED_RULE`. ``--size ID.NAME=VALUE`` overrides a claim's size (checked
before anything runs) and ``--import MODULE`` imports a module that registers a user's own claims
(:func:`otcheck.claims.register`): a module name, importable from the current directory, or the
path of a ``.py`` file. ``--details`` prints each claim's parts (relation, both sides, verdict,
guarantee), note and tables (for instance ``otcheck verify prop3 --details`` prints, for a
decreasing sequence of epsilon, both criteria's gap to the optimum, the three cosines and the
constant C). ``otcheck verify ID --instance FILE`` replays one instance file written by
``otcheck falsify``.

``otcheck falsify [IDS...] [--examples N] [--max-seconds S] [--seed K] [--json PATH] [--out DIR]``
searches each claim's instance space (:func:`otcheck.falsify.falsify`) and writes each
counterexample, shrunk, as a replayable instance file ``DIR/ID.json`` (default
``.otcheck/counterexamples``).

``otcheck diff OLD.json NEW.json`` compares two ``--json`` reports (for instance before and after
upgrading a dependency) and prints the claims whose verdict or margin changed, and the new and
removed ones.

Exit status of ``verify`` (and of ``verify --instance``):

- ``0``: every asserted claim holds or is undecided (failing proof steps and refuted conjectures
  are printed as *findings*, they do not make the run fail);
- ``1``: a claim of kind ``"proposition"`` or ``"trained"`` fails, or a check raised an error;
  the failing instance is printed;
- ``2``: bad usage, e.g. an unknown claim id (the known ids are listed), a bad seed or size, an
  output file that cannot be written (checked before anything runs), or an ``--import`` that fails
  (the module and its error are named: no claim runs).

``falsify`` exits 1 when a proposition has a counterexample (one not listed in
:data:`otcheck.falsify.KNOWN_FINDINGS`) or a check raised, else 0; ``diff`` exits 1 when a claim
that did not fail in OLD fails (or raises) in NEW, else 0; both exit 2 on bad usage.

Other subcommands are contributed by optional modules, imported only when asked for so that
``otcheck verify`` never imports torch: ``otcheck.models.cli.add_subcommands(subparsers)``
(``train``, ``evaluate``) and ``otcheck.figures.add_subcommand(subparsers)`` (``figures``). A
contributed subcommand sets ``func`` with ``parser.set_defaults(func=handler)``; ``handler(args)``
returns the exit status (``None`` means 0).
"""

from __future__ import annotations

import argparse
import fnmatch
import importlib
import importlib.util
import json
import math
import os
import sys
import time
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from .claims import Claim, Evidence, Report
    from .falsify import FalsifyReport, Outcome

__all__ = [
    "main",
    "build_parser",
    "format_details",
    "format_parts",
    "import_user_module",
    "parse_seeds",
    "select_ids",
]

#: Subcommands contributed by optional modules: name -> (module, hook function).
_PLUGINS: dict[str, tuple[str, str]] = {
    "train": ("otcheck.models.cli", "add_subcommands"),
    "evaluate": ("otcheck.models.cli", "add_subcommands"),
    "sweep": ("otcheck.models.cli", "add_subcommands"),
    "figures": ("otcheck.figures", "add_subcommand"),
}

#: Subcommands of this module (they need no plugin).
_OWN = ("verify", "falsify", "diff")

_MAX_INSTANCE_CHARS = 4000

#: Where ``otcheck falsify`` writes its counterexamples when ``--out`` is not given.
DEFAULT_COUNTEREXAMPLES = Path(".otcheck") / "counterexamples"

_KINDS = ("proposition", "step", "conjecture")

_VERIFY_EPILOG = (
    "IDS may be globs ('prop*', quoted for the shell); --section keeps the claims of one part of the paper "
    "(2, 3, 4, A, B, or a user's label). Several seeds (--seed 0..9 or --seed 0,3,7): {rule} "
    "Exit status: 0 when every asserted claim holds or is undecided (failing steps and conjectures are "
    "findings), 1 when a proposition fails or a check raised, 2 on bad usage (unknown id, bad seed or "
    "size, an output file that cannot be written, an --import that fails)."
)


# ------------------------------------------------------------------------------------------ arguments


def parse_seeds(text: str) -> tuple[int, ...]:
    """Seeds from the command line: ``"3"``, a list ``"0,3,7"``, an inclusive range ``"0..9"``, or a mix.

    Parameters
    ----------
    text : str

    Returns
    -------
    tuple of int
        Distinct integers >= 0, in the order given.

    Raises
    ------
    ValueError
        Anything else (a negative seed, an empty or reversed range, a seed listed twice); the
        message names the bad item.

    Examples
    --------
    >>> parse_seeds("0..3,7")
    (0, 1, 2, 3, 7)
    """
    if not isinstance(text, str):
        raise TypeError(f"seed: expected a string, got {type(text).__name__}")
    out: list[int] = []
    for item in text.split(","):
        item = item.strip()
        lo_text, dots, hi_text = item.partition("..")
        try:
            lo = int(lo_text)
            hi = int(hi_text) if dots else lo
        except ValueError:
            raise ValueError(
                f"seed: expected an integer >= 0, a list (0,3,7) or a range (0..9), got {item!r}"
            ) from None
        if lo < 0 or hi < 0:
            raise ValueError(f"seed: seeds are integers >= 0, got {item!r}")
        if hi < lo:
            raise ValueError(f"seed: the range {item!r} is empty (write LOW..HIGH, both included)")
        for s in range(lo, hi + 1):
            if s in out:
                raise ValueError(f"seed: {s} is listed twice in {text!r}")
            out.append(s)
    return tuple(out)


def _seeds_arg(text: str) -> tuple[int, ...]:
    try:
        return parse_seeds(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _seed_arg(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {value}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a positive finite number, got {text!r}")
    return value


def _nonnegative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text!r}")
    return value


def _add_import(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--import",
        dest="imports",
        action="append",
        default=[],
        metavar="MODULE",
        help="import MODULE first: a module registering your own claims with otcheck.claims.register, given "
        "as a module name (importable from the current directory) or as the path of a .py file (repeatable)",
    )


def _add_verify(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    from .claims._report import SEED_RULE

    p = subparsers.add_parser(
        "verify",
        help="check the paper's claims and print one row per claim",
        description="Run registered claims at their default sizes and print id, kind, relation, both sides, "
        "margin and verdict. Exit status 1 when a proposition fails, 2 on bad usage.",
        epilog=_VERIFY_EPILOG.format(rule=SEED_RULE),
    )
    p.add_argument(
        "ids", nargs="*", metavar="ID", help="claim ids or globs to run (default: every claim but the trained ones)"
    )
    p.add_argument(
        "--seed",
        type=_seeds_arg,
        default=None,
        metavar="SEEDS",
        help="seed passed to every check (default 0); a list 0,3,7 or an inclusive range 0..9 runs each claim "
        "once per seed and aggregates (see below)",
    )
    p.add_argument(
        "--section",
        action="append",
        default=[],
        metavar="S",
        help="only the claims of this section of the paper (2, 3, 4, A, B; repeatable)",
    )
    p.add_argument("--json", metavar="PATH", help="write the full evidence (instances included) as JSON")
    p.add_argument("--markdown", metavar="PATH", help="write the table and the failing instances as Markdown")
    p.add_argument("--latex", metavar="PATH", help="write the claims table as a booktabs LaTeX tabular")
    p.add_argument("--list", action="store_true", help="list the claims (id, kind, location, statement) and exit")
    p.add_argument("--trained", action="store_true", help="also run the claims of kind 'trained' (slow, needs torch)")
    p.add_argument(
        "--store",
        metavar="DIR",
        help="run store of the trained claims (an 'otcheck sweep' store): finished runs are read, not "
        "trained again (default: $OTCHECK_STORE, else a temporary directory)",
    )
    p.add_argument(
        "--size",
        action="append",
        default=[],
        metavar="ID.NAME=VALUE",
        help="override a size of one claim, e.g. --size theorem1.n=8 (repeatable; the value has the type of "
        "the size's default)",
    )
    _add_import(p)
    p.add_argument(
        "--details",
        action="store_true",
        help="after the table, print each claim's parts (relation, both sides, verdict, guarantee), its note, "
        "scalar details and tables (e.g. prop3's cosines for decreasing epsilon); --json has everything",
    )
    p.add_argument(
        "--instance",
        metavar="FILE",
        help="replay one instance file written by 'otcheck falsify' (ID, when given, must be its claim)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_verify)
    return p


def _add_falsify(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "falsify",
        help="search each claim's instance space for a counterexample (hypothesis)",
        description="Run otcheck.falsify.falsify over the instance space of each claim (every proposition, "
        "step and conjecture with a declared space, by default), print one line per claim and each shrunk "
        "counterexample with its evidence, and write each counterexample as an instance file OUT/ID.json "
        "that 'otcheck verify ID --instance FILE' replays.",
        epilog="Exit status: 1 when a proposition has a counterexample (not listed in "
        "otcheck.falsify.KNOWN_FINDINGS) or a check raised, 0 otherwise (counterexamples to steps and "
        "conjectures are findings), 2 on bad usage.",
    )
    p.add_argument("ids", nargs="*", metavar="ID", help="claim ids or globs (default: every claim with a space)")
    p.add_argument("--examples", type=_positive_int, default=200, metavar="N", help="instances per claim (200)")
    p.add_argument(
        "--max-seconds", type=_positive_float, default=None, metavar="S", help="time budget per claim (none)"
    )
    p.add_argument("--seed", type=_seed_arg, default=0, metavar="K", help="seed of the search (default 0)")
    p.add_argument("--section", action="append", default=[], metavar="S", help="only the claims of this section")
    p.add_argument("--json", metavar="PATH", help="write every outcome (counts, counterexamples, evidence) as JSON")
    p.add_argument(
        "--out",
        metavar="DIR",
        default=str(DEFAULT_COUNTEREXAMPLES),
        help=f"directory of the counterexample instance files, one ID.json per claim "
        f"(default {DEFAULT_COUNTEREXAMPLES}, created when a counterexample is found)",
    )
    p.add_argument(
        "--database",
        metavar="DIR",
        default=None,
        help="hypothesis' example database, where counterexamples are kept and replayed first "
        "(default .otcheck/falsify-examples)",
    )
    p.add_argument("--no-database", action="store_true", help="use no example database")
    _add_import(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_falsify)
    return p


def _add_diff(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "diff",
        help="compare two --json reports: verdicts and margins that changed",
        description="Print the claims whose verdict or margin changed between two reports written by "
        "'otcheck verify --json', the claims new in NEW or removed from it, and the versions that differ.",
        epilog="Exit status: 1 when a claim that did not fail in OLD (holds or undecided) fails or raises in "
        "NEW (a new failure, whatever its kind), 0 otherwise, 2 on bad usage.",
    )
    p.add_argument("old", metavar="OLD.json")
    p.add_argument("new", metavar="NEW.json")
    p.add_argument(
        "--tol",
        type=_nonnegative_float,
        default=0.0,
        metavar="R",
        help="relative change of a margin below which it is not printed (default 0: every change)",
    )
    p.set_defaults(func=_cmd_diff)
    return p


def build_parser(with_plugins: Iterable[str] = ()) -> argparse.ArgumentParser:
    """The argument parser; ``with_plugins`` names the optional modules whose subcommands to add.

    Parameters
    ----------
    with_plugins : iterable of str
        Module names from the plugin table (``"otcheck.models.cli"``, ``"otcheck.figures"``).
        A module that cannot be imported is reported by :func:`main`, not here.

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="otcheck", description="Certified numerical checks of the VEGAN cookbook's optimal-transport theory."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    _add_verify(sub)
    _add_falsify(sub)
    _add_diff(sub)
    hooks = {mod: hook for mod, hook in _PLUGINS.values()}
    for mod in dict.fromkeys(with_plugins):
        module = importlib.import_module(mod)
        hook = getattr(module, hooks[mod], None)
        if callable(hook):
            hook(sub)
    return parser


class _Usage(Exception):
    """Bad usage: printed as ``otcheck COMMAND: message``, exit status 2."""


# ------------------------------------------------------------------------------------------ user modules


def _frame_in(exc: BaseException, filename: str | None) -> str:
    """``" (FILE, line N)"``: where ``exc`` was raised in ``filename`` (else its deepest frame)."""
    frames: list[tuple[str, int]] = []
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if "importlib" not in name and not name.startswith("<frozen") and os.path.realpath(name) != _THIS_FILE:
            frames.append((name, tb.tb_lineno))
        tb = tb.tb_next
    if filename is not None:
        target = os.path.realpath(filename)
        frames = [f for f in frames if os.path.realpath(f[0]) == target] or frames
    return f" ({frames[-1][0]}, line {frames[-1][1]})" if frames else ""


_THIS_FILE = os.path.realpath(__file__)


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


# ------------------------------------------------------------------------------------------ sizes


def _parse_sizes(
    items: Iterable[str], registry: Mapping[str, Claim], run_ids: Sequence[str]
) -> dict[str, dict[str, object]]:
    """``{claim: {size: value}}`` from ``ID.NAME=VALUE`` items, each checked against the claim's sizes."""
    raw: dict[str, dict[str, str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        cid, dot, name = key.rpartition(".")
        if not sep or not dot or not cid or not name:
            raise _Usage(f"--size: expected ID.NAME=VALUE, got {item!r}")
        if name in raw.get(cid, {}):
            raise _Usage(f"--size: {cid}.{name} is given twice")
        raw.setdefault(cid, {})[name] = value
    bad = [k for k in raw if k not in run_ids]
    if bad:
        raise _Usage(f"--size names claim(s) not being run: {', '.join(bad)}")
    sizes: dict[str, dict[str, object]] = {}
    for cid, named in raw.items():
        claim = registry[cid]
        defaults = claim.sizes
        for name, text in named.items():
            parsed: object = text
            if not isinstance(defaults.get(name), str):
                try:
                    parsed = json.loads(text)
                except json.JSONDecodeError:
                    parsed = text
            sizes.setdefault(cid, {})[name] = parsed
        try:
            claim.validate_sizes(sizes[cid])
        except (TypeError, ValueError) as exc:
            name = str(exc).split(":", 1)[0]
            raise _Usage(f"--size {cid}.{name}={named.get(name, '')}: {exc}") from None
    return sizes


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


def _print_list(ids: Iterable[str], registry: Mapping[str, Claim], out: TextIO) -> None:
    rows = [(c.id, c.kind, c.location, c.statement) for c in (registry[i] for i in ids)]
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    w2 = max(len(r[2]) for r in rows)
    for cid, kind, loc, stmt in rows:
        print(f"{cid.ljust(w0)}  {kind.ljust(w1)}  {loc.ljust(w2)}  {stmt}", file=out)


def _format_instance(instance: object) -> str:
    text = json.dumps(instance, indent=None, default=str)
    if len(text) > _MAX_INSTANCE_CHARS:
        text = text[:_MAX_INSTANCE_CHARS] + " ... (truncated; --json writes all of it)"
    return text


def _print_failing(report: Report, evidence: Iterable[Evidence], label: str, out: TextIO) -> None:
    from .claims import jsonable

    for e in evidence:
        print(f"\n{label} {e.claim} ({report.kind(e.claim)}): {e}", file=out)
        if e.note:
            print(f"  note: {e.note}", file=out)
        for p in e.failing_parts():
            if p is not e and (str(p), p.note) != (str(e), e.note):
                print(f"  failing part: {p}" + (f" - {p.note}" if p.note else ""), file=out)
            print(f"  instance: {_format_instance(jsonable(p.instance))}", file=out)


def _cell(value: object) -> str | None:
    """Short text of a scalar or a short list of scalars; None for anything nested."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return str(value)
    if isinstance(value, (int, float)):
        return f"{value:.4g}"
    if isinstance(value, list) and len(value) <= 4 and all(isinstance(v, (int, float)) for v in value):
        return ",".join(f"{v:.3g}" for v in value)
    return None


def _number(x: Fraction | float) -> str:
    return f"{float(x):.6g}"


def _part_line(p: Evidence) -> str:
    line = (
        f"{_number(p.lhs)} {p.relation} {_number(p.rhs)} -> {p.verdict} ({p.guarantee}, margin {float(p.margin):.3g})"
    )
    return line + (f" - {p.note}" if p.note else "")


def format_parts(evidence: Evidence) -> str:
    """One line per part of ``evidence`` (nested parts indented): both sides, relation, verdict, guarantee, note.

    A piece of evidence without parts is its own single part. Over several seeds the parts are the
    seeds' evidence, labelled by seed.

    Parameters
    ----------
    evidence : Evidence

    Returns
    -------
    str

    Examples
    --------
    >>> from otcheck.claims import Recorder
    >>> rec = Recorder("demo")
    >>> _ = rec.compare(1, 2, "<=", note="one is at most two")
    >>> print(format_parts(rec.evidence()))
      part 1: 1 <= 2 -> holds (proof, margin 1) - one is at most two
    """
    lines: list[str] = []
    seeds = evidence.instance.get("seeds") if isinstance(evidence.instance, Mapping) else None
    by_seed = isinstance(seeds, list) and len(seeds) == len(evidence.parts) and "per_seed" in evidence.details

    def walk(e: Evidence, prefix: str, depth: int, labels: Sequence[str] | None = None) -> None:
        for i, p in enumerate(e.parts, 1):
            label = labels[i - 1] if labels is not None else f"part {prefix}{i}"
            lines.append("  " * depth + f"{label}: {_part_line(p)}")
            walk(p, f"{prefix}{i}.", depth + 1)

    if not evidence.parts:
        lines.append(f"  part 1: {_part_line(evidence)}")
    elif by_seed and isinstance(seeds, list):
        walk(evidence, "", 1, [f"seed {s}" for s in seeds])
    else:
        walk(evidence, "", 1)
    return "\n".join(lines)


def format_details(evidence: Evidence) -> str:
    """Readable text of ``evidence.note``, ``evidence.details`` and its parts.

    Scalars print as ``key = value``; a list of dicts (one dict per row, e.g. one per epsilon)
    prints as a table of its scalar columns. Nested structures are left to ``--json``. Then every
    part (:func:`format_parts`): both sides, the relation, the verdict and its guarantee.

    Parameters
    ----------
    evidence : Evidence

    Returns
    -------
    str
    """
    from .claims import jsonable

    lines = [f"{evidence.claim}: {evidence.note}" if evidence.note else f"{evidence.claim}:"]
    for key, raw in evidence.details.items():
        value = jsonable(raw)
        text = _cell(value)
        if text is not None:
            lines.append(f"  {key} = {text}")
        elif isinstance(value, list) and value and all(isinstance(r, dict) for r in value):
            cols = [k for k in value[0] if all(_cell(r.get(k)) is not None for r in value)]
            if not cols:
                continue
            rows = [[_cell(r.get(k)) or "" for k in cols] for r in value]  # every column has a cell: not None
            widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(cols)]
            lines.append(f"  {key}:")
            lines.append(("    " + "  ".join(c.ljust(w) for c, w in zip(cols, widths))).rstrip())
            lines.extend(("    " + "  ".join(x.ljust(w) for x, w in zip(r, widths))).rstrip() for r in rows)
    lines.append("  parts (lhs relation rhs -> verdict (guarantee, margin) - note):")
    lines.append(format_parts(evidence))
    return "\n".join(lines)


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


# ------------------------------------------------------------------------------------------ verify


def _summary(report: Report, n: int, elapsed: float) -> str:
    counts = {v: sum(e.verdict == v for e in report.evidence) for v in ("holds", "fails", "undecided")}
    seeds = f" over {len(report.seeds)} seeds" if len(report.seeds) > 1 else ""
    return (
        f"\n{n} claims{seeds} in {elapsed:.1f} s: {counts['holds']} hold, {counts['fails']} fail "
        f"({len(report.failures)} asserted, {len(report.findings)} findings), {counts['undecided']} undecided, "
        f"{len(report.errors)} errors"
    )


def _finish(report: Report, args: argparse.Namespace, out: TextIO) -> None:
    """Print what follows the table and write the requested files."""
    if args.json:
        _write("--json", args.json, report.to_json())
    if args.markdown:
        _write("--markdown", args.markdown, report.to_markdown())
    if args.latex:
        _write("--latex", args.latex, report.to_latex())
    if args.details:
        for e in report.evidence:
            print("\n" + format_details(e), file=out)
    _print_failing(report, report.findings, "FINDING (not fatal)", out)
    _print_failing(report, report.failures, "FAILED", out)
    for cid, msg in report.errors.items():
        print(f"\nERROR {cid}: {msg}", file=out)


def _cmd_verify(args: argparse.Namespace) -> int:
    try:
        return _verify(args)
    except _Usage as exc:
        print(f"otcheck verify: {exc}", file=sys.stderr)
        return 2


def _verify(args: argparse.Namespace) -> int:
    if not args.trained:
        _light_pot()
    from . import claims
    from .claims import registry

    out = sys.stdout
    outputs = [("--json", args.json), ("--markdown", args.markdown), ("--latex", args.latex)]
    if args.list and any(path for _, path in outputs):
        raise _Usage("--list prints the claims and runs none: --json, --markdown and --latex need a run")
    _check_outputs(outputs)
    _import_all(args.imports)
    if args.instance:
        return _replay(args, out)
    seeds: tuple[int, ...] = args.seed or (0,)
    kinds = _KINDS + (("trained",) if args.trained else ())
    try:
        run_ids = select_ids(args.ids, registry, kinds=kinds, sections=args.section)
    except ValueError as exc:
        raise _Usage(str(exc)) from None
    if args.list:
        _print_list(run_ids, registry, out)
        return 0
    sizes = _parse_sizes(args.size, registry, run_ids)
    if args.store is not None:
        store = _store_dir(args.store)
        for cid in run_ids:
            if registry[cid].kind == "trained" and "store" in registry[cid].sizes:
                sizes.setdefault(cid, {}).setdefault("store", store)
    t0 = time.perf_counter()
    report = claims.verify(
        run_ids,
        seed=seeds if len(seeds) > 1 else seeds[0],
        sizes=sizes,
        progress=not args.quiet,
        on_error="record",
    )
    elapsed = time.perf_counter() - t0
    print(report.to_table(), file=out)
    _finish(report, args, out)
    print(_summary(report, len(run_ids), elapsed), file=out)
    if len(seeds) > 1:
        print(
            f"seeds {', '.join(map(str, seeds))}: a certified failure on any seed fails a claim; sampled failures "
            "count after a multiplicity correction over the seeds (otcheck verify --help)",
            file=out,
        )
    return 0 if report.ok else 1


def _store_dir(path: str) -> str:
    """``--store DIR``: an existing directory or one that can be created (checked before any claim runs)."""
    p = Path(path)
    if not path:
        raise _Usage("--store: expected a directory, got an empty path")
    if p.exists() and not p.is_dir():
        raise _Usage(f"--store: {path} exists and is not a directory")
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _Usage(f"--store: cannot create {path}: {exc.strerror or exc}") from None
    return str(p.resolve())


def _replay(args: argparse.Namespace, out: TextIO) -> int:
    """``otcheck verify [ID] --instance FILE``."""
    from .claims import Report, environment, registry

    given = [
        name
        for name, used in (
            ("--seed", args.seed is not None),
            ("--size", bool(args.size)),
            ("--list", args.list),
            ("--trained", args.trained),
            ("--store", args.store is not None),
            ("--section", bool(args.section)),
        )
        if used
    ]
    if given:
        raise _Usage(f"--instance replays one instance file: {', '.join(given)} do(es) not apply")
    if len(args.ids) > 1 or any(_has_glob(i) for i in args.ids):
        raise _Usage("--instance replays one instance: give at most one claim id (no glob)")
    from .falsify import SPACES, load_instance, replay

    try:
        claim_id, instance = load_instance(args.instance)
    except ValueError as exc:
        raise _Usage(f"--instance {args.instance}: {exc}") from None
    if args.ids and args.ids[0] != claim_id:
        raise _Usage(f"--instance {args.instance} is an instance of claim {claim_id!r}, not {args.ids[0]!r}")
    if claim_id not in registry:
        raise _Usage(
            f"--instance {args.instance}: claim {claim_id!r} is not registered (--import the module that registers it)"
        )
    if claim_id not in SPACES:
        raise _Usage(
            f"--instance {args.instance}: claim {claim_id!r} has no instance space "
            "(--import the module that declares it with otcheck.falsify.register_space)"
        )
    claim = registry[claim_id]
    t0 = time.perf_counter()
    evidence: tuple[Evidence, ...] = ()
    errors: dict[str, str] = {}
    try:
        evidence = (replay(claim_id, instance),)
    except Exception as exc:  # noqa: BLE001 - reported as an error row, exit 1
        errors[claim_id] = f"{type(exc).__name__}: {exc}"
    report = Report(
        evidence=evidence,
        seconds={claim_id: time.perf_counter() - t0},
        errors=errors,
        kinds={claim_id: claim.kind},
        claims={claim_id: _claim_fields(claim)},
        meta={**environment(), "instance_file": str(args.instance)},
    )
    print(report.to_table(), file=out)
    print(f"\nreplayed {args.instance} (claim {claim_id}, {claim.kind}: {claim.statement})", file=out)
    for e in evidence:
        print(format_parts(e), file=out)
    _finish(report, args, out)
    return 0 if report.ok else 1


def _claim_fields(claim: Claim) -> dict[str, str]:
    return {
        "kind": claim.kind,
        "location": claim.location,
        "statement": claim.statement,
        "relation": claim.relation,
        "section": claim.section,
    }


# ------------------------------------------------------------------------------------------ falsify


def _outcome_dict(o: Outcome, instance_file: str | None, known: Mapping[str, str]) -> dict[str, object]:
    from .falsify import encode_instance

    return {
        "claim": o.claim,
        "kind": o.kind,
        "description": o.description,
        "searched": o.searched,
        "examples": o.examples,
        "holds": o.holds,
        "undecided": o.undecided,
        "uncertified": o.uncertified,
        "refuted": o.refuted,
        "errors": o.errors,
        "error": o.error,
        "failure": o.is_failure,
        "finding": o.is_finding,
        "known_finding": known.get(o.claim),
        "counterexample": None if o.counterexample is None else encode_instance(o.counterexample),
        "instance_file": instance_file,
        "evidence": None if o.evidence is None else o.evidence.to_dict(),
        "confirmed_exactly": o.confirmed_exactly,
        "confidence": o.confidence,
        "seconds": o.seconds,
    }


def _falsify_json(
    report: FalsifyReport, files: Mapping[str, str], args: argparse.Namespace, claims: Mapping[str, dict[str, str]]
) -> str:
    from .claims import environment
    from .falsify import KNOWN_FINDINGS

    return json.dumps(
        {
            "meta": environment(),
            "seed": report.seed,
            "examples": report.examples,
            "max_seconds": args.max_seconds,
            "ok": report.ok,
            "claims": claims,
            "outcomes": [_outcome_dict(o, files.get(o.claim), KNOWN_FINDINGS) for o in report.outcomes],
        },
        indent=2,
    )


def _cmd_falsify(args: argparse.Namespace) -> int:
    try:
        return _falsify(args)
    except _Usage as exc:
        print(f"otcheck falsify: {exc}", file=sys.stderr)
        return 2


def _falsify(args: argparse.Namespace) -> int:
    _light_pot()
    _check_outputs([("--json", args.json)])
    reason = _undirectable(args.out)
    if reason:
        raise _Usage(f"--out {args.out}: {reason} (checked before running anything)")
    if args.no_database and args.database:
        raise _Usage("--database and --no-database exclude each other")
    _import_all(args.imports)
    from .claims import registry
    from .falsify import DEFAULT_DATABASE, SPACES, dump_instance, falsify

    try:
        ids = select_ids(
            args.ids,
            registry,
            kinds=_KINDS,
            sections=args.section,
            keep=lambda cid: cid in SPACES,
            what="with an instance space",
        )
    except ValueError as exc:
        hint = " (declare one with otcheck.falsify.register_space)" if "instance space" in str(exc) else ""
        raise _Usage(f"{exc}{hint}") from None
    database = None if args.no_database else (args.database or DEFAULT_DATABASE)
    t0 = time.perf_counter()
    report = falsify(
        ids,
        examples=args.examples,
        max_seconds=args.max_seconds,
        seed=args.seed,
        database=database,
        progress=not args.quiet,
    )
    elapsed = time.perf_counter() - t0
    print(report.to_text())
    searched = [o for o in report.outcomes if o.searched]
    if searched:
        print("\nspaces searched (what each statement quantifies over):")
        for o in searched:
            print(f"  {o.claim}: {o.description or '(no description)'}")
    files: dict[str, str] = {}
    found = [o for o in report.outcomes if o.counterexample is not None]
    if found:
        out_dir = Path(args.out)
        out_dir.mkdir(parents=True, exist_ok=True)
        print("")
        imports = "".join(f" --import {m}" for m in args.imports)
        for o in found:
            assert o.counterexample is not None
            path = dump_instance(o.claim, o.counterexample, out_dir / f"{o.claim}.json")
            files[o.claim] = str(path)
            print(f"{o.claim}: instance written to {path}; replay: otcheck verify {o.claim} --instance {path}{imports}")
    if args.json:
        claims = {o.claim: _claim_fields(registry[o.claim]) for o in report.outcomes}
        _write("--json", args.json, _falsify_json(report, files, args, claims))
    failures = sum(o.is_failure for o in report.outcomes)
    findings = sum(o.is_finding for o in report.outcomes)
    errors = sum(1 for o in report.outcomes if o.errors)
    budget = f"at most {report.examples} instances per claim"
    if args.max_seconds is not None:
        budget += f" and {args.max_seconds:g} s per claim"
    apart = sum(o.undecided + o.uncertified + o.refuted for o in report.outcomes)
    print(
        f"\n{len(report.outcomes)} claims searched in {elapsed:.1f} s ({budget}, hypothesis seed {report.seed}, "
        f"example database {database if database is not None else 'none'}): {failures} counterexamples to "
        f"propositions, {findings} findings, {errors} with errors; {apart} undecided, uncertified or refuted "
        "instances (counted apart, not as passes)"
    )
    return 0 if report.ok else 1


# ------------------------------------------------------------------------------------------ diff


def _load_report(path: str) -> Report:
    from .claims import Report

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise _Usage(f"{path}: cannot read it ({exc.strerror or exc})") from None
    try:
        return Report.from_json(text)
    except (ValueError, TypeError, KeyError) as exc:
        raise _Usage(f"{path}: not an otcheck report ({exc})") from None


def _margin_changed(a: Fraction | float, b: Fraction | float, tol: float) -> bool:
    if isinstance(a, Fraction) and isinstance(b, Fraction) and tol == 0:
        return a != b
    x, y = float(a), float(b)
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) != math.isnan(y)
    if x == y:
        return False
    return abs(x - y) > tol * max(abs(x), abs(y))


def _cmd_diff(args: argparse.Namespace) -> int:
    try:
        return _diff(args, sys.stdout)
    except _Usage as exc:
        print(f"otcheck diff: {exc}", file=sys.stderr)
        return 2


def _diff(args: argparse.Namespace, out: TextIO) -> int:
    old, new = _load_report(args.old), _load_report(args.new)

    def state(r: Report) -> dict[str, tuple[str, Fraction | float | None]]:
        rows: dict[str, tuple[str, Fraction | float | None]] = {
            i: (verdict, margin) for i, _, _, _, _, margin, verdict in r.rows()
        }
        rows.update({i: ("error", None) for i in r.errors})
        return rows

    a, b = state(old), state(new)
    ov, nv = old.meta.get("versions"), new.meta.get("versions")
    if isinstance(ov, Mapping) and isinstance(nv, Mapping):
        changed = [f"{k} {ov.get(k)} -> {nv.get(k)}" for k in dict.fromkeys([*ov, *nv]) if ov.get(k) != nv.get(k)]
        if changed:
            print("versions: " + ", ".join(changed), file=out)
    if old.seeds != new.seeds:
        print(f"seeds: {list(old.seeds)} -> {list(new.seeds)}", file=out)
    verdicts = margins = 0
    new_failures: list[str] = []
    for cid in a:
        if cid not in b:
            continue
        (v0, m0), (v1, m1) = a[cid], b[cid]
        kind = new.kind(cid)
        m_text = f"margin {_margin_text(m0)} -> {_margin_text(m1)}"
        if v0 != v1:
            verdicts += 1
            flag = ""
            if v0 in ("holds", "undecided") and v1 in ("fails", "error"):
                new_failures.append(cid)
                flag = "  NEW FAILURE"
            print(f"verdict  {cid} ({kind}): {v0} -> {v1}, {m_text}{flag}", file=out)
        elif m0 is not None and m1 is not None and _margin_changed(m0, m1, args.tol):
            margins += 1
            print(f"margin   {cid} ({kind}): {v1}, {m_text}", file=out)
    added = [cid for cid in b if cid not in a]
    removed = [cid for cid in a if cid not in b]
    for cid in added:
        print(f"new      {cid} ({new.kind(cid)}): {b[cid][0]}", file=out)
    for cid in removed:
        print(f"removed  {cid} ({old.kind(cid)}): was {a[cid][0]}", file=out)
    both = sum(cid in b for cid in a)
    print(
        f"{both} claims in both: {verdicts} verdicts changed, {margins} margins changed"
        f"{f' (relative tolerance {args.tol:g})' if args.tol else ''}; {len(added)} new, {len(removed)} removed; "
        f"{len(new_failures)} new failures" + (f" ({', '.join(new_failures)})" if new_failures else ""),
        file=out,
    )
    return 1 if new_failures else 0


def _margin_text(m: Fraction | float | None) -> str:
    return "-" if m is None else f"{float(m):.6g}"


# ------------------------------------------------------------------------------------------ main


def _wanted_plugins(argv: Sequence[str]) -> list[str]:
    """Plugin modules needed for this command line (none for ``verify``, ``falsify``, ``diff``)."""
    command = next((a for a in argv if not a.startswith("-")), None)
    if command in _OWN:
        return []
    if command in _PLUGINS:
        return [_PLUGINS[command][0]]
    # help or an unknown command: offer whatever optional subcommands import cleanly
    return list(dict.fromkeys(m for m, _ in _PLUGINS.values()))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``otcheck`` command; returns the exit status.

    ``sys.path`` is restored on return (``--import`` puts the current directory or a file's
    directory on it for the command's duration).

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (``sys.argv[1:]`` when omitted).

    Returns
    -------
    int
        ``0`` success, ``1`` an asserted claim failed (or a check raised), ``2`` bad usage.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    plugins: list[str] = []
    missing: dict[str, ImportError] = {}
    command = next((a for a in argv if not a.startswith("-")), None)
    for mod in _wanted_plugins(argv):
        try:
            importlib.import_module(mod)
            plugins.append(mod)
        except ModuleNotFoundError as exc:
            if exc.name == mod or (exc.name and mod.startswith(exc.name + ".")):
                continue  # the optional module is not part of this install
            missing[mod] = exc
        except ImportError as exc:
            missing[mod] = exc
    if command in _PLUGINS and _PLUGINS[command][0] in missing:
        err = missing[_PLUGINS[command][0]]
        hint = " (install torch: pip install torch)" if getattr(err, "name", "") == "torch" else ""
        print(f"otcheck {command}: cannot load {_PLUGINS[command][0]}: {err}{hint}", file=sys.stderr)
        return 2
    parser = build_parser(plugins)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or usage error (2)
        return int(exc.code or 0)
    saved_path = list(sys.path)
    try:
        rc = args.func(args)
    finally:
        sys.path[:] = saved_path
    return 0 if rc is None else int(rc)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
