"""The exploration notebook runs top to bottom in a fresh kernel and shows what it claims to show.

The kernel is this interpreter (``sys.executable -m ipykernel_launcher``) through a kernelspec
written to a temporary directory, so the test does not depend on which ``python`` an installed
``python3`` kernelspec would find on ``PATH``.
"""

import json
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "explore.ipynb"
KERNEL = "otcheck-test-python"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    kernels = tmp_path_factory.mktemp("kernels")
    spec = kernels / KERNEL
    spec.mkdir()
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "otcheck test kernel",
                "language": "python",
            }
        )
    )
    km = KernelManager(kernel_name=KERNEL, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb,
        km=km,
        timeout=120,
        kernel_name=KERNEL,
        allow_errors=True,
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()
    return nb


def _errors(cell):
    return [f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error"]


def _text(cell):
    assert not _errors(cell), _errors(cell)
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def _cell(nb, needle):
    found = [c for c in nb.cells if c.cell_type == "code" and needle in c.source]
    assert len(found) == 1, needle
    return found[0]


def test_notebook_is_valid_and_matches_its_generator():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    sys.path.insert(0, str(NOTEBOOK.parent))
    try:
        from make_explore import build
    finally:
        sys.path.remove(str(NOTEBOOK.parent))
    assert [c.source for c in build().cells] == [c.source for c in nb.cells], (
        "explore.ipynb is stale: run python notebooks/make_explore.py"
    )


def test_every_cell_runs_without_error(executed):
    failed = {i: _errors(c) for i, c in enumerate(executed.cells) if c.cell_type == "code" and _errors(c)}
    assert not failed, f"cells raised: {failed}"
    assert all(c.execution_count for c in executed.cells if c.cell_type == "code")


def test_certified_ot_cell(executed):
    out = _text(_cell(executed, "otcheck.solve_ot(a, b, C)"))
    assert "certified: True" in out
    assert float(out.splitlines()[0]) == pytest.approx(0.2 * 0.0 + 0.3 * 1.0 + 0.5 * 0.0)


def test_theorem1_cell(executed):
    out = _text(_cell(executed, "theorem 1 holds"))
    assert "P_G has 3 atoms for 4 codes" in out
    assert "theorem 1 holds: True" in out


def test_figure_cells_display_images(executed):
    for needle in ("fig_theorem1", "fig_relaxation_path"):
        cell = _cell(executed, needle)
        assert any("image/png" in o.get("data", {}) for o in cell.outputs), needle


def test_claims_cell(executed):
    out = _text(_cell(executed, "otcheck.verify("))
    for cid in ("kr-duality", "theorem1", "relaxation-bound"):
        assert cid in out
    assert "all asserted claims hold: True" in out
