"""otcheck.claims._registry: Claim, register and the registry; every built-in claim compares two bounds and
writes its id once."""

import ast
import json
import re
import sys
from pathlib import Path

import pytest

import otcheck.claims
from otcheck.claims import UNDECIDED, Evidence, register, registry, same_function, verify


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


def test_registering_the_same_function_again_replaces_it_quietly(tmp_path, monkeypatch):
    """A notebook cell re-run or ``importlib.reload`` registers a new object of the same function: replaced,
    with its new metadata. A different function under an existing id is still an error."""
    import importlib

    source = """
from otcheck.claims import Evidence, register

@register("t-reload", location="{loc}", statement="s", relation="==")
def check(seed=0):
    return Evidence.compare("t-reload", {value}, {value}, "==")
"""
    (tmp_path / "reloaded_claims.py").write_text(source.format(loc="v1", value=1))
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        module = importlib.import_module("reloaded_claims")
        first = registry["t-reload"].check
        (tmp_path / "reloaded_claims.py").write_text(source.format(loc="v2 (edited)", value=2))
        importlib.invalidate_caches()
        importlib.reload(module)
        assert registry["t-reload"].check is not first and registry["t-reload"].location == "v2 (edited)"
        assert registry["t-reload"].run().lhs == 2.0
        with pytest.raises(ValueError, match="^id: claim 't-reload' is already registered to a different function"):
            register("t-reload", location="x", statement="x", relation="==")(lambda seed=0: None)

        def check(seed=0):  # same name, another module: a different function
            return None

        with pytest.raises(ValueError, match="reloaded_claims.check, not .*test_registry"):
            register("t-reload", location="x", statement="x", relation="==")(check)
        register("t-reload", location="x", statement="x", relation="==", replace_existing=True)(check)
        assert registry["t-reload"].check is check
    finally:
        registry.pop("t-reload", None)
        sys.modules.pop("reloaded_claims", None)


def test_same_function():
    def f(seed=0):
        return None

    g = f

    def make():
        def f(seed=0):
            return None

        return f

    assert same_function(f, g) and same_function(make(), make())  # two objects of one definition
    assert not same_function(f, make())  # another qualified name
    a, b = (lambda seed=0: 1), (lambda seed=0: 2)  # noqa: E731 - two lambdas, on one line
    c = lambda seed=0: 3  # noqa: E731
    assert same_function(a, b) and not same_function(a, c)  # lambdas are told apart by their line
    assert not same_function(len, print)


def test_validate_sizes_names_the_size_and_the_expected_type(temp_claims):
    def check(seed=0, n=3, eps=0.5, flag=False, name="a", dims=(1, 2), other=None):
        return Evidence.compare("t-sizes", 1, 1, "==")

    claim = temp_claims("t-sizes", check)
    claim.validate_sizes({"n": 4, "eps": 1, "flag": True, "name": "b", "dims": [3], "other": object()})
    bad = [
        ({"n": 2.5}, TypeError, "n: claim 't-sizes' takes an integer (its default is 3), got float 2.5"),
        ({"n": True}, TypeError, "n: claim 't-sizes' takes an integer (its default is 3), got bool True"),
        ({"eps": "x"}, TypeError, "eps: claim 't-sizes' takes a real number"),
        ({"flag": 1}, TypeError, "flag: claim 't-sizes' takes a bool"),
        ({"name": 1}, TypeError, "name: claim 't-sizes' takes a string"),
        ({"dims": 1}, TypeError, "dims: claim 't-sizes' takes a list"),
        ({"seed": 1}, ValueError, "seed: is not a size of claim 't-sizes'"),
        ({"m": 1}, ValueError, "m: claim 't-sizes' has no size 'm'; its sizes: n=3, eps=0.5"),
    ]
    for sizes, exc, message in bad:
        with pytest.raises(exc, match="^" + re.escape(message)):
            claim.validate_sizes(sizes)


def test_claim_metadata_for_the_docs_page():
    for cid in ("kr-duality", "theorem1", "lemma6-footnote2"):
        meta = registry[cid].to_dict()
        assert meta["id"] == cid
        assert meta["location"] and meta["statement"] and meta["how"] and meta["reading"]
        json.dumps(meta)
    assert registry["lemma6-footnote2"].kind == "conjecture"


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


# ------------------------------------------------------------------------------------ the id is written once
CLAIMS_DIR = Path(otcheck.claims.__file__).parent

#: ``Evidence.compare("<id>", ...)``, ``Evidence.compare_ci(...)`` or ``Evidence.all_of(...)`` with a literal id
LITERAL_ID = re.compile(r"Evidence\s*\.\s*(compare|compare_ci|all_of)\s*\(\s*[rRbBuUfF]*['\"]")


def _claims_sources():
    return sorted(CLAIMS_DIR.glob("*.py"))


def test_no_claims_module_builds_evidence_with_a_literal_id():
    """A check records through ``Recorder()`` (the id of the running claim); a public function passes the
    id once to ``Recorder("<id>")``. ``Evidence.compare("<id>", ...)`` would write the id a second time."""
    found = [
        f"{path.name}:{text[: m.start()].count(chr(10)) + 1}: {m.group(0)}"
        for path in _claims_sources()
        for text in [path.read_text(encoding="utf-8")]
        for m in LITERAL_ID.finditer(text)
    ]
    assert not found, "Evidence built with a literal claim id (use Recorder):\n" + "\n".join(found)


def test_the_grep_sees_a_literal_id():
    assert LITERAL_ID.search('    return Evidence.compare("kr-duality", lhs, rhs, "==")')
    assert LITERAL_ID.search("Evidence.all_of('x', parts)")
    assert not LITERAL_ID.search("Evidence.compare(self.claim, lhs, rhs, relation)")


def _string_uses(tree, values):
    """``(value, role)`` for every string constant of ``tree`` in ``values``: ``role`` is the called name when it
    is the first argument of a call (``register``, ``Recorder``), ``"__all__"`` in ``__all__``, else ``None``."""
    roles = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            roles[id(node.args[0])] = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            for elt in ast.walk(node.value):
                roles[id(elt)] = "__all__"
    return [
        (node.value, roles.get(id(node)))
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in values
    ]


def test_each_claim_id_is_written_in_its_register_and_at_most_one_recorder():
    """A built-in claim's id, as a string of its own, is the first argument of its ``@register(...)``, and
    otherwise only of ``Recorder("<id>")`` in the public function that checks an explicit instance."""
    ours = {cid for cid, c in registry.items() if c.check.__module__.startswith("otcheck.claims.")}
    uses = [
        (path.name, value, role)
        for path in _claims_sources()
        for value, role in _string_uses(ast.parse(path.read_text(encoding="utf-8")), ours)
    ]
    for cid in sorted(ours):
        assert [name for name, value, role in uses if value == cid and role == "register"], cid
        assert len([1 for _, value, role in uses if value == cid and role == "register"]) == 1, cid
    stray = [(name, value, role) for name, value, role in uses if role not in ("register", "Recorder", "__all__")]
    assert not stray, f"claim ids written outside register(...) and Recorder(...): {stray}"
