"""The README stays true: its claim table matches the registry and today's verdicts, and its test
command is the one CI runs."""

import re
from pathlib import Path

import pytest

import otcheck
from otcheck.claims import registry

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
ROW = re.compile(r"^\| `([a-z0-9-]+)` \| (\w+) \| .* \| (holds|fails|undecided)\s*\|$", re.M)
FULL = re.compile(
    r"^\| `([a-z0-9-]+)` \| \w+ \| .* \| `([^`]+)` \| (\S+) \| (\S+) \| (proof|confidence|estimate) \| "
    r"(?:holds|fails|undecided)\s*\|$",
    re.M,
)


def _table():
    return {cid: (kind, verdict) for cid, kind, verdict in ROW.findall(README)}


def test_claim_table_lists_every_registered_claim_once():
    ids = [m[0] for m in ROW.findall(README)]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(registry)
    for cid, (kind, _) in _table().items():
        assert kind == registry[cid].kind, cid


def test_claim_table_verdicts_are_what_verify_reports_today():
    report = otcheck.verify(seed=0)
    table = _table()
    got = {e.claim: e.verdict for e in report.evidence}
    assert got == {cid: table[cid][1] for cid in got}
    # relation, both sides (6 significant digits) and guarantee too
    full = {cid: (rel, lhs, rhs, g) for cid, rel, lhs, rhs, g in FULL.findall(README)}
    for e in report.evidence:
        assert full[e.claim] == (e.relation, f"{float(e.lhs):.6g}", f"{float(e.rhs):.6g}", e.guarantee), e.claim


@pytest.mark.parametrize(
    "command",
    [
        "pip install -e . && otcheck verify",
        'pip install torch==2.13.0 && pip install -e ".[test]" && python -m pytest',
    ],
)
def test_setup_commands_are_stated(command):
    assert command in README


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "torch==2.13.0" in ci and '-e ".[test]"' in ci
    assert re.search(r"^python -m pytest$", ci, re.M)
