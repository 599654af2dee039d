"""``otcheck falsify``: search each claim's instance space and write the counterexamples found."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ._cli_common import (
    _KINDS,
    _check_outputs,
    _claim_fields,
    _command,
    _light_pot,
    _undirectable,
    _Usage,
    _write,
    select_ids,
)
from ._cli_import import _import_all

if TYPE_CHECKING:
    from .falsify import FalsifyReport, Outcome


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


_cmd_falsify = _command("falsify", _falsify)
