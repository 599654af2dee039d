"""otcheck.claims._registry: Claim, register and the registry; every built-in claim compares two bounds and
writes its id once."""

import ast
import json
import re
from pathlib import Path

import pytest

import otcheck.claims
from otcheck.claims import UNDECIDED, Evidence, register, registry, verify


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
