"""The claims engine: verdict rules, Evidence, Claim, Report views, verify, and a wrong claim end to end."""

import json
import math
import os
import subprocess
import sys
import textwrap

import pytest

from otcheck import cli
from otcheck.claims import (FAILS, HOLDS, UNDECIDED, Claim, Evidence, Report, combine, decide, decide_interval,
                            register, registry, verify)


@pytest.fixture
def temp_claims():
    """Register claims for one test and remove them afterwards."""
    added = []

    def add(cid, check, **meta):
        meta.setdefault("location", "test")
        meta.setdefault("statement", "a test claim")
        meta.setdefault("relation", "==")
        register(cid, **meta)(check)
        added.append(cid)
        return registry[cid]

    yield add
    for cid in added:
        registry.pop(cid, None)


# ------------------------------------------------------------------------------------ decide
@pytest.mark.parametrize("lhs, rhs, relation, expected", [
    (1.0, 1.0, "==", HOLDS),
    (1.0, 1.0 + 1e-10, "==", HOLDS),
    (1.0, 1.1, "==", FAILS),
    (1.0, 2.0, "<=", HOLDS),
    (2.0, 1.0, "<=", FAILS),
    (1.0 + 1e-10, 1.0, "<=", HOLDS),          # within tolerance
    (2.0, 1.0, ">=", HOLDS),
    (1.0, 2.0, ">=", FAILS),
    (1.0, 2.0, "<", HOLDS),
    (1.0, 1.0, "<", UNDECIDED),               # strict inequality within tolerance
    (3.0, 2.0, "<", FAILS),
    (2.0, 1.0, ">", HOLDS),
    (1.0, 1.0, ">", UNDECIDED),
    (1.0, 2.0, "!=", HOLDS),
    (1.0, 1.0, "!=", UNDECIDED),
    (1.0, 2.0, "depends on", HOLDS),
    (1.0, 1.0, "depends on", FAILS),
    (1.0, 1.0, "does not depend on", HOLDS),
    (1.0, 1.5, "does not depend on", FAILS),
    (3.0, 0.0, "exists", HOLDS),
    (0.0, 0.0, "exists", UNDECIDED),
    (float("nan"), 1.0, "==", UNDECIDED),
    (float("inf"), 1.0, "<=", FAILS),
    (1.0, float("inf"), "<=", HOLDS),
])
def test_decide(lhs, rhs, relation, expected):
    assert decide(lhs, rhs, relation, 1e-9) == expected


def test_decide_tolerance_is_relative_to_the_size_of_the_numbers():
    assert decide(1e6, 1e6 + 0.5, "==", 1e-6) == HOLDS     # 0.5 <= 1e-6 * 1e6
    assert decide(1e6, 1e6 + 2.0, "==", 1e-6) == FAILS
    assert decide(0.0, 5e-7, "==", 1e-6) == HOLDS          # floor of 1 for small numbers


def test_decide_rejects_unknown_relation():
    with pytest.raises(ValueError, match="^relation"):
        decide(1.0, 1.0, "~", 1e-9)


@pytest.mark.parametrize("lhs_ci, rhs_ci, relation, tol, expected", [
    ((0.9, 1.0), (1.1, 1.2), "<=", 0.0, HOLDS),
    ((0.9, 1.15), (1.1, 1.2), "<=", 0.0, UNDECIDED),
    ((1.3, 1.4), (1.1, 1.2), "<=", 0.0, FAILS),
    ((1.3, 1.4), (1.1, 1.2), ">=", 0.0, HOLDS),
    ((1.0, 1.01), (1.0, 1.0), "==", 0.05, HOLDS),
    ((1.0, 1.2), (1.0, 1.0), "==", 0.05, UNDECIDED),
    ((2.0, 2.1), (1.0, 1.0), "==", 0.05, FAILS),
    ((2.0, 2.1), (1.0, 1.1), "!=", 0.0, HOLDS),
    ((1.0, 2.1), (1.0, 1.1), "depends on", 0.0, UNDECIDED),
    # strict relations: touching intervals, or a gap smaller than the tolerance, decide nothing
    ((0.0, 1.0), (1.0, 2.0), "<", 0.0, UNDECIDED),
    ((0.0, 0.95), (1.0, 2.0), "<", 0.1, UNDECIDED),
    ((0.0, 0.95), (1.0, 2.0), "<=", 0.1, HOLDS),
    ((0.0, 0.8), (1.0, 2.0), "<", 0.1, HOLDS),
    ((1.0, 2.0), (0.0, 1.0), ">", 0.0, UNDECIDED),
    ((1.2, 2.0), (0.0, 1.0), ">", 0.1, HOLDS),
    ((0.0, 0.5), (1.0, 2.0), ">", 0.1, FAILS),
])
def test_decide_interval(lhs_ci, rhs_ci, relation, tol, expected):
    assert decide_interval(lhs_ci, rhs_ci, relation, tol) == expected


def test_decide_interval_rejects_reversed_interval():
    with pytest.raises(ValueError, match="^lhs_ci"):
        decide_interval((2.0, 1.0), (0.0, 1.0), "<=")


def test_combine():
    assert combine([HOLDS, HOLDS]) == HOLDS
    assert combine([HOLDS, UNDECIDED]) == UNDECIDED
    assert combine([UNDECIDED, FAILS, HOLDS]) == FAILS
    with pytest.raises(ValueError, match="^verdicts"):
        combine([])


# ------------------------------------------------------------------------------------ Evidence
def test_evidence_margin_sign_follows_the_relation():
    assert Evidence.compare("x", 1.0, 3.0, "<=", tol=0).margin == 2.0
    assert Evidence.compare("x", 1.0, 3.0, ">=", tol=0).margin == -2.0
    assert Evidence.compare("x", 1.0, 3.0, "==", tol=0).margin == -2.0
    assert math.isnan(Evidence.compare("x", 1.0, 0.0, "exists", tol=0).margin)


def test_evidence_rejects_bad_verdict_and_relation():
    with pytest.raises(ValueError, match="^verdict"):
        Evidence("x", "==", 1.0, 1.0, "maybe")
    with pytest.raises(ValueError, match="^relation"):
        Evidence("x", "~", 1.0, 1.0, HOLDS)


def test_all_of_headline_is_the_deciding_part_and_failing_parts_are_the_leaves():
    ok = Evidence.compare("x", 1.0, 1.0, "==", tol=0, note="ok")
    bad = Evidence.compare("x", 5.0, 1.0, "<=", tol=0, instance={"n": 3}, note="bad")
    inner = Evidence.all_of("x", [ok, bad])
    outer = Evidence.all_of("x", [ok, inner])
    assert outer.verdict == FAILS
    assert (outer.lhs, outer.rhs, outer.relation) == (5.0, 1.0, "<=")
    assert outer.failing_parts() == (bad,)
    assert ok.failing_parts() == ()
    und = Evidence.compare_ci("x", 1.0, 1.0, "<=", lhs_ci=(0.5, 1.5), rhs_ci=(1.0, 1.0), confidence=0.9)
    assert Evidence.all_of("x", [ok, und]).verdict == UNDECIDED
    with pytest.raises(ValueError, match="^parts"):
        Evidence.all_of("x", [])


def test_evidence_to_dict_is_json_ready_with_arrays_and_infinities():
    import numpy as np

    ev = Evidence.compare("x", float("inf"), 1.0, "<=", tol=0, instance={"a": np.arange(3.0), "k": np.int64(2)})
    d = json.loads(json.dumps(ev.to_dict()))
    assert d["lhs"] == "inf" and d["instance"] == {"a": [0.0, 1.0, 2.0], "k": 2} and d["verdict"] == FAILS


# ------------------------------------------------------------------------------------ Claim / register
def test_claim_run_validates_size_names_and_return_type(temp_claims):
    def check(seed=0, n=3):
        return Evidence.compare("t-size", n, n, "==", tol=0)

    claim = temp_claims("t-size", check)
    assert claim.sizes == {"n": 3}
    assert claim.run(n=4).lhs == 4.0
    with pytest.raises(TypeError, match="^m: unknown size for claim 't-size'; accepted: \\['n'\\]"):
        claim.run(m=4)
    bad = temp_claims("t-bad-return", lambda seed=0: 1.0)
    with pytest.raises(TypeError, match="expected Evidence"):
        bad.run()


def test_register_rejects_duplicates_and_bad_metadata(temp_claims):
    temp_claims("t-dup", lambda seed=0: Evidence.compare("t-dup", 1, 1, "==", tol=0))
    with pytest.raises(ValueError, match="^id: claim 't-dup' is already registered"):
        register("t-dup", location="x", statement="x", relation="==")(lambda seed=0: None)
    with pytest.raises(ValueError, match="^kind"):
        temp_claims("t-kind", lambda seed=0: None, kind="theorem")
    with pytest.raises(TypeError, match="^id"):
        register("", location="x", statement="x", relation="==")


def test_claim_metadata_for_the_docs_page():
    for cid in ("kr-duality", "theorem1", "lemma6-footnote2"):
        meta = registry[cid].to_dict()
        assert meta["id"] == cid
        assert meta["location"] and meta["statement"] and meta["how"] and meta["reading"]
        json.dumps(meta)
    assert registry["lemma6-footnote2"].kind == "conjecture"


# ------------------------------------------------------------------------------------ Report / verify
def _report_with(temp_claims):
    temp_claims("t-holds", lambda seed=0: Evidence.compare("t-holds", 1.0, 2.0, "<=", tol=0, instance={"seed": seed}))
    temp_claims("t-step", lambda seed=0: Evidence.compare("t-step", 3.0, 2.0, "<=", tol=0, instance={"step": 1}),
                kind="step")
    temp_claims("t-prop", lambda seed=0: Evidence.compare("t-prop", 3.0, 2.0, "<=", tol=0,
                                                          instance={"counterexample": [1, 2]}))
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
    temp_claims("t-wrong-step", lambda seed=0: Evidence.compare("t-wrong-step", 2, 3, "==", tol=0,
                                                                instance={"why": "step"}), kind="step")
    assert cli.main(["verify", "t-wrong-step", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "FINDING (not fatal) t-wrong-step" in out and '"why": "step"' in out


def test_wrong_claim_through_python_m_otcheck(tmp_path):
    (tmp_path / "my_wrong_claims.py").write_text(textwrap.dedent('''
        from otcheck.claims import Evidence, register

        @register("user-wrong", location="user", statement="1 + 1 == 3", relation="==")
        def check(seed=0):
            return Evidence.compare("user-wrong", 2, 3, "==", tol=0.0, instance={"seed": seed, "witness": [7, 8]})
    '''))
    env = {**os.environ, "PYTHONPATH": str(tmp_path) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-m", "otcheck", "verify", "--import", "my_wrong_claims", "user-wrong",
                           "--seed", "4", "--quiet"], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "FAILED user-wrong" in proc.stdout
    assert '"seed": 4' in proc.stdout and '"witness": [7, 8]' in proc.stdout


def test_decide_scale_is_the_problem_size_not_one():
    from otcheck.claims import decide

    # two values of size 1e-17 that differ by 100 %: equal at unit scale (rounding of a unit
    # problem), different at their own scale
    assert decide(1e-17, 2e-17, "==", 1e-9) == "holds"
    assert decide(1e-17, 2e-17, "==", 1e-9, scale=1e-17) == "fails"
    assert decide(1e-17, 0.0, ">", 1e-9, scale=1e-17) == "holds"
    assert decide(1e-17, 0.0, ">", 1e-9) == "undecided"


# -- one rule on bounds, exact rationals, provenance ----------------------------------------------

def test_rationals_stay_exact_through_decide_evidence_and_json():
    from fractions import Fraction as F

    from otcheck.claims import decide

    assert decide(F(1, 3) + F(1, 10**30), F(1, 3), "<=", 0) == "fails"  # a float conversion would say holds
    assert decide(F(1, 3), F(1, 3) + F(1, 10**30), "<", 0) == "holds"
    assert decide(F(1, 3), F(1, 3), "==") == "holds" and decide(F(1, 3), F(1, 3), "<") == "fails"
    ev = Evidence.compare("q", F(1, 3) + F(1, 10**30), F(1, 3), "<=")
    assert ev.verdict == "fails" and ev.guarantee == "proof" and isinstance(ev.lhs, F)
    assert ev.margin == -F(1, 10**30)
    d = json.loads(json.dumps(ev.to_dict()))
    assert d["lhs"] == f"{10**30 + 3}/{3 * 10**30}"  # an exact string, not a float
    back = Evidence.from_dict(d)
    assert back.lhs == ev.lhs and back.rhs == F(1, 3) and back.verdict == "fails"
    report = Report(evidence=(ev,), seed=0, kinds={"q": "proposition"})
    again = json.loads(report.to_json())["evidence"][0]
    assert Evidence.from_dict(again).lhs == F(1, 3) + F(1, 10**30)


@pytest.mark.parametrize("tol", [-1e-9, float("inf"), float("nan")])
def test_decide_checks_its_tolerance(tol):
    from otcheck.claims import decide

    with pytest.raises(ValueError, match="^tol: must be a finite number >= 0"):
        decide(1.0, 1.0, "==", tol)


def test_decide_on_bounds_never_holds_by_overlap_of_wide_or_sampled_bounds():
    from otcheck.bounds import Bound
    from otcheck.claims import decide

    one_sided = Bound(0.5, 0.5, float("inf"), method="a lower bound only", tight=False)
    assert decide(one_sided, Bound.exact(1.0), "<=") == "undecided"   # not proven, not refuted
    assert decide(one_sided, Bound.exact(0.4), "<=") == "fails"       # proven: at least 0.5 > 0.4
    sampled = Bound.from_samples([0.9, 1.1, 1.0, 1.05, 0.95], confidence=0.95)
    assert decide(sampled, Bound.exact(1.0), "==") == "undecided"     # overlap is not equality
    assert decide(sampled, Bound.exact(1.0), "==", margin=0.5) == "holds"  # an equivalence with a stated margin
    assert decide(sampled, Bound.exact(5.0), "==", margin=0.5) == "fails"
    tight = Bound.interval(1.0 - 1e-12, 1.0 + 1e-12, 1.0, method="certified", tight=True)
    assert decide(tight, Bound.exact(1.0), "==") == "holds" and decide(tight, Bound.exact(1.0), "<") == "undecided"
    # a fails from sampled bounds carries its confidence level
    ev = Evidence.compare("s", sampled, Bound.exact(5.0), ">=")
    assert ev.verdict == "fails" and ev.guarantee == "confidence" and ev.confidence == pytest.approx(0.95)


def test_evidence_method_comes_from_the_bounds_never_a_default():
    from otcheck.bounds import Bound

    a = Bound.exact(1.0, method="exact OT (emd), certified")
    b = Bound.floating(1.0, method="closed form (float64)")
    ev = Evidence.compare("m", a, b, "==")
    assert ev.method == "exact OT (emd), certified vs closed form (float64)" and ev.guarantee == "estimate"
    assert ev.lhs_bound is a and ev.rhs_bound is b
    with pytest.raises(TypeError, match="^method: comes from the bounds"):
        Evidence.compare("m", a, b, "==", method="exact-discrete")
    assert Evidence.compare("m", 1.0, 1.0, "==").method == "unspecified"  # plain numbers say so


def _leaves(ev):
    return [q for p in ev.parts for q in _leaves(p)] if ev.parts else [ev]


def test_every_builtin_claim_compares_two_bounds_with_their_provenance():
    """No built-in claim passes bare numbers or a tolerance: each leaf part compares two Bounds,
    its tolerance is only a margin the claim states (0 unless an equivalence), and its method and
    guarantee are those of the bounds."""
    from otcheck.claims import registry

    report = verify(seed=0)
    assert report.evidence
    for ev in report.evidence:
        assert registry[ev.claim].check.__module__.startswith("otcheck.claims.")
        for p in _leaves(ev):
            if p.method == "not certified":  # a recorded undecided part: a solver could not certify
                assert p.verdict == UNDECIDED and p.note
                continue
            assert p.lhs_bound is not None and p.rhs_bound is not None, (ev.claim, p.note)
            assert p.method != "unspecified" and p.guarantee in ("proof", "confidence", "estimate"), (ev.claim, p.note)
            if p.tolerance:
                assert p.relation in ("==", "does not depend on", "<=", ">=") and "margin" in p.note, (ev.claim, p.note)
