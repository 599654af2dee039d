"""``otcheck sweep`` (issue 10, section 2): local workers, a Dask LocalCluster, a killed sweep resumed."""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from otcheck.models.cli import add_subcommands
from otcheck.models.runs import RunError, read_status
from otcheck.models.sweep import SweepSpec, run_name, run_sweep, summarize

TRAIN = {"steps": 100, "width": 16, "depth": 1, "n_train": 256, "n_test": 128, "batch_size": 32}
TRAIN.update(eval_every=100, eval_size=32, device="cpu")
EVAL = {"n": 32, "repeats": 2}


def spec():
    return SweepSpec({"model": ["pot"], "data": ["moons"], "lam": [1.0, 10.0], "seed": [0, 1]}, TRAIN, EVAL)


def _mtimes(store):
    return {p.parent.name: p.stat().st_mtime_ns for p in store.glob("*/model.pt")}


def _weights(d):
    return torch.load(d / "model.pt", weights_only=True)["model"]


def test_spec_validates_and_orders_the_grid():
    configs = spec().configs()
    assert [(c.lam, c.seed) for c in configs] == [(1.0, 0), (1.0, 1), (10.0, 0), (10.0, 1)]
    assert len({run_name(c) for c in configs}) == 4
    with pytest.raises(ValueError, match="unknown axes"):
        SweepSpec({"model": ["pot"], "data": ["moons"], "beta": [1]})
    with pytest.raises(ValueError, match="lam=-1"):
        SweepSpec({"model": ["pot"], "data": ["moons"], "lam": [-1.0]})
    with pytest.raises(ValueError, match="grid axes"):
        SweepSpec({"model": ["pot"], "data": ["moons"]}, {"seed": 3})


def test_grid_files_toml_and_yaml(tmp_path):
    toml = tmp_path / "g.toml"
    toml.write_text(
        'model = "pot"\ndata = ["moons"]\nlam = [1, 10]\nseed = [0, 1]\n[train]\nsteps = 7\n[evaluate]\nn = 16\n'
    )
    s = SweepSpec.from_file(toml)
    assert [(c.lam, c.seed, c.steps) for c in s.configs()][-1] == (10.0, 1, 7) and s.evaluate == {"n": 16}
    yml = tmp_path / "g.yaml"
    yml.write_text("model: [pot]\ndata: moons\nlam: [1, 10]\nseed: [0, 1]\ntrain: {steps: 7}\n")
    assert [c.to_dict() for c in SweepSpec.from_file(yml).configs()] == [c.to_dict() for c in s.configs()]
    (tmp_path / "bad.toml").write_text("model = [")
    with pytest.raises(RunError, match="bad.toml: broken TOML"):
        SweepSpec.from_file(tmp_path / "bad.toml")
    (tmp_path / "g.txt").write_text("")
    with pytest.raises(RunError, match="g.txt: a grid file is .toml, .yaml or .yml"):
        SweepSpec.from_file(tmp_path / "g.txt")


def test_local_workers_and_dask_local_cluster_give_the_same_runs_and_skip_finished_ones(tmp_path):
    local, dask_store = tmp_path / "local", tmp_path / "dask"
    res = run_sweep(spec(), local, workers=2, progress=False)
    assert res.ok and res.executed == 4 and len(res.rows) == 4
    assert [s["seeds"] for s in res.summary] == [2, 2]
    for s in res.summary:
        assert s["w_c_low"] < s["w_c"] < s["w_c_high"]
    for f in ("results.csv", "summary.csv", "results.json", "summary.json"):
        assert (local / f).is_file()
    assert len(json.loads((local / "results.json").read_text())) == 4
    before = _mtimes(local)
    again = run_sweep(spec(), local, workers=2, progress=False)
    assert again.executed == 0 and all(r["cached"] for r in again.rows) and _mtimes(local) == before
    assert [r["w_c"] for r in again.rows] == [r["w_c"] for r in res.rows]

    pytest.importorskip("distributed", reason="the Dask test needs distributed (the test extra installs it)")
    dres = run_sweep(spec(), dask_store, workers=2, dask="local", progress=False)
    assert dres.ok and dres.executed == 4
    # same seeds: the same runs on Dask, bit for bit. The Dask workers are processes with one thread
    # each, as the local workers are (thread-mode workers shared this process's BLAS/OpenMP pool,
    # whose thread count changed summation orders: equal to 1e-4 only, and flaky under load)
    for r in res.rows:
        a, b = _weights(local / r["run"]), _weights(dask_store / r["run"])
        assert all(torch.equal(a[k], b[k]) for k in a)
    assert [r["w_c"] for r in dres.rows] == [r["w_c"] for r in res.rows]


def test_a_killed_sweep_rerun_finishes_only_the_missing_runs(tmp_path):
    store = tmp_path / "store"
    grid = tmp_path / "g.toml"
    # longer runs, checkpointed every 20 steps, so the kill lands mid-run
    grid.write_text(
        'model = "pot"\ndata = "moons"\nlam = [1.0, 10.0]\nseed = [0, 1]\n[train]\nsteps = 400\nwidth = 16\n'
        "depth = 1\nn_train = 256\nn_test = 128\nbatch_size = 32\neval_every = 20\neval_size = 32\n"
        'device = "cpu"\n[evaluate]\nn = 32\nrepeats = 2\n'
    )
    code = "import sys; from otcheck.cli import main; sys.exit(main(sys.argv[1:]))"
    argv = ["sweep", "--grid", str(grid), "--store", str(store), "--workers", "1", "--quiet"]
    proc = subprocess.Popen([sys.executable, "-c", code, *argv], start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            done = list(store.glob("*/evaluation.json"))
            partial = [
                d for d in store.glob("*/metrics.json") if d.parent.joinpath("evaluation.json").exists() is False
            ]
            steps = [json.loads(p.read_text()).get("step", 0) for p in partial if p.stat().st_size]
            if done and any(s >= 40 for s in steps):
                break
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    finished = {p.parent.name for p in store.glob("*/evaluation.json")}
    stopped = {d.name: read_status(d) for d in store.iterdir() if d.is_dir() and d.name not in finished}
    assert 1 <= len(finished) < 4, finished
    assert any(st.status == "stopped" and st.step >= 40 for st in stopped.values()), stopped
    before = _mtimes(store)
    s = SweepSpec.from_file(grid)
    res = run_sweep(s, store, workers=1, progress=False)
    assert res.ok and res.executed == 4 - len(finished)
    assert {r["run"] for r in res.rows if r["cached"]} == finished
    after = _mtimes(store)
    assert all(after[n] == before[n] for n in finished)  # finished runs untouched
    for name, st in stopped.items():  # a stopped run was resumed, and equals an uninterrupted one
        if st.step >= 40:
            from otcheck.models import train
            from otcheck.models.train import TrainConfig

            cfg = TrainConfig.from_dict(json.loads((store / name / "config.json").read_text()))
            ref = train(cfg, quiet=True).model.state_dict()
            got = _weights(store / name)
            assert all(torch.equal(ref[k], got[k]) for k in ref)
            break


def test_cli_sweep_flags_and_table(tmp_path, capsys):
    parser = argparse.ArgumentParser(prog="otcheck")
    add_subcommands(parser.add_subparsers(dest="command"))
    table = tmp_path / "t.json"
    argv = ["sweep", "--model", "wae-mmd", "--data", "moons", "--seed", "0..1", "--steps", "20", "--width", "8"]
    argv += ["--n", "16", "--repeats", "2", "--store", str(tmp_path / "s"), "--workers", "1", "--quiet"]
    args = parser.parse_args(argv + ["--table", str(table)])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "2 run now, 0 already finished" in out and "(2 seeds)" in out
    assert json.loads(table.read_text())[0]["seeds"] == 2
    args = parser.parse_args(["sweep", "--data", "moons", "--store", str(tmp_path / "s")])
    assert args.func(args) == 2
    assert "--model" in capsys.readouterr().err


def test_summary_intervals_over_seeds():
    rows = [
        {"model": "pot", "data": "ring", "lam": 1.0, "sigma2": 1.0, "seed": s, "status": "finished", "w_c": v}
        for s, v in enumerate([1.0, 1.5, 2.0, 2.5])
    ]
    rows.append({"model": "pot", "data": "ring", "lam": 1.0, "sigma2": 1.0, "seed": 9, "status": "diverged"})
    (s,) = summarize(rows)
    assert s["seeds"] == 4 and s["w_c"] == pytest.approx(1.75)
    half = s["w_c_high"] - s["w_c"]
    from scipy import stats

    assert half == pytest.approx(stats.t.ppf(0.975, 3) * np.std([1.0, 1.5, 2.0, 2.5], ddof=1) / 2)


def test_run_point_resets_the_malloc_thresholds_only_where_dask_set_the_trim_threshold():
    """Dask's MALLOC_TRIM_THRESHOLD_=65536 makes every torch allocation >= 128 KiB a fresh mmap (1.5x
    slower training); run_point resets glibc's thresholds in such a process, and only there."""
    code = (
        "import sys; from otcheck.models import sweep; "
        "first = sweep._malloc_for_training(); again = sweep._malloc_for_training(); "
        "print(first, again)"
    )
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_TRIM_THRESHOLD_"}
    plain = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert plain.stdout.split() == ["False", "False"]
    dask_like = subprocess.run(
        [sys.executable, "-c", code], env={**env, "MALLOC_TRIM_THRESHOLD_": "65536"}, capture_output=True, text=True
    )
    expected = ["True", "False"] if sys.platform.startswith("linux") else ["False", "False"]
    assert dask_like.returncode == 0 and dask_like.stdout.split() == expected, dask_like.stderr
