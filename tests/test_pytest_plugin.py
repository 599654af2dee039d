"""The pytest plugin (``pytest --otcheck``): one item per claim, a wrong user claim fails with its instance and
both sides, findings are xfails, and a run without ``--otcheck`` imports nothing heavy."""

import importlib.metadata
import os
import subprocess
import sys
import textwrap

import pytest

import otcheck.pytest_plugin
from otcheck.claims import registry

pytest_plugins = ("pytester",)

USER_CLAIMS = """
from otcheck.bounds import Bound
from otcheck.claims import Evidence, Recorder, register

@register("user-true", location="my paper, eq. 1", statement="1 <= 2", relation="<=")
def true_claim(seed=0):
    rec = Recorder(instance={"seed": seed})
    rec.compare(Bound.exact(1), Bound.exact(2), "<=")
    return rec.evidence()

@register("user-wrong", location="my paper, Lemma 2", statement="1 + 1 == 3 (deliberately wrong)", relation="==")
def wrong_claim(seed=0):
    rec = Recorder(instance={"seed": seed, "witness": [7, 8]})
    rec.compare(Bound.exact(1 + 1), Bound.exact(3), "==", note="the sum")
    return rec.evidence()

@register("user-step", location="my paper, proof of Lemma 2", statement="2 <= 1", relation="<=", kind="step")
def wrong_step(seed=0):
    rec = Recorder(instance={"step": 3})
    rec.compare(Bound.exact(2), Bound.exact(1), "<=")
    return rec.evidence()

@register("user-undecided", location="my paper, eq. 3", statement="x <= y", relation="<=")
def undecided_claim(seed=0):
    return Evidence("user-undecided", "<=", 1.0, 1.0, "undecided", note="the intervals overlap")
"""

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
"""


@pytest.fixture
def clean_registry():
    """Claims, instance spaces and modules added by an in-process pytest run are removed afterwards."""
    from otcheck.falsify import SPACES

    before, spaces, modules = set(registry), set(SPACES), set(sys.modules)
    yield
    for cid in set(registry) - before:
        del registry[cid]
    for cid in set(SPACES) - spaces:
        del SPACES[cid]
    for name in set(sys.modules) - modules:
        if name.startswith(("user_claims", "spaced_claims", "broken_claims")):
            del sys.modules[name]


def test_the_entry_point_is_the_plugin_module():
    """Every visible ``pytest11`` entry point named otcheck (the installed one, and a stale
    ``otcheck.egg-info`` found through the current directory) names :mod:`otcheck.pytest_plugin`."""
    eps = [  # as pluggy reads them: every distribution, not deduplicated by name; the first one wins
        e
        for dist in importlib.metadata.distributions()
        for e in dist.entry_points
        if e.group == "pytest11" and e.name == "otcheck"
    ]
    assert eps, "otcheck is not installed (pip install -e . --no-deps)"
    values = {e.value for e in eps}
    assert values == {"otcheck.pytest_plugin"}, f"{values}: reinstall otcheck (pip install -e . --no-deps)"
    assert eps[0].load() is otcheck.pytest_plugin


def test_pytest_without_otcheck_imports_nothing_heavy(tmp_path):
    (tmp_path / "test_probe.py").write_text(
        textwrap.dedent("""
        import sys

        def test_probe(request):
            print("LOADED", sorted(m for m in sys.modules if m.split(".")[0] in
                  ("otcheck", "numpy", "scipy", "ot", "cvxpy", "torch")))
            print("PLUGIN", getattr(request.config.pluginmanager.get_plugin("otcheck"), "__name__", None))
    """)
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHONPATH"))}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "test_probe.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PLUGIN otcheck.pytest_plugin" in proc.stdout  # the entry point's plugin is loaded (its options exist) ...
    # ... and numpy, scipy, POT, cvxpy, torch are not: only the plugin and the (lazy) package are
    assert "LOADED ['otcheck', 'otcheck.pytest_plugin']" in proc.stdout, proc.stdout


def test_collects_one_item_per_claim(pytester, clean_registry):
    result = pytester.runpytest("--otcheck", "--collect-only", "-q", "-p", "no:cacheprovider")
    assert result.ret == 0
    collected = [ln.strip() for ln in result.outlines if ln.startswith("otcheck::")]
    expected = [f"otcheck::{cid}" for cid, c in registry.items() if c.kind != "trained"]
    assert collected == expected and len(expected) > 20


def test_a_wrong_user_claim_fails_with_its_instance_and_both_sides(pytester, clean_registry):
    pytester.makepyfile(user_claims=USER_CLAIMS)
    result = pytester.runpytest(
        "--otcheck", "--otcheck-import", "user_claims", "--otcheck-ids", "user-*", "-rfxX", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=2, failed=1, xfailed=1, warnings=1)
    assert result.ret == 1
    out = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*claim user-wrong (proposition, my paper, Lemma 2): 1 + 1 == 3 (deliberately wrong)",
            "*verdict: user-wrong: 2 == 3 -> fails*",
            "*lhs = 2*",
            "*rhs = 3*",
            "*note: the sum",
            '*instance: {"seed": 0, "witness": [[]7, 8]}',  # ([[] is fnmatch for [)
        ]
    )
    assert "FAILED otcheck::user-wrong" in out and "otcheck::user-true" not in out.split("short test summary")[1]
    assert "XFAIL otcheck::user-step - finding (step): user-step: 2 <= 1 -> fails" in out
    assert "OtcheckUndecided: claim user-undecided is undecided at seed 0" in out
    assert "Traceback" not in out  # a failing claim is reported by its evidence, not a traceback


def test_seed_reaches_the_checks(pytester, clean_registry):
    pytester.makepyfile(user_claims=USER_CLAIMS)
    result = pytester.runpytest(
        "--otcheck",
        "--otcheck-import",
        "user_claims",
        "--otcheck-seed",
        "7",
        "--otcheck-ids",
        "user-wrong",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(failed=1)
    assert 'instance: {"seed": 7, "witness": [7, 8]}' in result.stdout.str()


def test_examples_search_the_instance_space(pytester, clean_registry):
    pytester.makepyfile(spaced_claims=SPACED)
    args = [
        "--otcheck",
        "--otcheck-import",
        "spaced_claims",
        "--otcheck-ids",
        "user-below-ten",
        "-p",
        "no:cacheprovider",
    ]
    pytester.runpytest(*args).assert_outcomes(passed=1)  # its one seeded instance (n = 0) holds
    result = pytester.runpytest(*args, "--otcheck-examples", "60")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*falsify: user-below-ten: FAILS after*", '*instance: {"n": 10}*'])  # shrunk
    assert (pytester.path / ".otcheck" / "falsify-examples").is_dir()  # kept, to replay first next time


def test_usage_errors(pytester, clean_registry):
    result = pytester.runpytest("--otcheck-ids", "kr-duality", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--otcheck-ids: need --otcheck*"])
    pytester.makepyfile(broken_claims="raise RuntimeError('boom at import')\n")
    result = pytester.runpytest("--otcheck", "--otcheck-import", "broken_claims", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--otcheck-import broken_claims: importing it raised RuntimeError: boom at import*"])
    result = pytester.runpytest("--otcheck", "--otcheck-ids", "zzz*", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--otcheck-ids: 'zzz*' matches no claim*"])
