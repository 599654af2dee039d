"""``import otcheck`` is lazy (PEP 562): it and the pytest plugin import nothing heavy, every public
name is imported from its module on first access, and the ``TYPE_CHECKING`` imports that mypy and
IDEs read name exactly what ``otcheck.__getattr__`` imports.

What a module loads is checked in a fresh interpreter (this one has imported everything already).
"""

import ast
import importlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import otcheck

INIT = Path(otcheck.__file__)

#: Loaded by neither ``import otcheck`` nor ``import otcheck.pytest_plugin``.
HEAVY = ("numpy", "scipy", "ot", "cvxpy", "torch", "clarabel", "highspy", "hypothesis", "tqdm", "matplotlib", "sklearn")

#: The public API of the top level (as before the package became lazy).
PUBLIC = [
    "Bound",
    "DiscreteMeasure",
    "cost_matrix",
    "solve_ot",
    "certify",
    "certify_exact",
    "solve_ot_1d",
    "wasserstein",
    "Certificate",
    "OTResult",
    "UncertifiedError",
    "ExactCertificateError",
    "verify",
]


def _loaded_after(code):
    """Run ``code`` in a fresh interpreter; the otcheck and heavy modules loaded then, and what it printed."""
    script = textwrap.dedent(code) + textwrap.dedent(f"""
        import json as _json, sys as _sys
        _names = sorted(m for m in _sys.modules if m.split(".")[0] in {("otcheck", *HEAVY)!r})
        print("LOADED", _json.dumps(_names))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    head, _, loaded = proc.stdout.rpartition("LOADED ")
    return json.loads(loaded), head


@pytest.mark.parametrize("statement", ["import otcheck", "import otcheck.pytest_plugin", "from otcheck import verify"])
def test_the_package_and_the_plugin_import_nothing_heavy(statement):
    loaded, _ = _loaded_after(statement)
    assert [m for m in loaded if not m.startswith("otcheck")] == []
    assert set(loaded) <= {"otcheck", "otcheck.pytest_plugin"}, loaded


def test_dir_lists_the_public_names_without_importing_them():
    loaded, out = _loaded_after("""
        import otcheck
        print(sorted(set(otcheck.__all__) - set(dir(otcheck))), {"exact", "bounds"} <= set(dir(otcheck)))
    """)
    assert out.strip() == "[] True"
    assert loaded == ["otcheck"]  # dir() imported nothing


def test_a_name_imports_only_its_own_module():
    loaded, _ = _loaded_after("from otcheck import Bound")
    assert "otcheck.bounds" in loaded
    assert "otcheck.exact" not in loaded and "scipy" not in loaded


def test_a_submodule_import_otcheck_used_to_bind_is_still_an_attribute():
    loaded, out = _loaded_after("""
        import otcheck
        print(otcheck.exact.solve_ot.__name__)
    """)
    assert out.strip() == "solve_ot"
    assert "otcheck.exact" in loaded and "otcheck.claims" not in loaded


def test_the_public_names_are_unchanged():
    assert otcheck.__all__ == PUBLIC
    assert sorted(otcheck.__all__) == sorted(set(otcheck.__all__))


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_is_the_object_of_its_module(name):
    value = getattr(otcheck, name)
    if name == "verify":
        assert callable(value) and value.__module__ == "otcheck"
        return
    module = importlib.import_module(f"otcheck.{otcheck._LAZY[name]}")
    assert value is getattr(module, name)
    assert name in module.__all__  # re-exported from where it is public
    assert vars(otcheck)[name] is value  # cached: the next lookup does not call __getattr__


def test_star_import_and_from_import_in_a_fresh_interpreter():
    _, out = _loaded_after("""
        import importlib
        import otcheck
        from otcheck import *  # noqa: F403
        ns = dict(globals())
        missing = [n for n in otcheck.__all__ if n not in ns]
        wrong = [n for n, m in otcheck._LAZY.items()
                 if ns[n] is not getattr(importlib.import_module("otcheck." + m), n)]
        from otcheck import claims  # a submodule that __getattr__ does not know
        print(missing, wrong, claims.__name__)
    """)
    assert out.strip() == "[] [] otcheck.claims"


def test_an_unknown_name_is_an_attribute_error():
    assert not hasattr(otcheck, "no_such_name")
    with pytest.raises(AttributeError, match="module 'otcheck' has no attribute 'no_such_name'"):
        _ = otcheck.no_such_name
    with pytest.raises(ImportError, match="no_such_name"):
        exec("from otcheck import no_such_name", {})


def _type_checking_reexports():
    """``{name: module}`` and the submodules of the ``X as X`` imports under ``if TYPE_CHECKING:``."""
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    (block,) = [
        node
        for node in tree.body
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
    ]
    names, submodules = {}, set()
    for node in block.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            for alias in node.names:
                if alias.asname != alias.name:
                    continue  # imported for annotations only (Report), not re-exported
                if node.module is None:
                    submodules.add(alias.name)
                else:
                    names[alias.name] = node.module
    return names, submodules


def test_the_type_checking_imports_match_the_lazy_ones():
    names, submodules = _type_checking_reexports()
    assert names == otcheck._LAZY
    assert submodules == set(otcheck._SUBMODULES)
    assert list(names) and set(names) | {"verify"} == set(otcheck.__all__)


def test_the_ast_check_would_see_a_drift(tmp_path, monkeypatch):
    """The check above fails when the ``TYPE_CHECKING`` block and ``_LAZY`` disagree."""
    text = INIT.read_text(encoding="utf-8").replace(
        "from .costs import cost_matrix as cost_matrix", "from .costs import cost_matrix"
    )
    assert text != INIT.read_text(encoding="utf-8")
    (tmp_path / "__init__.py").write_text(text, encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "INIT", tmp_path / "__init__.py")
    names, _ = _type_checking_reexports()
    assert "cost_matrix" not in names and names != otcheck._LAZY


def test_mypy_sees_the_real_types(tmp_path):
    """For mypy a lazy name has its own type, not the ``object`` of ``__getattr__``."""
    pytest.importorskip("mypy")
    probe = tmp_path / "probe.py"
    probe.write_text("import otcheck\nreveal_type(otcheck.solve_ot)\nreveal_type(otcheck.exact.Certificate)\n")
    proc = subprocess.run(  # from the repository root, where mypy finds otcheck (not the editable finder)
        [sys.executable, "-m", "mypy", "--no-error-summary", str(probe)],
        cwd=INIT.parents[1],
        capture_output=True,
        text=True,
        timeout=600,
    )
    revealed = [ln for ln in proc.stdout.splitlines() if "Revealed type" in ln]
    assert len(revealed) == 2, proc.stdout + proc.stderr
    assert "def (" in revealed[0] and "OTResult" in revealed[0], revealed[0]
    assert "otcheck.exact.result.Certificate" in revealed[1], revealed[1]
