"""The ``otcheck`` command line.

``otcheck verify [IDS...] [--seed N] [--json PATH] [--markdown PATH] [--list] [--trained] [--quiet]``
runs the registered claims of the paper and prints one row per claim (id, kind, relation, left
side, right side, margin, verdict). ``--size ID.NAME=VALUE`` overrides a claim's size and
``--import MODULE`` imports a module that registers a user's own claims
(:func:`otcheck.claims.register`) before running; ``--details`` prints each claim's note and
tables (for instance ``otcheck verify prop3 --details`` prints, for a decreasing sequence of
epsilon, both criteria's gap to the optimum, the three cosines and the constant C).

Exit status of ``verify``:

- ``0``: every asserted claim holds or is undecided (failing proof steps and refuted conjectures
  are printed as *findings*, they do not make the run fail);
- ``1``: a claim of kind ``"proposition"`` or ``"trained"`` fails, or a check raised an error;
  the failing instance is printed;
- ``2``: bad usage, e.g. an unknown claim id (the known ids are listed).

Other subcommands are contributed by optional modules, imported only when asked for so that
``otcheck verify`` never imports torch: ``otcheck.models.cli.add_subcommands(subparsers)``
(``train``, ``evaluate``) and ``otcheck.figures.add_subcommand(subparsers)`` (``figures``). A
contributed subcommand sets ``func`` with ``parser.set_defaults(func=handler)``; ``handler(args)``
returns the exit status (``None`` means 0).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from .claims import Claim, Evidence, Report

__all__ = ["main", "build_parser", "format_details"]

#: Subcommands contributed by optional modules: name -> (module, hook function).
_PLUGINS: dict[str, tuple[str, str]] = {
    "train": ("otcheck.models.cli", "add_subcommands"),
    "evaluate": ("otcheck.models.cli", "add_subcommands"),
    "figures": ("otcheck.figures", "add_subcommand"),
}

_MAX_INSTANCE_CHARS = 4000


def _add_verify(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "verify",
        help="check the paper's claims and print one row per claim",
        description="Run registered claims at their default sizes and print id, kind, relation, both sides, "
        "margin and verdict. Exit status 1 when a proposition fails, 2 on an unknown id.",
    )
    p.add_argument("ids", nargs="*", metavar="ID", help="claim ids to run (default: every claim but the trained ones)")
    p.add_argument("--seed", type=int, default=0, help="seed passed to every check (default 0)")
    p.add_argument("--json", metavar="PATH", help="write the full evidence (instances included) as JSON")
    p.add_argument("--markdown", metavar="PATH", help="write the table and the failing instances as Markdown")
    p.add_argument("--list", action="store_true", help="list the claims (id, kind, location, statement) and exit")
    p.add_argument("--trained", action="store_true", help="also run the claims of kind 'trained' (slow, needs torch)")
    p.add_argument(
        "--size",
        action="append",
        default=[],
        metavar="ID.NAME=VALUE",
        help="override a size of one claim, e.g. --size theorem1.n=8 (repeatable)",
    )
    p.add_argument(
        "--import",
        dest="imports",
        action="append",
        default=[],
        metavar="MODULE",
        help="import MODULE first (a module registering your own claims with otcheck.claims.register; repeatable)",
    )
    p.add_argument(
        "--details",
        action="store_true",
        help="after the table, print each claim's note, scalar details and tables (e.g. prop3's "
        "cosines for decreasing epsilon); --json has everything",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_verify)
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
    hooks = {mod: hook for mod, hook in _PLUGINS.values()}
    for mod in dict.fromkeys(with_plugins):
        module = importlib.import_module(mod)
        hook = getattr(module, hooks[mod], None)
        if callable(hook):
            hook(sub)
    return parser


def _parse_sizes(items: Iterable[str]) -> dict[str, dict[str, object]]:
    sizes: dict[str, dict[str, object]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        cid, dot, name = key.rpartition(".")
        if not sep or not dot or not cid or not name:
            raise ValueError(f"--size: expected ID.NAME=VALUE, got {item!r}")
        parsed: object
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            parsed = value
        sizes.setdefault(cid, {})[name] = parsed
    return sizes


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


def format_details(evidence: Evidence) -> str:
    """Readable text of ``evidence.note`` and ``evidence.details``.

    Scalars print as ``key = value``; a list of dicts (one dict per row, e.g. one per epsilon)
    prints as a table of its scalar columns. Nested structures are left to ``--json``.

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


def _cmd_verify(args: argparse.Namespace) -> int:
    if not args.trained:
        _light_pot()
    from . import claims
    from .claims import registry

    out = sys.stdout
    for mod in args.imports:
        try:
            importlib.import_module(mod)
        except ImportError as exc:
            print(f"otcheck verify: --import {mod}: {exc}", file=sys.stderr)
            return 2
    ids = list(args.ids) or None
    if ids is not None:
        unknown = [i for i in ids if i not in registry]
        if unknown:
            print(f"otcheck verify: unknown claim id(s): {', '.join(unknown)}", file=sys.stderr)
            print("known ids:\n  " + "\n  ".join(registry), file=sys.stderr)
            return 2
    kinds = ("proposition", "step", "conjecture") + (("trained",) if args.trained else ())
    if args.list:
        chosen = ids if ids is not None else [k for k, c in registry.items() if c.kind in kinds]
        if not chosen:
            print("no claims registered", file=out)
            return 0
        _print_list(chosen, registry, out)
        return 0
    try:
        sizes = _parse_sizes(args.size)
    except ValueError as exc:
        print(f"otcheck verify: {exc}", file=sys.stderr)
        return 2
    run_ids = ids if ids is not None else [k for k, c in registry.items() if c.kind in kinds]
    bad = [k for k in sizes if k not in run_ids]
    if bad:
        print(f"otcheck verify: --size names claim(s) not being run: {', '.join(bad)}", file=sys.stderr)
        return 2
    if not run_ids:
        print("no claims registered", file=out)
        return 0
    t0 = time.perf_counter()
    report = claims.verify(run_ids, seed=args.seed, sizes=sizes, progress=not args.quiet, on_error="record")
    elapsed = time.perf_counter() - t0
    print(report.to_table(), file=out)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            fh.write(report.to_json())
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as fh:
            fh.write(report.to_markdown())
    if args.details:
        for e in report.evidence:
            print("\n" + format_details(e), file=out)
    _print_failing(report, report.findings, "FINDING (not fatal)", out)
    _print_failing(report, report.failures, "FAILED", out)
    for cid, msg in report.errors.items():
        print(f"\nERROR {cid}: {msg}", file=out)
    counts = {v: sum(e.verdict == v for e in report.evidence) for v in ("holds", "fails", "undecided")}
    print(
        f"\n{len(run_ids)} claims in {elapsed:.1f} s: {counts['holds']} hold, {counts['fails']} fail "
        f"({len(report.failures)} asserted, {len(report.findings)} findings), {counts['undecided']} undecided, "
        f"{len(report.errors)} errors",
        file=out,
    )
    return 0 if report.ok else 1


def _wanted_plugins(argv: Sequence[str]) -> list[str]:
    """Plugin modules needed for this command line (none for ``verify``)."""
    command = next((a for a in argv if not a.startswith("-")), None)
    if command == "verify":
        return []
    if command in _PLUGINS:
        return [_PLUGINS[command][0]]
    if command is None or command not in ("verify",):
        # help or an unknown command: offer whatever optional subcommands import cleanly
        return list(dict.fromkeys(m for m, _ in _PLUGINS.values()))
    return []


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``otcheck`` command; returns the exit status.

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
    rc = args.func(args)
    return 0 if rc is None else int(rc)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
