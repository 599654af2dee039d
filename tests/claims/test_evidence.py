"""otcheck.claims._evidence: the one decision rule (decide, decide_interval, combine), Evidence, Recorder, jsonable."""

import json
import math
from fractions import Fraction

import numpy as np
import pytest

from otcheck.bounds import Bound
from otcheck.claims import (
    FAILS,
    HOLDS,
    UNDECIDED,
    Evidence,
    Recorder,
    Report,
    combine,
    decide,
    decide_interval,
    jsonable,
)


# ------------------------------------------------------------------------------------ decide
@pytest.mark.parametrize(
    "lhs, rhs, relation, expected",
    [
        (1.0, 1.0, "==", HOLDS),
        (1.0, 1.0 + 1e-10, "==", HOLDS),
        (1.0, 1.1, "==", FAILS),
        (1.0, 2.0, "<=", HOLDS),
        (2.0, 1.0, "<=", FAILS),
        (1.0 + 1e-10, 1.0, "<=", HOLDS),  # within tolerance
        (2.0, 1.0, ">=", HOLDS),
        (1.0, 2.0, ">=", FAILS),
        (1.0, 2.0, "<", HOLDS),
        (1.0, 1.0, "<", UNDECIDED),  # strict inequality within tolerance
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
    ],
)
def test_decide(lhs, rhs, relation, expected):
    assert decide(lhs, rhs, relation, 1e-9) == expected


def test_decide_tolerance_is_relative_to_the_size_of_the_numbers():
    assert decide(1e6, 1e6 + 0.5, "==", 1e-6) == HOLDS  # 0.5 <= 1e-6 * 1e6
    assert decide(1e6, 1e6 + 2.0, "==", 1e-6) == FAILS
    assert decide(0.0, 5e-7, "==", 1e-6) == HOLDS  # floor of 1 for small numbers


def test_decide_rejects_unknown_relation():
    with pytest.raises(ValueError, match="^relation"):
        decide(1.0, 1.0, "~", 1e-9)


@pytest.mark.parametrize(
    "lhs_ci, rhs_ci, relation, tol, expected",
    [
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
    ],
)
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
    assert decide(one_sided, Bound.exact(1.0), "<=") == "undecided"  # not proven, not refuted
    assert decide(one_sided, Bound.exact(0.4), "<=") == "fails"  # proven: at least 0.5 > 0.4
    sampled = Bound.from_samples([0.9, 1.1, 1.0, 1.05, 0.95], confidence=0.95)
    assert decide(sampled, Bound.exact(1.0), "==") == "undecided"  # overlap is not equality
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


# ------------------------------------------------------------------------------------ jsonable, Recorder
def test_jsonable_is_what_json_dumps_takes_and_keeps_rationals_exact():
    ev = Evidence.compare("x", Bound.exact(Fraction(1, 3)), Bound.exact(1.0), "<=")
    data = {
        "arr": np.arange(2.0),
        "k": np.int64(3),
        "flag": np.bool_(True),
        "q": Fraction(1, 3),
        "inf": math.inf,
        "bound": Bound.exact(0.5),
        "ev": ev,
        7: (1, [2.5]),
    }
    out = jsonable(data)
    assert json.loads(json.dumps(out)) == out
    assert out["arr"] == [0.0, 1.0] and out["k"] == 3 and out["flag"] is True and out["q"] == "1/3"
    assert out["inf"] == "inf" and out["bound"] == Bound.exact(0.5).to_dict() and out["ev"] == ev.to_dict()
    assert out["7"] == [1, [2.5]]
    assert jsonable(object).startswith("<class")  # anything else: its repr


def test_recorder_takes_the_running_claims_id(temp_claims):
    with pytest.raises(TypeError, match="^claim: pass the claim id"):
        Recorder()

    def check(seed=0):
        rec = Recorder(instance={"seed": seed})
        rec.compare(Bound.exact(1.0), Bound.exact(2.0), "<=", note="one")
        rec.add(Evidence.compare("some-other-id", 1.0, 1.0, "=="))
        rec.undecided(1.0, 2.0, "<", note="could not certify")
        return rec.evidence()

    ev = temp_claims("t-recorder", check).run(seed=3)
    assert ev.claim == "t-recorder" and [p.claim for p in ev.parts] == ["t-recorder"] * 3
    assert ev.verdict == UNDECIDED and ev.parts[0].instance == {"seed": 3} and ev.parts[2].method == "not certified"
    outside = Recorder("named")
    outside.compare(1.0, 1.0, "==")
    assert outside.evidence().claim == "named" and outside.evidence().verdict == HOLDS
    assert isinstance(Report(evidence=(outside.evidence(),)).to_json(), str)
