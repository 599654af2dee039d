"""``import otcheck`` and ``otcheck verify`` need only the core dependencies; the optional ones
(torch, matplotlib, scikit-learn) are loaded when used and named when missing."""

import subprocess
import sys
import textwrap

import pytest

# A meta-path finder that refuses the optional packages, as if they were not installed (setting
# sys.modules[name] = None instead breaks scipy, whose array-API helper reads sys.modules["torch"]).
BLOCK = textwrap.dedent("""
    import sys
    BLOCKED = ("torch", "matplotlib", "sklearn")

    class _Missing:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"No module named {name!r} (blocked by the test)")
            return None

    sys.meta_path.insert(0, _Missing())
""")


def _run(code):
    return subprocess.run(
        [sys.executable, "-c", BLOCK + textwrap.dedent(code)], capture_output=True, text=True, timeout=300
    )


def test_import_and_verify_without_torch_matplotlib_or_sklearn():
    proc = _run("""
        import otcheck
        report = otcheck.verify()
        assert report.ok, report.to_table()
        assert len(report.evidence) >= 29
        assert not [m for m in sys.modules if m.split(".")[0] in BLOCKED]  # nothing loaded them
        print('ok', len(report.evidence))
    """)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.startswith("ok")


def test_cli_verify_runs_without_the_optional_dependencies():
    proc = _run("""
        from otcheck.cli import main
        sys.exit(main(["verify", "theorem1", "kr-duality", "--quiet"]))
    """)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "holds" in proc.stdout


@pytest.mark.parametrize(
    "code, message",
    [
        (
            "import otcheck.models",
            r"otcheck.models needs torch, which is not installed: pip install 'otcheck\[models\]'",
        ),
        (
            "from otcheck.figures import fig_theorem1; fig_theorem1()",
            r"otcheck.figures needs matplotlib, which is not installed: pip install 'otcheck\[figures\]'",
        ),
    ],
)
def test_a_missing_extra_is_named(code, message):
    import re

    proc = _run(code)
    assert proc.returncode != 0
    assert re.search(message, proc.stderr), proc.stderr[-2000:]
