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
import importlib
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

# The parser and main() live here; the subcommands' bodies, claim selection, user-module import and
# the text output live in the private modules otcheck/_cli_*.py (public names re-exported here).
from ._cli_common import nonnegative_float_arg, positive_float_arg, positive_int_arg, seed_arg, select_ids
from ._cli_diff import _cmd_diff
from ._cli_falsify import _cmd_falsify
from ._cli_format import format_details, format_parts
from ._cli_import import import_user_module
from ._cli_verify import _cmd_verify

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

#: Where ``otcheck falsify`` writes its counterexamples when ``--out`` is not given.
DEFAULT_COUNTEREXAMPLES = Path(".otcheck") / "counterexamples"

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
        The value given to ``--seed`` (items separated by commas, spaces around them ignored).

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
    p.add_argument("--examples", type=positive_int_arg, default=200, metavar="N", help="instances per claim (200)")
    p.add_argument(
        "--max-seconds", type=positive_float_arg, default=None, metavar="S", help="time budget per claim (none)"
    )
    p.add_argument("--seed", type=seed_arg, default=0, metavar="K", help="seed of the search (default 0)")
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
        type=nonnegative_float_arg,
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
        The ``otcheck`` parser with a required subcommand: ``verify``, ``falsify``, ``diff`` and those the
        named plugin modules add; each subcommand sets ``func`` to its handler.
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
