"""``otcheck verify``: run the selected claims (or replay one instance file) and report them."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ._cli_common import (
    _KINDS,
    _check_outputs,
    _claim_fields,
    _command,
    _has_glob,
    _light_pot,
    _Usage,
    _write,
    select_ids,
)
from ._cli_format import _print_failing, _print_list, _summary, format_details, format_parts
from ._cli_import import _import_all

if TYPE_CHECKING:
    from .claims import Claim, Evidence, Report


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
            if isinstance(defaults.get(name), bool) and text in ("True", "False"):  # Python's spelling too
                parsed = text == "True"
            elif not isinstance(defaults.get(name), str):
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


_cmd_verify = _command("verify", _verify)
