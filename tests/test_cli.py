"""The ``otcheck`` command line: verify rows, JSON/Markdown output, --list, bad ids, plugin subcommands."""

import json
import sys
import types

import pytest

from otcheck import cli
from otcheck.claims import registry

FAST = ["kr-duality", "wgan-lower-bound", "remark1"]


def _rows(out):
    """Table rows printed by verify: {claim: (relation, verdict)}."""
    lines = out.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("claim"))
    rows = {}
    for ln in lines[start + 2 :]:
        if not ln.strip():
            break
        parts = ln.split()
        rows[parts[0]] = (parts[2], parts[-1])
    return rows


def test_verify_prints_one_row_per_claim_and_exits_zero(capsys):
    assert cli.main(["verify", *FAST, "--quiet"]) == 0
    out, err = capsys.readouterr()
    rows = _rows(out)
    assert list(rows) == FAST
    assert rows["kr-duality"] == ("==", "holds")
    assert rows["wgan-lower-bound"] == ("<=", "holds")
    assert "3 claims" in out and "0 errors" in out
    assert err == ""  # --quiet: no progress bar


def test_progress_goes_to_stderr_unless_quiet(capsys):
    assert cli.main(["verify", "kr-duality"]) == 0
    out, err = capsys.readouterr()
    assert "claims" in err and "kr-duality" in _rows(out)


def test_json_and_markdown_carry_the_same_evidence(tmp_path, capsys):
    js, md = tmp_path / "r.json", tmp_path / "r.md"
    assert cli.main(["verify", *FAST, "--seed", "3", "--json", str(js), "--markdown", str(md), "--quiet"]) == 0
    out = capsys.readouterr().out
    data = json.loads(js.read_text())
    assert data["seed"] == 3 and data["ok"] is True
    ev = {e["claim"]: e for e in data["evidence"]}
    assert list(ev) == FAST
    md_rows = {}
    for ln in md.read_text().splitlines():
        if ln.startswith("| `"):
            cells = [c.strip() for c in ln.strip("|").split("|")]
            md_rows[cells[0].strip("`")] = cells
    assert list(md_rows) == FAST
    printed = _rows(out)
    for cid in FAST:
        e = ev[cid]
        cells = md_rows[cid]
        assert cells[1] == e["kind"] == registry[cid].kind
        assert cells[2].strip("`") == e["relation"] == printed[cid][0]
        assert float(cells[3]) == pytest.approx(e["lhs"], rel=1e-5)
        assert float(cells[4]) == pytest.approx(e["rhs"], rel=1e-5)
        assert cells[6] == e["verdict"] == printed[cid][1]
        assert e["instance"]["seed"] == 3
        assert e["parts"], "sub-checks are in the JSON"


def test_list_shows_kind_location_and_statement(capsys):
    assert cli.main(["verify", "--list"]) == 0
    out = capsys.readouterr().out
    lines = {ln.split()[0]: ln for ln in out.splitlines()}
    for cid, claim in registry.items():
        if claim.kind == "trained":
            assert cid not in lines
            continue
        assert cid in lines
        assert claim.kind in lines[cid] and claim.location in lines[cid] and claim.statement in lines[cid]


def test_list_restricted_to_ids(capsys):
    assert cli.main(["verify", "--list", "theorem1", "lemma6"]) == 0
    assert [ln.split()[0] for ln in capsys.readouterr().out.splitlines()] == ["theorem1", "lemma6"]


def test_unknown_id_lists_known_ones_and_exits_2(capsys):
    assert cli.main(["verify", "kr-duality", "no-such-claim"]) == 2
    out, err = capsys.readouterr()
    assert "unknown claim id(s): no-such-claim" in err
    assert "kr-duality" in err and "theorem1" in err
    assert out == ""


def test_size_override_and_bad_size(capsys):
    assert cli.main(["verify", "kr-duality", "--size", "kr-duality.n", "--quiet"]) == 2
    assert "ID.NAME=VALUE" in capsys.readouterr().err
    assert cli.main(["verify", "kr-duality", "--size", "theorem1.n=3", "--quiet"]) == 2
    assert "not being run" in capsys.readouterr().err
    # a size the claim does not know is an error recorded for that claim: exit 1, named in the output
    assert cli.main(["verify", "kr-duality", "--size", "kr-duality.bogus=3", "--quiet"]) == 1
    assert "ERROR kr-duality: TypeError: bogus: unknown size" in capsys.readouterr().out


def test_size_override_reaches_the_check(tmp_path, capsys):
    js = tmp_path / "r.json"
    assert cli.main(["verify", "kr-duality", "--size", "kr-duality.n=3", "--json", str(js), "--quiet"]) == 0
    assert json.loads(js.read_text())["evidence"][0]["instance"]["n"] == 3


def test_no_command_is_a_usage_error(capsys):
    assert cli.main([]) == 2
    assert "usage" in capsys.readouterr().err


def test_help_exits_zero(capsys):
    assert cli.main(["--help"]) == 0
    assert "verify" in capsys.readouterr().out


def test_plugin_subcommands_are_loaded_only_when_asked(monkeypatch, capsys):
    calls = []
    fake = types.ModuleType("fake_models_cli")

    def add_subcommands(sub):
        p = sub.add_parser("train", help="train a model")
        p.add_argument("model")
        p.set_defaults(func=lambda args: calls.append(args.model) or 0)
        q = sub.add_parser("evaluate", help="evaluate")
        q.set_defaults(func=lambda args: 3)

    fake.add_subcommands = add_subcommands
    monkeypatch.setitem(sys.modules, "fake_models_cli", fake)
    monkeypatch.setitem(cli._PLUGINS, "train", ("fake_models_cli", "add_subcommands"))
    monkeypatch.setitem(cli._PLUGINS, "evaluate", ("fake_models_cli", "add_subcommands"))
    assert cli.main(["train", "pot"]) == 0 and calls == ["pot"]
    assert cli.main(["evaluate"]) == 3
    assert cli._wanted_plugins(["verify", "kr-duality"]) == []


def test_plugin_missing_dependency_is_a_clear_error(monkeypatch, capsys):
    fake = types.ModuleType("fake_needs_torch")
    monkeypatch.setitem(cli._PLUGINS, "train", ("fake_needs_torch_cli", "add_subcommands"))

    real_import = cli.importlib.import_module

    def fake_import(name, *a, **k):
        if name == "fake_needs_torch_cli":
            raise ModuleNotFoundError("No module named 'torch'", name="torch")
        return real_import(name, *a, **k)

    monkeypatch.setattr(cli.importlib, "import_module", fake_import)
    del fake
    assert cli.main(["train", "pot"]) == 2
    err = capsys.readouterr().err
    assert "otcheck train: cannot load fake_needs_torch_cli" in err and "install torch" in err


def test_details_prints_prop3_epsilon_table_and_constant(capsys):
    import re

    assert cli.main(["verify", "prop3", "--quiet", "--details"]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.strip().startswith("eps"))
    for col in ("gap_f", "cos_f", "gap_h", "cos_h", "cos_hstar_fstar"):
        assert col in header.split()
    i = out.splitlines().index(header)
    eps = [float(line.split()[0]) for line in out.splitlines()[i + 1 :] if re.match(r"^\s+[0-9.]+\s", line)]
    assert len(eps) >= 3 and eps == sorted(eps, reverse=True)  # a decreasing sequence of epsilon
    C = float(re.search(r"^\s+C = ([0-9.eE+-]+)$", out, re.M).group(1))
    assert 0 < C <= 1


def test_format_details_renders_scalars_and_row_tables():
    from otcheck.claims import Evidence

    e = Evidence.compare(
        "x",
        1.0,
        1.0,
        "==",
        tol=0.0,
        note="a note",
        details={
            "k": 2.5,
            "rows": [{"a": 1.0, "b": [1.0, 2.0]}, {"a": 0.5, "b": [3.0, 4.0]}],
            "nested": {"deep": {"x": 1}},
        },
    )
    text = cli.format_details(e)
    assert text.splitlines()[0] == "x: a note"
    assert "  k = 2.5" in text.splitlines()
    assert "a    b" in text and "0.5  3,4" in text
    assert "nested" not in text  # nested structures are left to --json
