"""Wall time of the notebooks, of ``otcheck figures`` and of the docs build, against their targets.

Run: ``python benchmarks/bench_notebooks.py [--skip-docs]``. Prints

* each notebook of ``notebooks/`` executed top to bottom in a fresh kernel (nbclient, the
  ``python3`` kernel of this interpreter's environment), against the 2-minute target of issue 12
  (the test suite aims at under 30 s each);
* ``python -m otcheck figures --format pdf --width single`` (every figure and its data file) in a
  fresh process;
* ``sphinx-build -W -E`` of the docs given the executed notebooks, as the test suite builds them
  (the notebooks are not executed again; sphinx-gallery re-runs only the examples that changed
  since its last run in ``docs/auto_examples``, all of them on a fresh clone).

Timings are measured in this run on this machine; no number is hard-coded.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_TARGET_S = 120.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-docs", action="store_true", help="do not build the docs")
    args = parser.parse_args(argv)
    import nbformat
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory() as tmp:
        executed = Path(tmp) / "executed"
        executed.mkdir()
        total = 0.0
        for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            start = time.perf_counter()
            NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": tmp}}).execute()
            seconds = time.perf_counter() - start
            total += seconds
            nbformat.write(nb, executed / path.name)
            verdict = "ok" if seconds < NOTEBOOK_TARGET_S else "OVER TARGET"
            print(f"{path.name:32s} {seconds:7.1f} s  (target {NOTEBOOK_TARGET_S:.0f} s: {verdict})")
        print(f"{'all notebooks':32s} {total:7.1f} s")

        start = time.perf_counter()
        cmd = [sys.executable, "-m", "otcheck", "figures", "--format", "pdf", "--width", "single", "--out", tmp]
        subprocess.run(cmd, check=True, capture_output=True)
        print(f"{'otcheck figures (pdf, single)':32s} {time.perf_counter() - start:7.1f} s")

        if not args.skip_docs:
            env = dict(os.environ, OTCHECK_EXECUTED_NOTEBOOKS=str(executed), MPLBACKEND="Agg")
            start = time.perf_counter()
            cmd = [
                sys.executable,
                "-m",
                "sphinx",
                "-W",
                "-q",
                "-E",
                "-b",
                "html",
                str(ROOT / "docs"),
                str(Path(tmp) / "html"),
            ]
            subprocess.run(cmd, check=True, capture_output=True, env=env)
            print(f"{'sphinx-build -W (docs)':32s} {time.perf_counter() - start:7.1f} s")


if __name__ == "__main__":
    main()
