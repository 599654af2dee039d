"""otcheck.claims._report: verify and its Report views, and a wrong claim end to end."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from otcheck import cli
from otcheck.claims import FAILS, HOLDS, Evidence, registry, verify


# ------------------------------------------------------------------------------------ Report / verify
def _report_with(temp_claims):
    temp_claims(
        "t-holds",
        lambda seed=0: Evidence.compare("t-holds", 1.0, 2.0, "<=", tol=0, instance={"seed": seed}),
        relation="<=",
    )
    temp_claims(
        "t-step",
        lambda seed=0: Evidence.compare("t-step", 3.0, 2.0, "<=", tol=0, instance={"step": 1}),
        kind="step",
        relation="<=",
    )
    temp_claims(
        "t-prop",
        lambda seed=0: Evidence.compare("t-prop", 3.0, 2.0, "<=", tol=0, instance={"counterexample": [1, 2]}),
        relation="<=",
    )
    return verify(["t-holds", "t-step", "t-prop"], seed=5)


def test_report_failures_findings_and_views(temp_claims):
    rep = _report_with(temp_claims)
    assert not rep.ok
    assert [e.claim for e in rep.failures] == ["t-prop"]
    assert [e.claim for e in rep.findings] == ["t-step"]
    table = rep.to_table().splitlines()
    assert table[0].split() == ["claim", "kind", "relation", "lhs", "rhs", "margin", "verdict"]
    assert [ln.split()[0] for ln in table[2:]] == ["t-holds", "t-step", "t-prop"]
    assert [ln.split()[-1] for ln in table[2:]] == [HOLDS, FAILS, FAILS]
    md = rep.to_markdown()
    assert "| `t-prop` | proposition | `<=` | 3 | 2 | -1 | fails |" in md
    assert '"counterexample"' in md and "(finding)" in md and "(failure)" in md
    data = json.loads(rep.to_json())
    assert data["seed"] == 5 and data["ok"] is False
    assert data["failures"] == ["t-prop"] and data["findings"] == ["t-step"]
    ev = {e["claim"]: e for e in data["evidence"]}
    assert ev["t-prop"]["counterexamples"][0]["instance"] == {"counterexample": [1, 2]}
    assert ev["t-holds"]["instance"] == {"seed": 5} and ev["t-holds"]["counterexamples"] == []
    assert ev["t-step"]["kind"] == "step"


def test_report_ok_when_only_steps_and_conjectures_fail(temp_claims):
    temp_claims("t-conj", lambda seed=0: Evidence.compare("t-conj", 1.0, 0.0, "==", tol=0), kind="conjecture")
    temp_claims("t-step2", lambda seed=0: Evidence.compare("t-step2", 1.0, 0.0, "==", tol=0), kind="step")
    rep = verify(["t-conj", "t-step2"])
    assert rep.ok and len(rep.findings) == 2


def test_verify_unknown_id_lists_known_ids():
    with pytest.raises(KeyError, match="unknown claim\\(s\\) \\['no-such-claim'\\]; known: .*kr-duality"):
        verify(["no-such-claim"])


def test_verify_records_errors_when_asked(temp_claims):
    def boom(seed=0):
        raise RuntimeError("solver exploded")

    temp_claims("t-boom", boom)
    with pytest.raises(RuntimeError):
        verify(["t-boom"])
    rep = verify(["t-boom"], on_error="record")
    assert not rep.ok and rep.errors == {"t-boom": "RuntimeError: solver exploded"}
    assert "error" in rep.to_table().splitlines()[-1]


def test_verify_validates_options(temp_claims):
    with pytest.raises(ValueError, match="^on_error"):
        verify(["kr-duality"], on_error="ignore")
    with pytest.raises(ValueError, match="^kinds"):
        verify(kinds=("theorem",))
    with pytest.raises(ValueError, match="^sizes"):
        verify(["gan-js-bound"], sizes={"kr-duality": {"n": 3}})


def test_verify_passes_sizes_and_seed(temp_claims):
    temp_claims("t-echo", lambda seed=0, n=1: Evidence.compare("t-echo", n, seed, "<=", tol=0))
    ev = verify(["t-echo"], seed=7, sizes={"t-echo": {"n": 3}}).evidence[0]
    assert (ev.lhs, ev.rhs) == (3.0, 7.0)


# ------------------------------------------------------------------------------------ a wrong claim, end to end
def _wrong(seed=0, n=3):
    """1 + 1 == 3, deliberately wrong."""
    return Evidence.compare("t-wrong", 1 + 1, 3, "==", tol=1e-12, instance={"seed": seed, "n": n, "x": [0.5, 0.25]})


def test_wrong_claim_makes_cli_fail_and_shows_the_instance(temp_claims, capsys):
    temp_claims("t-wrong", _wrong)
    rc = cli.main(["verify", "t-wrong", "kr-duality", "--quiet"])
    out = capsys.readouterr().out
    assert rc == 1
    assert "FAILED t-wrong" in out
    assert '"x": [0.5, 0.25]' in out and '"n": 3' in out
    assert any(ln.startswith("kr-duality") and ln.rstrip().endswith(HOLDS) for ln in out.splitlines())


def test_wrong_step_is_a_finding_and_exits_zero(temp_claims, capsys):
    temp_claims(
        "t-wrong-step",
        lambda seed=0: Evidence.compare("t-wrong-step", 2, 3, "==", tol=0, instance={"why": "step"}),
        kind="step",
    )
    assert cli.main(["verify", "t-wrong-step", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "FINDING (not fatal) t-wrong-step" in out and '"why": "step"' in out


def test_wrong_claim_through_python_m_otcheck(tmp_path):
    (tmp_path / "my_wrong_claims.py").write_text(
        textwrap.dedent("""
        from otcheck.claims import Evidence, register

        @register("user-wrong", location="user", statement="1 + 1 == 3", relation="==")
        def check(seed=0):
            return Evidence.compare("user-wrong", 2, 3, "==", tol=0.0, instance={"seed": seed, "witness": [7, 8]})
    """)
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "otcheck",
            "verify",
            "--import",
            "my_wrong_claims",
            "user-wrong",
            "--seed",
            "4",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert "FAILED user-wrong" in proc.stdout
    assert '"seed": 4' in proc.stdout and '"witness": [7, 8]' in proc.stdout


# ------------------------------------------------------------------------------------ the JSON as a research artifact
def test_json_carries_versions_platform_timestamp_and_each_claims_statement(temp_claims):
    import datetime

    import numpy as np
    import scipy

    rep = _report_with(temp_claims)
    data = json.loads(rep.to_json())
    meta = data["meta"]
    assert set(meta["versions"]) == {"otcheck", "numpy", "scipy", "POT", "cvxpy", "torch"}
    assert meta["versions"]["numpy"] == np.__version__ and meta["versions"]["scipy"] == scipy.__version__
    assert (
        meta["versions"]["otcheck"] and meta["platform"] and meta["python"] == ".".join(map(str, sys.version_info[:3]))
    )
    stamp = datetime.datetime.fromisoformat(meta["timestamp"].replace("Z", "+00:00"))
    assert abs((datetime.datetime.now(datetime.timezone.utc) - stamp).total_seconds()) < 600
    assert data["claims"]["t-prop"] == {
        "kind": "proposition",
        "location": "test",
        "statement": "a test claim",
        "relation": "<=",
        "section": registry["t-prop"].section,
    }
    assert data["claims"]["t-step"]["kind"] == "step"


def test_report_round_trips_through_from_json(temp_claims):
    from fractions import Fraction

    from otcheck.bounds import Bound
    from otcheck.claims import Recorder, Report

    def exact(seed=0):
        rec = Recorder(instance={"seed": seed, "q": Fraction(1, 3)})
        rec.compare(Bound.exact(Fraction(1, 3)), Bound.exact(Fraction(1, 2)), "<=", note="thirds")
        rec.compare(Bound.exact(Fraction(2, 3)), Bound.exact(Fraction(2, 3)), "==")
        return rec.evidence(details={"rows": [{"eps": 0.1}]})

    def boom(seed=0):
        raise RuntimeError("no")

    temp_claims("t-exact", exact, relation="<=")
    temp_claims("t-boom", boom)
    rep = verify(["t-exact", "t-boom"], seed=[2, 3], on_error="record")
    text = rep.to_json()
    back = Report.from_json(text)
    assert back.to_json() == text
    assert back.rows() == rep.rows() and back.seeds == (2, 3) and back.errors == {"t-boom": "seed 2: RuntimeError: no"}
    assert back.evidence[0].parts[0].parts[0].lhs == Fraction(1, 3)  # exact, through seed 2's first part
    assert back.kind("t-exact") == "proposition" and back.relation("t-exact") == "<="
    assert back.meta == json.loads(text)["meta"] and not back.ok
    for bad, exc, message in [
        (3, TypeError, "^text: expected the JSON text"),
        ("{not json", ValueError, "^text: not JSON"),
        ("[]", ValueError, "^text: not an otcheck report"),
        ('{"evidence": [], "seed": -1}', TypeError, "^seed: expected an integer >= 0"),
        ('{"evidence": [], "errors": []}', TypeError, "^errors: expected an object"),
    ]:
        with pytest.raises(exc, match=message):
            Report.from_json(bad)


def test_latex_escapes_text_and_typesets_numbers_and_errors(temp_claims):
    import math

    from otcheck.claims import latex_escape

    temp_claims("t_big", lambda seed=0: Evidence.compare("t_big", 1.5e-12, math.inf, "<="), relation="<=")

    def boom(seed=0):
        raise RuntimeError("no")

    temp_claims("t-err", boom, relation=">=", location="Sec. 9 {x}")
    tex = verify(["t_big", "t-err"], on_error="record").to_latex()
    assert r"\texttt{t\_big} & test & $\le$ & $1.5 \times 10^{-12}$ & $\infty$ & holds \\" in tex
    assert r"\texttt{t-err} & Sec. 9 \{x\} & $\ge$ &  &  & error \\" in tex
    assert tex.startswith("% otcheck ") and tex.rstrip().endswith(r"\end{tabular}")
    assert latex_escape(r"a\b~^") == r"a\textbackslash{}b\textasciitilde{}\textasciicircum{}"
    with pytest.raises(TypeError, match="^text"):
        latex_escape(3)


# ------------------------------------------------------------------------------------ notebook views (issue 12)
def _cells(tr):
    return ["".join(td.itertext()) for td in tr.findall("td")]


def test_report_html_is_a_coloured_verdict_table(temp_claims):
    import xml.etree.ElementTree as ET

    from otcheck.claims._html import VERDICT_COLOURS

    def boom(seed=0):
        raise RuntimeError("x < y & <b>")

    temp_claims("t-err", boom)
    _report_with(temp_claims)  # registers t-holds, t-step and t-prop
    rep = verify(["t-holds", "t-step", "t-prop", "t-err"], seed=5, on_error="record")
    root = ET.fromstring(rep._repr_html_())  # well-formed: every text escaped
    rows = {(cells := _cells(tr))[0]: (cells, tr.findall("td")[-1]) for tr in root.iter("tr") if tr.findall("td")}
    assert list(rows) == ["t-holds", "t-step", "t-prop", "t-err"]
    assert rows["t-prop"][0][1:] == ["proposition", "<=", "3", "2", "-1", "estimate", "fails"]
    assert rows["t-step"][0][-1] == "fails (finding)" and rows["t-holds"][0][-1] == "holds"
    assert rows["t-err"][0][3] == "RuntimeError: x < y & <b>" and rows["t-err"][0][-1] == "error"
    for cid, verdict in [("t-holds", "holds"), ("t-step", "fails"), ("t-prop", "fails"), ("t-err", "error")]:
        assert f"background-color:{VERDICT_COLOURS[verdict]}" in rows[cid][1].get("style")
    caption = "".join(root.find(".//caption").itertext())
    assert "seed 5" in caption and "1 hold, 2 fail (1 asserted, 1 findings), 0 undecided, 1 errors" in caption
    md = rep._repr_markdown_()
    assert "| `t-prop` | proposition | `<=` | 3 | 2 | -1 | ❌ fails |" in md
    assert "| `t-step` | step | `<=` | 3 | 2 | -1 | ❌ fails (finding) |" in md
    assert "| `t-holds` | proposition | `<=` | 1 | 2 | 1 | ✅ holds |" in md and "⚠️ error" in md


def test_evidence_html_lists_every_part_with_its_verdict():
    import xml.etree.ElementTree as ET

    from otcheck.bounds import Bound
    from otcheck.claims import Recorder
    from otcheck.claims._html import VERDICT_COLOURS

    rec = Recorder("t-parts")
    rec.compare(Bound.exact(1), Bound.exact(2), "<=", note="a < b")
    rec.compare(Bound.exact(3), Bound.exact(2), "<=", note="second")
    ev = rec.evidence(note="two parts")
    root = ET.fromstring(ev._repr_html_())
    rows = [tr for tr in root.iter("tr") if tr.findall("td")]
    assert [_cells(tr) for tr in rows] == [
        ["1", "<=", "1", "2", "1", "proof", "holds", "a < b"],
        ["2", "<=", "3", "2", "-1", "proof", "fails", "second"],
    ]
    assert VERDICT_COLOURS["fails"] in rows[1].findall("td")[6].get("style")
    assert "".join(root.find(".//caption").itertext()) == "t-parts: fails - two parts"
    md = ev._repr_markdown_()
    assert md.startswith("**`t-parts`**: ❌ fails - two parts")
    assert "| 2 | `<=` | 3 | 2 | -1 | proof | ❌ fails | second |" in md
    single = Evidence.compare("t-one", 1, 1, "==")
    assert [_cells(tr) for tr in ET.fromstring(single._repr_html_()).iter("tr") if tr.findall("td")] == [
        ["1", "==", "1", "1", "0", "proof", "holds", ""]
    ]
