"""The ``otcheck`` command line: verify rows, JSON/Markdown output, --list, bad ids, plugin subcommands."""

import json
import os
import re
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

from otcheck import cli
from otcheck.claims import Evidence, registry

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
    # a size the claim does not know is a usage error, found before anything runs (its sizes are listed)
    assert cli.main(["verify", "kr-duality", "--size", "kr-duality.bogus=3", "--quiet"]) == 2
    out, err = capsys.readouterr()
    assert "bogus: claim 'kr-duality' has no size 'bogus'; its sizes: n=" in err and out == ""


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


# ------------------------------------------------------------------------------------ the command line as a new user

TRUE_CLAIM = """
from otcheck.claims import Recorder, register

RUNS = []

@register("{cid}", location="user", statement="1 <= 2", relation="<=")
def check(seed=0, n=3):
    RUNS.append(seed)
    rec = Recorder(instance={{"seed": seed, "n": n}})
    rec.compare(1, 2, "<=")
    return rec.evidence()
"""


@pytest.fixture
def user_module(tmp_path):
    """``user_module(name, source)`` writes ``tmp_path/name.py``; the claims, spaces and modules it adds are removed."""
    from otcheck.falsify import SPACES

    before, spaces, modules = set(registry), set(SPACES), set(sys.modules)

    def write(name, source):
        path = tmp_path / f"{name}.py"
        path.write_text(textwrap.dedent(source))
        return path

    yield write
    for cid in set(registry) - before:
        del registry[cid]
    for cid in set(SPACES) - spaces:
        del SPACES[cid]
    for name in set(sys.modules) - modules:
        if getattr(sys.modules[name], "__file__", None) and str(tmp_path) in sys.modules[name].__file__:
            del sys.modules[name]


def _otcheck_script():
    script = Path(sys.executable).with_name("otcheck")
    assert script.is_file(), "the otcheck console script is installed next to the interpreter"
    return str(script)


def test_import_by_name_from_the_current_directory_with_the_console_script(tmp_path, user_module):
    """``otcheck verify --import my_claims`` finds my_claims.py in the current directory (it used to work only
    through ``python -m otcheck``, which puts the current directory on sys.path)."""
    user_module("cwd_claims", TRUE_CLAIM.format(cid="cwd-true"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [_otcheck_script(), "verify", "--import", "cwd_claims", "cwd-true", "--quiet"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert _rows(proc.stdout) == {"cwd-true": ("<=", "holds")}


def test_import_by_path(tmp_path, user_module, monkeypatch, capsys):
    path = user_module("path_claims", TRUE_CLAIM.format(cid="path-true"))
    monkeypatch.chdir(tmp_path)
    sys_path = list(sys.path)
    assert cli.main(["verify", "--import", "./path_claims.py", "path-true", "--quiet"]) == 0
    assert _rows(capsys.readouterr().out) == {"path-true": ("<=", "holds")}
    assert sys.path == sys_path  # restored after the command
    # an absolute path, and importing the same file again re-registers its claim quietly
    assert cli.main(["verify", "--import", str(path), "path-true", "--quiet"]) == 0
    assert _rows(capsys.readouterr().out) == {"path-true": ("<=", "holds")}
    assert cli.main(["verify", "--import", "./no_such_claims.py", "--quiet"]) == 2
    assert "--import ./no_such_claims.py: no such file" in capsys.readouterr().err
    assert cli.main(["verify", "--import", "no_such_module_xyz", "--quiet"]) == 2
    assert "--import no_such_module_xyz: no module named 'no_such_module_xyz'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "import math\nx = 1\nraise RuntimeError('boom at import')\n",
            "importing it raised RuntimeError: boom at import",
        ),
        ("def f(:\n    pass\n", "syntax error in"),
        ("import sys\nsys.exit(0)\n", "called sys.exit(0) while being imported"),
        ("import sys\nsys.exit(3)\n", "called sys.exit(3) while being imported"),
    ],
    ids=["raises", "syntax-error", "exit-0", "exit-3"],
)
@pytest.mark.parametrize("how", ["name", "path"])
def test_a_module_that_fails_on_import_is_named_with_its_error(
    tmp_path, user_module, monkeypatch, capsys, source, expected, how
):
    name = f"bad_{abs(hash((source, how))) % 10**8}"
    path = user_module(name, source)
    monkeypatch.chdir(tmp_path)
    spec = name if how == "name" else str(path)
    spy = []
    monkeypatch.setitem(
        registry,
        "t-spy",
        registry["kr-duality"].__class__(
            id="t-spy", location="t", statement="t", relation="==", check=lambda seed=0: spy.append(seed)
        ),
    )
    rc = cli.main(["verify", "--import", spec, "t-spy", "--quiet"])
    out, err = capsys.readouterr()
    assert rc == 2  # never 0: the listed claims did not run
    assert f"--import {spec}: {expected}" in err
    assert f"{name}.py" in err  # the file (and line) where it happened
    assert out == "" and spy == []
    assert name not in sys.modules


def test_python_m_otcheck_with_a_module_calling_sys_exit_is_exit_2(tmp_path):
    (tmp_path / "exits_on_import.py").write_text("import sys\nsys.exit(0)\n")
    proc = subprocess.run(
        [sys.executable, "-m", "otcheck", "verify", "--import", "exits_on_import", "kr-duality", "--quiet"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "exits_on_import" in proc.stderr and "sys.exit(0)" in proc.stderr and proc.stdout == ""


SEEDED = """
from otcheck.bounds import Bound
from otcheck.claims import Recorder, register

SEEN = []

@register("seed-certified", location="user", statement="fails on seed 3 only", relation="<=")
def certified(seed=0):
    SEEN.append(seed)
    rec = Recorder(instance={"seed": seed})
    rec.compare(Bound.exact(2 if seed == 3 else 0), Bound.exact(1), "<=")   # a proven comparison
    return rec.evidence()

def sampled_bound(x):
    return Bound.interval(x - 0.1, x + 0.1, x, method="sampled", guarantee="confidence", confidence=0.95, tight=False)

@register("seed-sampled-once", location="user", statement="fails from samples on seed 1", relation="<=")
def sampled_once(seed=0):
    rec = Recorder(instance={"seed": seed})
    rec.compare(sampled_bound(2.0 if seed == 1 else 0.0), Bound.exact(1), "<=")
    return rec.evidence()

@register("seed-sampled-always", location="user", statement="fails from samples on every seed", relation="<=")
def sampled_always(seed=0):
    rec = Recorder(instance={"seed": seed})
    rec.compare(sampled_bound(2.0), Bound.exact(1), "<=")
    return rec.evidence()
"""


def test_seed_range_and_list_run_each_claim_over_the_seeds(tmp_path, user_module, capsys):
    path = user_module("seeded_claims", SEEDED)
    assert cli.main(["verify", "--import", str(path), "seed-certified", "--seed", "0,1,2", "--quiet"]) == 0
    assert sys.modules["seeded_claims"].SEEN == [0, 1, 2]
    out = capsys.readouterr().out
    assert _rows(out)["seed-certified"] == ("<=", "holds") and "over 3 seeds" in out
    js = tmp_path / "r.json"
    assert cli.main(["verify", "--import", str(path), "seed-certified", "--seed", "0..4", "--json", str(js), "-q"]) == 2
    capsys.readouterr()  # -q is not an option: usage error, nothing ran
    rc = cli.main(["verify", "--import", str(path), "seed-certified", "--seed", "0..4", "--json", str(js), "--quiet"])
    assert rc == 1  # one certified failure (seed 3) fails the proposition
    assert sys.modules["seeded_claims"].SEEN[-5:] == [0, 1, 2, 3, 4]
    data = json.loads(js.read_text())
    assert data["seeds"] == [0, 1, 2, 3, 4] and data["seed"] == 0
    ev = data["evidence"][0]
    assert ev["verdict"] == "fails" and [p["verdict"] for p in ev["parts"]].count("fails") == 1
    assert [row["seed"] for row in ev["details"]["per_seed"]] == [0, 1, 2, 3, 4]
    assert "FAILED seed-certified" in capsys.readouterr().out


def test_sampled_failures_count_only_after_the_multiplicity_correction(tmp_path, user_module, capsys):
    path = user_module("seeded_claims2", SEEDED)
    # one sampled failure among 4 seeds at 95 %: P[Bin(4, 0.05) >= 1] = 0.185 > 0.05, not counted
    args = ["verify", "--import", str(path), "seed-sampled-once", "seed-sampled-always", "--quiet", "--details"]
    assert cli.main([*args, "--seed", "0..3"]) == 1
    out = capsys.readouterr().out
    rows = _rows(out)
    assert rows["seed-sampled-once"] == ("<=", "undecided")
    assert "1 of 4 seeds fail from samples" in out and "not significant" in out
    # four of four: P = 0.05^4 <= 0.05, a failure
    assert rows["seed-sampled-always"] == ("<=", "fails")
    assert "FAILED seed-sampled-always" in out
    # with one seed the single-run rule: a sampled failure at 95 % fails
    assert cli.main([*args[:3], "seed-sampled-once", "--seed", "1", "--quiet"]) == 1
    assert _rows(capsys.readouterr().out)["seed-sampled-once"] == ("<=", "fails")


def test_help_states_the_seed_rule(capsys):
    assert cli.main(["verify", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "certified failure" in text and "Binomial(k, alpha)" in text and "0..9" in text


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        ("-1", "seeds are integers >= 0"),
        ("3..1", "is empty"),
        ("0,0", "listed twice"),
        ("x", "got 'x'"),
        ("1..", "got '1..'"),
    ],
)
def test_bad_seed_is_a_usage_error(capsys, seed, message):
    assert cli.main(["verify", "kr-duality", "--seed", seed, "--quiet"]) == 2
    out, err = capsys.readouterr()
    assert message in err and "--seed" in err and out == ""


def test_parse_seeds():
    assert cli.parse_seeds("7") == (7,)
    assert cli.parse_seeds("0..2,5,9..10") == (0, 1, 2, 5, 9, 10)
    with pytest.raises(ValueError, match="^seed"):
        cli.parse_seeds("-2")


def test_ids_accept_globs_and_sections(capsys):
    assert cli.main(["verify", "prop*", "--list"]) == 0
    ids = [ln.split()[0] for ln in capsys.readouterr().out.splitlines()]
    expected = [c for c, claim in registry.items() if c.startswith("prop") and claim.kind != "trained"]
    assert ids == expected and "prop4-proof" in ids
    assert cli.main(["verify", "--section", "4", "--list"]) == 0
    ids = [ln.split()[0] for ln in capsys.readouterr().out.splitlines()]
    assert ids == [c for c, claim in registry.items() if claim.section == "4"] and "prop3" in ids
    assert cli.main(["verify", "prop*", "--section", "A", "--list"]) == 0
    assert [ln.split()[0] for ln in capsys.readouterr().out.splitlines()] == [
        "prop4",
        "prop5",
        "prop4-proof",
        "prop5-proof",
    ]
    assert cli.main(["verify", "zzz*", "--list"]) == 2
    assert "'zzz*' matches no claim" in capsys.readouterr().err
    assert cli.main(["verify", "trained-*", "--list"]) == 2
    assert "--trained" in capsys.readouterr().err
    assert cli.main(["verify", "--section", "9", "--list"]) == 2
    assert "unknown section(s): 9" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("size", "message"),
    [
        ("theorem1.seed=3", "--size theorem1.seed=3: seed: is not a size of claim 'theorem1'"),
        ("theorem1.n=abc", "--size theorem1.n=abc: n: claim 'theorem1' takes an integer (its default is"),
        ("theorem1.n=2.5", "got float 2.5"),
        ("theorem1.n=true", "got bool True"),
        ("theorem1.bogus=3", "--size theorem1.bogus=3: bogus: claim 'theorem1' has no size 'bogus'; its sizes: n="),
        ("x.n=abc", "--size names claim(s) not being run: x"),
        ("theorem1.n", "ID.NAME=VALUE"),
    ],
)
def test_bad_size_is_named_and_a_usage_error(capsys, size, message):
    assert cli.main(["verify", "theorem1", "--size", size, "--quiet"]) == 2
    out, err = capsys.readouterr()
    assert message in err and out == ""


def test_a_size_given_twice_is_an_error(capsys):
    assert cli.main(["verify", "kr-duality", "--size", "kr-duality.n=3", "--size", "kr-duality.n=4"]) == 2
    assert "kr-duality.n is given twice" in capsys.readouterr().err


@pytest.mark.parametrize("option", ["--json", "--markdown", "--latex"])
@pytest.mark.parametrize("where", ["missing-dir", "a-directory"])
def test_unwritable_output_is_refused_before_running(tmp_path, temp_claims, capsys, option, where):
    ran = []

    def check(seed=0):
        ran.append(seed)
        return Evidence.compare("t-ran", 1, 1, "==")

    temp_claims("t-ran", check)
    path = tmp_path / "no" / "such" / "dir" / "out.txt" if where == "missing-dir" else tmp_path
    assert cli.main(["verify", "t-ran", option, str(path), "--quiet"]) == 2
    out, err = capsys.readouterr()
    reason = "does not exist" if where == "missing-dir" else "it is a directory"
    assert f"{option} {path}: " in err and reason in err
    assert ran == [] and out == ""


def test_details_prints_each_part_with_both_sides_verdict_and_guarantee(temp_claims, capsys):
    from otcheck.bounds import Bound
    from otcheck.claims import Recorder

    def check(seed=0):
        rec = Recorder()
        rec.compare(Bound.exact(1), Bound.exact(2), "<=", note="first")
        rec.compare(
            Bound.interval(0.5, 0.7, 0.6, method="m", guarantee="estimate"), Bound.exact(3), "<=", note="second"
        )
        return rec.evidence(details={"rows": [{"eps": 0.1, "gap": 0.5}, {"eps": 0.01, "gap": 0.05}]})

    temp_claims("t-parts", check, relation="<=")
    assert cli.main(["verify", "t-parts", "--details", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "  part 1: 1 <= 2 -> holds (proof, margin 1) - first" in out.splitlines()
    assert "  part 2: 0.6 <= 3 -> holds (estimate, margin 2.4) - second" in out.splitlines()
    assert "    eps   gap" in out.splitlines()  # the claim's table


def test_row_relation_is_the_registered_relation(temp_claims, capsys):
    from otcheck.bounds import Bound
    from otcheck.claims import Recorder

    def metric(seed=0, broken=False):
        rec = Recorder()
        rec.compare(Bound.exact(1), Bound.exact(1), "==", note="symmetry d(x, y) == d(y, x)")
        rec.compare(Bound.exact(2), Bound.exact(3 if not broken else 1), "<=", note="triangle")
        return rec.evidence()

    def broken_symmetry(seed=0):
        rec = Recorder()
        rec.compare(Bound.exact(1), Bound.exact(2), "==", note="symmetry")
        rec.compare(Bound.exact(2), Bound.exact(3), "<=", note="triangle")
        return rec.evidence()

    temp_claims("my-w2-metric", metric, relation="<=")
    temp_claims("my-w2-broken", broken_symmetry, relation="<=")
    assert cli.main(["verify", "my-w2-metric", "my-w2-broken", "--quiet"]) == 1
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if ln.startswith("my-w2-metric"))
    assert line.split()[1:] == ["proposition", "<=", "2", "3", "1", "holds"]  # the '<=' part's sides
    line = next(ln for ln in out.splitlines() if ln.startswith("my-w2-broken"))
    assert line.split()[1:] == ["proposition", "<=", "(==)", "1", "2", "-1", "fails"]  # decided by its '==' part


def test_latex_table(tmp_path, temp_claims, capsys):
    temp_claims(
        "t_latex", lambda seed=0: Evidence.compare("t_latex", 1, 2, "<="), relation="<=", location="Sec. 1 & 50% a_b"
    )
    tex = tmp_path / "claims.tex"
    assert cli.main(["verify", "t_latex", "kr-duality", "--latex", str(tex), "--quiet"]) == 0
    text = tex.read_text()
    lines = text.splitlines()
    assert lines.index(r"\begin{tabular}{lllrrl}") < lines.index(r"\toprule") < lines.index(r"\midrule")
    assert lines.index(r"\midrule") < lines.index(r"\bottomrule") < lines.index(r"\end{tabular}")
    assert r"\texttt{t\_latex} & Sec. 1 \& 50\% a\_b & $\le$ & $1$ & $2$ & holds \\" in lines
    assert any(ln.startswith(r"\texttt{kr-duality} & Sec. 2, eq. 2 & $=$") for ln in lines)
    body = [ln for ln in lines if ln.endswith(r"\\")]
    # header + 2 rows, 6 columns: 5 column separators, the escaped '\&' of the location is text
    assert len(body) == 3 and all(len(re.findall(r"(?<!\\)&", ln)) == 5 for ln in body)


# ------------------------------------------------------------------------------------ diff


def _report_file(tmp_path, name, temp_claims, lhs, extra=None):
    for cid in ("t-diff-a", "t-diff-b", "t-diff-c"):
        registry.pop(cid, None)
    temp_claims("t-diff-a", lambda seed=0: Evidence.compare("t-diff-a", lhs, 2, "<="), relation="<=")
    temp_claims("t-diff-b", lambda seed=0: Evidence.compare("t-diff-b", 1, 1, "=="))
    ids = ["t-diff-a", "t-diff-b"]
    if extra:
        temp_claims(extra, lambda seed=0: Evidence.compare(extra, 1, 1, "=="))
        ids.append(extra)
    from otcheck.claims import verify

    path = tmp_path / name
    path.write_text(verify(ids).to_json())
    return path


def test_diff_reports_changed_verdicts_and_margins_and_new_failures(tmp_path, temp_claims, capsys):
    old = _report_file(tmp_path, "old.json", temp_claims, lhs=1.0)
    same = _report_file(tmp_path, "same.json", temp_claims, lhs=1.0)
    moved = _report_file(tmp_path, "moved.json", temp_claims, lhs=1.5, extra="t-diff-c")
    worse = _report_file(tmp_path, "worse.json", temp_claims, lhs=3.0)
    assert cli.main(["diff", str(old), str(same)]) == 0
    assert "0 verdicts changed, 0 margins changed; 0 new, 0 removed; 0 new failures" in capsys.readouterr().out
    assert cli.main(["diff", str(old), str(moved)]) == 0
    out = capsys.readouterr().out
    assert "margin   t-diff-a (proposition): holds, margin 1 -> 0.5" in out
    assert "new      t-diff-c (proposition): holds" in out
    assert cli.main(["diff", str(old), str(moved), "--tol", "0.9"]) == 0  # a relative change of 0.5 <= 0.9
    assert "t-diff-a" not in capsys.readouterr().out
    assert cli.main(["diff", str(moved), str(worse)]) == 1  # held, now fails
    out = capsys.readouterr().out
    assert "verdict  t-diff-a (proposition): holds -> fails, margin 0.5 -> -1  NEW FAILURE" in out
    assert "removed  t-diff-c (proposition): was holds" in out
    assert "1 new failures (t-diff-a)" in out
    assert cli.main(["diff", str(worse), str(old)]) == 0  # fixed is not a failure


def test_diff_prints_changed_versions_and_refuses_bad_files(tmp_path, temp_claims, capsys):
    old = _report_file(tmp_path, "old.json", temp_claims, lhs=1.0)
    data = json.loads(old.read_text())
    data["meta"]["versions"]["numpy"] = "0.0.1"
    new = tmp_path / "new.json"
    new.write_text(json.dumps(data))
    assert cli.main(["diff", str(new), str(old)]) == 0
    assert f"versions: numpy 0.0.1 -> {json.loads(old.read_text())['meta']['versions']['numpy']}" in (
        capsys.readouterr().out
    )
    (tmp_path / "bad.json").write_text("{not json")
    assert cli.main(["diff", str(old), str(tmp_path / "bad.json")]) == 2
    assert "bad.json: not an otcheck report (text: not JSON" in capsys.readouterr().err
    assert cli.main(["diff", str(old), str(tmp_path / "missing.json")]) == 2
    assert "missing.json: cannot read it" in capsys.readouterr().err


# ------------------------------------------------------------------------------------ falsify


SPACED = """
from hypothesis import strategies as st
from otcheck.claims import Recorder, register
from otcheck.falsify import register_space

def below_ten(n):
    rec = Recorder("user-below-ten", instance={"n": n})
    rec.compare(n, 10, "<", note="n < 10")
    return rec.evidence()

@register("user-below-ten", location="user", statement="n < 10 for every integer 0 <= n <= 1000", relation="<")
def below_ten_check(seed=0):
    return below_ten(n=seed % 10)

register_space("user-below-ten", st.fixed_dictionaries({"n": st.integers(0, 1000)}), below_ten,
               description="integers 0..1000")

def square(x):
    rec = Recorder("user-square", instance={"x": x})
    rec.compare(x * x, 0, ">=")
    return rec.evidence()

@register("user-square", location="user", statement="x^2 >= 0", relation=">=")
def square_check(seed=0):
    return square(x=float(seed))

register_space("user-square", st.fixed_dictionaries({"x": st.integers(-100, 100)}), square, description="x")
"""


def test_falsify_finds_shrinks_and_writes_a_replayable_counterexample(tmp_path, user_module, capsys):
    path = user_module("spaced_claims", SPACED)
    out_dir, js, db = tmp_path / "cex", tmp_path / "f.json", tmp_path / "db"
    args = ["--import", str(path), "--examples", "100", "--quiet", "--database", str(db)]
    rc = cli.main(["falsify", "user-below-ten", *args, "--out", str(out_dir), "--json", str(js)])
    out = capsys.readouterr().out
    assert rc == 1  # a counterexample to a proposition
    assert "user-below-ten: FAILS after" in out and '"n": 10' in out  # shrunk to the smallest
    instance = out_dir / "user-below-ten.json"
    assert json.loads(instance.read_text()) == {"claim": "user-below-ten", "instance": {"n": 10}}
    assert f"otcheck verify user-below-ten --instance {instance}" in out
    data = json.loads(js.read_text())
    (outcome,) = data["outcomes"]
    assert outcome["failure"] is True and outcome["counterexample"] == {"n": 10}
    assert outcome["holds"] + outcome["undecided"] + outcome["uncertified"] + outcome["refuted"] < outcome["examples"]
    assert outcome["instance_file"] == str(instance) and data["ok"] is False
    assert data["meta"]["versions"]["numpy"] and data["claims"]["user-below-ten"]["relation"] == "<"
    # the instance file replays to "fails", exit status 1, like verify
    rc = cli.main(["verify", "user-below-ten", "--instance", str(instance), "--import", str(path)])
    out = capsys.readouterr().out
    assert rc == 1
    assert _rows(out) == {"user-below-ten": ("<", "fails")}
    assert "part 1: 10 < 10 -> fails (proof, margin 0) - n < 10" in out and "FAILED user-below-ten" in out


def test_falsify_true_claim_exits_zero_and_usage_errors(tmp_path, user_module, capsys):
    path = user_module("spaced_claims2", SPACED)
    base = ["falsify", "--import", str(path), "--quiet", "--no-database", "--out", str(tmp_path / "cex")]
    assert cli.main([*base, "user-square", "--examples", "30"]) == 0
    out = capsys.readouterr().out
    assert "user-square: no counterexample in 30 instances (30 hold" in out
    assert not (tmp_path / "cex").exists()  # nothing to write
    assert cli.main([*base, "kr-duality-no"]) == 2
    assert "unknown claim id(s): kr-duality-no" in capsys.readouterr().err
    registry_id = next(cid for cid in registry if cid not in __import__("otcheck.falsify").falsify.SPACES)
    assert cli.main([*base, registry_id]) == 2
    assert "has no instance space" in capsys.readouterr().err
    assert cli.main([*base, "user-square", "--examples", "0"]) == 2
    assert "--examples" in capsys.readouterr().err
    assert cli.main([*base, "user-square", "--json", str(tmp_path / "no" / "f.json")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_instance_replay_usage_errors(tmp_path, user_module, capsys):
    path = user_module("spaced_claims3", SPACED)
    from otcheck.falsify import dump_instance

    inst = dump_instance("user-square", {"x": 3}, tmp_path / "sq.json")
    assert cli.main(["verify", "--instance", str(inst), "--import", str(path)]) == 0
    assert _rows(capsys.readouterr().out) == {"user-square": (">=", "holds")}
    assert cli.main(["verify", "kr-duality", "--instance", str(inst), "--import", str(path)]) == 2
    assert "is an instance of claim 'user-square', not 'kr-duality'" in capsys.readouterr().err
    assert cli.main(["verify", "--instance", str(inst), "--import", str(path), "--seed", "0..2"]) == 2
    assert "--seed" in capsys.readouterr().err
    (tmp_path / "junk.json").write_text("[]")
    assert cli.main(["verify", "--instance", str(tmp_path / "junk.json")]) == 2
    assert "is not an instance file" in capsys.readouterr().err


def test_a_known_finding_does_not_fail_falsify_and_the_database_replays_it_first(
    tmp_path, user_module, monkeypatch, capsys
):
    from otcheck.falsify import KNOWN_FINDINGS

    path = user_module("spaced_claims4", SPACED)
    db = tmp_path / "db"
    base = ["falsify", "user-below-ten", "--import", str(path), "--quiet", "--out", str(tmp_path / "cex")]
    assert cli.main([*base, "--examples", "100", "--database", str(db), "--max-seconds", "60"]) == 1
    out = capsys.readouterr().out
    assert "at most 100 instances per claim and 60 s per claim, hypothesis seed 0" in out  # the budget
    assert "  user-below-ten: integers 0..1000" in out  # the space searched
    assert db.is_dir()
    # the shrunk counterexample was kept: the next run (another seed) replays it before any search
    assert cli.main([*base, "--examples", "100", "--database", str(db), "--seed", "5"]) == 1
    assert "user-below-ten: FAILS after 1 instances" in capsys.readouterr().out
    monkeypatch.setitem(KNOWN_FINDINGS, "user-below-ten", "n < 10 for 0 <= n <= 9")
    assert cli.main([*base, "--examples", "100", "--no-database"]) == 0  # a known finding: exit 0
    out = capsys.readouterr().out
    assert "user-below-ten: finding after" in out and "known finding; what holds instead: n < 10 for 0 <= n" in out


UNSURE = """
from hypothesis import strategies as st
from otcheck.claims import Evidence, Recorder, register
from otcheck.exact import UncertifiedError
from otcheck.falsify import register_space

def unsure(n):
    if n % 3 == 1:
        raise UncertifiedError("the solver stopped early")
    if n % 3 == 2:
        return Evidence("user-unsure", "<=", float(n), float(n), "undecided", instance={"n": n})
    rec = Recorder("user-unsure", instance={"n": n})
    rec.compare(n, n + 1, "<=")
    return rec.evidence()

@register("user-unsure", location="user", statement="n <= n + 1", relation="<=")
def unsure_check(seed=0):
    return unsure(n=0)

register_space("user-unsure", st.fixed_dictionaries({"n": st.integers(0, 10**6)}), unsure, description="n")
"""


def test_undecided_and_uncertified_instances_are_counted_apart_never_as_passes(tmp_path, user_module, capsys):
    import re

    path = user_module("unsure_claims", UNSURE)
    args = ["falsify", "user-unsure", "--import", str(path), "--quiet", "--no-database", "--examples", "60"]
    assert cli.main([*args, "--out", str(tmp_path / "cex")]) == 0
    out = capsys.readouterr().out
    m = re.search(
        r"user-unsure: no counterexample in (\d+) instances \((\d+) hold, (\d+) undecided, (\d+) uncertified", out
    )
    assert m, out
    total, holds, undecided, uncertified = map(int, m.groups())
    assert holds + undecided + uncertified == total and undecided > 0 and uncertified > 0 and holds < total
    assert (
        f"{undecided + uncertified} undecided, uncertified or refuted instances (counted apart, not as passes)" in out
    )


def test_discrete_measure_repr_replays():
    """A hypothesis failure prints its instance with repr: a DiscreteMeasure's is the call that rebuilds it."""
    from fractions import Fraction

    import numpy as np

    from otcheck import DiscreteMeasure

    for m in (
        DiscreteMeasure([[0.0, 1.5], [2.0, -1.0]], [0.25, 0.75]),
        DiscreteMeasure([Fraction(1, 3), 2], [Fraction(1, 3), Fraction(2, 3)]),
        DiscreteMeasure(np.array([[0.1, 0.2, 0.3]])),
    ):
        text = repr(m)
        assert "n=" not in text and "dim=" not in text
        back = eval(text, {"DiscreteMeasure": DiscreteMeasure, "Fraction": Fraction})
        assert back == m and repr(back) == text


@pytest.mark.parametrize("page", ["falsify.rst", "evidence.rst"])
def test_examples_of_the_command_line_pages_run(page):
    import doctest

    from otcheck.falsify import SPACES

    before, spaces = set(registry), set(SPACES)
    try:
        result = doctest.testfile(
            str(Path(__file__).resolve().parents[1] / "docs" / page),
            module_relative=False,
            report=False,
            optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        )
    finally:
        for cid in set(registry) - before:
            del registry[cid]
        for cid in set(SPACES) - spaces:
            del SPACES[cid]
    assert result.attempted > 0 and result.failed == 0, f"docs/{page}: {result.failed} example(s) failed"


def test_store_is_checked_before_any_claim_runs_and_reaches_the_trained_claims(tmp_path, capsys, monkeypatch):
    """``--store DIR``: a file or an uncreatable path is a usage error (exit 2) before anything runs;
    a good one becomes the ``store`` size of every trained claim selected (and of no other)."""
    afile = tmp_path / "f"
    afile.write_text("x")
    assert cli.main(["verify", "trained-aae-pot", "--store", str(afile)]) == 2
    assert "is not a directory" in capsys.readouterr().err
    assert cli.main(["verify", "trained-aae-pot", "--store", str(afile / "sub")]) == 2
    assert "--store: cannot create" in capsys.readouterr().err
    seen = {}

    def fake_verify(ids, *, sizes, **kwargs):
        seen.update(sizes)
        raise SystemExit(0)

    monkeypatch.setattr("otcheck.claims.verify", fake_verify)
    store = tmp_path / "store"
    with pytest.raises(SystemExit):
        cli.main(["verify", "kr-duality", "trained-aae-pot", "--store", str(store), "--quiet"])
    assert store.is_dir()
    assert seen == {"trained-aae-pot": {"store": str(store.resolve())}}
    assert cli.main(["verify", "--instance", str(afile), "--store", str(store)]) == 2


def test_sweep_is_a_registered_subcommand(capsys):
    """``otcheck sweep`` goes through the plugin table (a missing extra is then named), like train."""
    assert cli.main(["sweep", "--help"]) == 0  # main turns argparse's exit into a status
    assert "--dask" in capsys.readouterr().out
    assert "sweep" in cli._PLUGINS


def test_a_bool_size_takes_json_or_python_spelling():
    from otcheck._cli_verify import _parse_sizes
    from otcheck.claims import registry

    ids = ["trained-lambda-path"]
    for text, value in (("true", True), ("True", True), ("false", False), ("False", False)):
        assert _parse_sizes([f"trained-lambda-path.full={text}"], registry, ids) == {ids[0]: {"full": value}}
    with pytest.raises(Exception, match="takes a bool"):
        _parse_sizes(["trained-lambda-path.full=yes"], registry, ids)
