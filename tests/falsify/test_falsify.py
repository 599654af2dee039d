"""The search of ``otcheck.falsify`` (otcheck/falsify/__init__.py) on user claims, and the coverage of its spaces.

A deliberately false user claim is found, shrunk to its smallest counterexample, replays from its
dumped file and first from hypothesis' example database; undecided, uncertified and erroring
examples are counted apart, never as passes; a float counterexample refuted in rationals, a known
finding and a failing step are reported without failing the run; a sampled failure states its
Bonferroni-corrected level.
"""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import strategies as st

from otcheck import strategies as ots
from otcheck.bounds import Bound
from otcheck.claims import FAILS, Evidence, Recorder, register, registry
from otcheck.exact import UncertifiedError
from otcheck.falsify import (
    KNOWN_FINDINGS,
    SPACES,
    dump_instance,
    falsify,
    load_instance,
    register_space,
    replay,
)


# ------------------------------------------------------------------------------------ coverage
def test_every_proposition_and_step_of_the_paper_has_an_instance_space():
    """Every registered proposition, proof step and conjecture of the paper declares its instance space.

    The ``trained-*`` claims are left out: they are decided on networks trained for the instance
    (minutes each), so there is no certified check to run at each of hundreds of instances; their
    kind is ``trained`` and :func:`falsify` skips that kind by default.
    """
    paper = {cid: c for cid, c in registry.items() if not cid.startswith("user-")}
    searched = [cid for cid, c in paper.items() if c.kind in ("proposition", "step", "conjecture")]
    assert len(searched) >= 29  # 24 propositions, 5 steps of the appendices, 1 conjecture
    assert {c.kind for c in paper.values()} <= {"proposition", "step", "conjecture", "trained"}
    missing = [cid for cid in searched if cid not in SPACES]
    assert not missing, f"claims without an instance space: {missing}"
    trained = [cid for cid, c in paper.items() if c.kind == "trained"]
    assert trained and all(cid.startswith("trained-") and cid not in SPACES for cid in trained)
    for cid in searched:
        assert SPACES[cid].claim == cid and SPACES[cid].description


# ------------------------------------------------------------------------------------ user claims
@pytest.fixture
def user_claims():
    """Register user claims for one test; removes them (and their spaces) afterwards."""
    made = []

    def make(cid, check, strategy, *, kind="proposition", sampled=False, exact=None):
        @register(cid, location="user", statement=cid, relation="<=", kind=kind, replace_existing=True)
        def _claim(seed=0):
            return check(**strategy.example())

        register_space(cid, strategy, check, description=f"test space of {cid}", sampled=sampled, exact=exact)
        made.append(cid)
        return cid

    yield make
    for cid in made:
        registry.pop(cid, None)
        SPACES.pop(cid, None)
        KNOWN_FINDINGS.pop(cid, None)


def _second_moment_below_one(mu):
    r"""The false user claim: :math:`\int \|x\|^2 \, dP(x) \le 1` for every discrete P, decided in rationals
    (atoms and weights at their exact binary values)."""
    m2 = sum(
        (Fraction(float(wi)) * sum(Fraction(float(x)) ** 2 for x in row) for row, wi in zip(mu.atoms, mu.weights)),
        Fraction(0),
    )
    rec = Recorder("user-second-moment", instance={"mu": mu})
    rec.compare(Bound.exact(m2), Bound.exact(1), "<=", note="E ||X||^2 <= 1")
    return rec.evidence()


def _rational_measures():
    """Discrete measures on R^1..R^3 with integer atoms in [-10, 10] and dyadic weights (exact rationals)."""
    return st.integers(1, 3).flatmap(lambda d: ots.measures(d, max_atoms=5, integer=True))


def test_a_false_user_claim_is_found_shrunk_and_replays_from_its_file(user_claims, tmp_path):
    cid = user_claims(
        "user-second-moment", _second_moment_below_one, st.fixed_dictionaries({"mu": _rational_measures()})
    )
    out = falsify([cid], examples=100, seed=3, database=None).outcomes[0]
    assert out.counterexample is not None and out.is_failure
    mu = out.counterexample["mu"]
    # the smallest counterexample: one atom, in dimension 1, at the smallest integer of square > 1
    assert mu.n == 1 and mu.dim == 1 and abs(float(mu.atoms[0, 0])) == 2.0
    assert out.evidence.verdict == FAILS and out.evidence.margin < 0
    path = dump_instance(cid, out.counterexample, tmp_path / "cex.json")
    claim, loaded = load_instance(path)
    assert claim == cid and replay(claim, loaded).verdict == FAILS
    report = falsify([cid], examples=20, seed=3, database=None)
    assert not report.ok and "FAILS" in report.to_text() and '"__measure__"' in report.to_text()


def test_a_counterexample_is_kept_in_the_database_and_replays_first(user_claims, tmp_path):
    cid = user_claims(
        "user-second-moment", _second_moment_below_one, st.fixed_dictionaries({"mu": _rational_measures()})
    )
    db = tmp_path / "db"
    first = falsify([cid], examples=100, seed=1, database=db).outcomes[0]
    assert first.counterexample is not None
    # another seed, a single example: the stored counterexample is decided before any search
    again = falsify([cid], examples=1, seed=7, database=db).outcomes[0]
    assert again.examples == 1 and again.counterexample is not None
    assert again.counterexample["mu"].atoms.tolist() == first.counterexample["mu"].atoms.tolist()
    # the same single example without the database: the search alone does not find it
    fresh = falsify([cid], examples=1, seed=7, database=tmp_path / "empty").outcomes[0]
    assert fresh.examples == 1 and fresh.counterexample is None


def test_a_true_user_claim_has_no_counterexample_in_n_instances(user_claims):
    def check(x):
        rec = Recorder("user-square", instance={"x": x})
        rec.compare(Bound.exact(Fraction(x) ** 2), Bound.exact(0), ">=")
        return rec.evidence()

    cid = user_claims("user-square", check, st.fixed_dictionaries({"x": st.integers(-(10**6), 10**6)}))
    report = falsify([cid], examples=30, seed=0, database=None)
    out = report.outcomes[0]
    assert report.ok and out.counterexample is None and out.examples == out.holds == 30
    assert "no counterexample in 30 instances" in out.summary()


def test_undecided_uncertified_and_errors_are_counted_apart_never_as_passes(user_claims):
    def check(k):
        rec = Recorder("user-mixed", instance={"k": k})
        if k % 4 == 1:
            rec.undecided(Bound.exact(0), Bound.exact(0), "<=", note="cannot tell")
        elif k % 4 == 2:
            raise UncertifiedError("solver could not certify")
        elif k % 4 == 3:
            raise ZeroDivisionError("a defect of the check")
        else:
            rec.compare(Bound.exact(0), Bound.exact(1), "<=")
        return rec.evidence()

    cid = user_claims("user-mixed", check, st.fixed_dictionaries({"k": st.integers(0, 1000)}))
    report = falsify([cid], examples=80, seed=0, database=None)
    out = report.outcomes[0]
    assert out.counterexample is None
    assert out.holds + out.undecided + out.uncertified + out.errors == out.examples
    assert min(out.holds, out.undecided, out.uncertified, out.errors) >= 1
    assert "ZeroDivisionError" in out.error and not report.ok  # a check that raises is no pass


def test_a_float_failure_refuted_in_rationals_is_counted_apart_and_the_search_goes_on(user_claims):
    def check(x):  # 0.1 x + 0.2 x > 0.3 x in floats for some x: a "proof" that rounding makes
        rec = Recorder("user-float", instance={"x": x})
        rec.compare(Bound.exact(0.1 * x + 0.2 * x), Bound.exact(0.3 * x), "<=")
        return rec.evidence()

    def exact(x):
        rec = Recorder("user-float", instance={"x": x})
        rec.compare(Bound.exact(Fraction(1, 10) * x + Fraction(2, 10) * x), Bound.exact(Fraction(3, 10) * x), "<=")
        return rec.evidence()

    assert check(1).verdict == FAILS and exact(1).verdict != FAILS  # the artefact the search meets
    cid = user_claims("user-float", check, st.fixed_dictionaries({"x": st.integers(1, 10)}), exact=exact)
    report = falsify([cid], examples=30, seed=0, database=None)
    out = report.outcomes[0]
    assert out.counterexample is None and out.refuted >= 1 and report.ok
    assert out.holds + out.refuted == out.examples  # the search went on past the artefact
    assert "refuted in exact arithmetic" in out.summary()


def test_steps_and_known_findings_are_reported_without_failing(user_claims):
    def check(x):
        rec = Recorder("user-step", instance={"x": x})
        rec.compare(Bound.exact(x), Bound.exact(5), "<=")
        return rec.evidence()

    space = st.fixed_dictionaries({"x": st.integers(0, 100)})
    step = user_claims("user-step", check, space, kind="step")
    report = falsify([step], examples=50, seed=0, database=None)
    assert report.outcomes[0].counterexample == {"x": 6} and report.outcomes[0].is_finding and report.ok
    prop = user_claims("user-prop", check, space)
    assert not falsify([prop], examples=50, seed=0, database=None).ok
    KNOWN_FINDINGS[prop] = "x <= 5 holds on [0, 5] only"
    report = falsify([prop], examples=50, seed=0, database=None)
    assert report.ok and report.outcomes[0].is_finding and "x <= 5 holds on [0, 5]" in report.to_text()


def test_a_sampled_failure_states_its_level_corrected_for_the_instances_tried(user_claims):
    def check(seed):
        rng = np.random.default_rng(seed)
        x = rng.standard_normal(200) + 1.0  # mean 1: "mean <= 0" is false
        half = 3.0 / np.sqrt(200)
        rec = Recorder("user-sampled", instance={"seed": seed})
        rec.add(
            Evidence.compare_ci(
                "user-sampled",
                float(x.mean()),
                0.0,
                "<=",
                lhs_ci=(float(x.mean()) - half, float(x.mean()) + half),
                rhs_ci=(0.0, 0.0),
                confidence=0.997,
            )
        )
        return rec.evidence()

    cid = user_claims("user-sampled", check, st.fixed_dictionaries({"seed": st.integers(0, 2**32 - 1)}), sampled=True)
    out = falsify([cid], examples=10, seed=0, database=None).outcomes[0]
    assert out.counterexample is not None and "seed" in out.counterexample
    assert out.evidence.confidence == pytest.approx(0.997)
    assert out.confidence == pytest.approx(1 - 0.003 * out.examples)


def test_unsearched_claims_and_bad_arguments():
    report = falsify(["trained-theorem1"], examples=1, database=None)
    assert not report.outcomes[0].searched and "no instance space" in report.outcomes[0].summary()
    with pytest.raises(ValueError, match="examples"):
        falsify(["kr-duality"], examples=0)
    with pytest.raises(ValueError, match="seed"):
        falsify(["kr-duality"], seed=-1)
    with pytest.raises(ValueError, match="max_seconds"):
        falsify(["kr-duality"], max_seconds=0)
    with pytest.raises(KeyError, match="ids"):
        falsify(["no-such-claim"])
    with pytest.raises(TypeError, match="strategy"):
        register_space("kr-duality-x", [1, 2], lambda: None, description="")
    with pytest.raises(TypeError, match="check"):
        register_space("kr-duality-x", st.just({}), 3, description="")
    with pytest.raises(KeyError, match="no instance space"):
        replay("trained-theorem1", {})
