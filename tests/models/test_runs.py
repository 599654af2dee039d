"""Run directories never lose work (issue 10, section 1): one test per case found."""

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import warnings

import pytest
import torch

from otcheck.models import TrainConfig, TrainingDiverged, load_checkpoint, train
from otcheck.models.cli import add_subcommands
from otcheck.models.evaluate import evaluate_checkpoint
from otcheck.models.runs import (
    RunError,
    RunExistsError,
    RunLock,
    RunLockedError,
    UnfinishedRunWarning,
    atomic_write_text,
    read_status,
)


@pytest.fixture(autouse=True)
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def tiny(model="pot", steps=20, **kw):
    base = dict(width=16, depth=1, n_train=256, n_test=128, batch_size=32, eval_size=32, device="cpu", eval_every=5)
    base.update(kw)
    return TrainConfig(model, "moons", steps=steps, **base)


def _weights(path):
    return torch.load(path / "model.pt", weights_only=True)["model"]


def _same(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _cli(argv):
    parser = argparse.ArgumentParser(prog="otcheck")
    add_subcommands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def _train_argv(out, *extra, seed=0, steps=10):
    return ["train", "pot", "--data", "moons", "--steps", str(steps), "--seed", str(seed), "--out", str(out)] + [
        "--device",
        "cpu",
        "--quiet",
        "--width",
        "16",
        "--batch-size",
        "32",
        *extra,
    ]


# -- never overwritten ---------------------------------------------------------------------------


def test_rerun_into_a_finished_run_is_refused_and_overwrite_replaces_it(tmp_path, capsys):
    out = tmp_path / "run"
    assert _cli(_train_argv(out)) == 0
    before = (out / "model.pt").read_bytes(), (out / "metrics.json").read_text()
    assert _cli(_train_argv(out, seed=1)) == 2
    err = capsys.readouterr().err
    assert str(out) in err and "--overwrite" in err and "--resume" in err and "finished" in err
    assert ((out / "model.pt").read_bytes(), (out / "metrics.json").read_text()) == before
    with pytest.raises(RunExistsError):
        train(tiny(steps=10), out=out, quiet=True)
    assert _cli(_train_argv(out, "--overwrite", seed=1)) == 0
    assert json.loads((out / "config.json").read_text())["seed"] == 1
    assert (out / "model.pt").read_bytes() != before[0]


def test_a_stopped_rerun_does_not_leave_an_ok_step0_model(tmp_path, monkeypatch):
    """Stopping a rerun (--overwrite) leaves a run marked stopped, never 'finished' or 'ok'."""
    from otcheck.models import objectives

    out = tmp_path / "run"
    train(tiny(steps=10), out=out, quiet=True)

    def interrupted(self, x, generator=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(objectives.POT, "generator_loss", interrupted)
    with pytest.raises(KeyboardInterrupt):
        train(tiny(steps=10, seed=1), out=out, quiet=True, overwrite=True)
    st = read_status(out)
    assert st.status == "stopped" and st.step == 0
    assert json.loads((out / "metrics.json").read_text())["status"] == "stopped"
    with pytest.warns(UnfinishedRunWarning, match="stopped at step 0"):
        evaluate_checkpoint(out, n=16, repeats=2)


def test_empty_out_is_refused_not_the_default(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert _cli(_train_argv("")) == 2
    assert "empty path" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()


def test_out_is_a_file_and_unwritable_directories_name_the_path(tmp_path, monkeypatch, capsys):
    f = tmp_path / "afile"
    f.write_text("x")
    assert _cli(_train_argv(f)) == 2
    assert f"{f} exists and is not a directory" in capsys.readouterr().err
    assert _cli(_train_argv(f / "sub")) == 2
    assert str(f / "sub") in capsys.readouterr().err
    import tempfile

    def denied(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    assert _cli(_train_argv(tmp_path / "ro")) == 2
    err = capsys.readouterr().err
    assert "Permission denied" in err and str(tmp_path / "ro") in err and "Traceback" not in err


def test_huge_seed_is_a_clear_error(capsys, tmp_path):
    assert _cli(_train_argv(tmp_path / "s", seed=2**64 + 1)) == 2
    assert "seed: expected an integer in [0, 2^62)" in capsys.readouterr().err


# -- concurrent writers and the lock -------------------------------------------------------------


def test_a_second_writer_is_refused_while_the_lock_is_held(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    with RunLock(out):
        with pytest.raises(RunLockedError, match=f"{out} is being written by another process .*pid {os.getpid()}"):
            train(tiny(steps=5), out=out, quiet=True)
    assert not (out / "model.pt").exists()


def test_four_concurrent_trains_into_one_directory_leave_one_consistent_run(tmp_path):
    out = tmp_path / "run"
    outcomes = {}

    def go(seed):
        try:
            train(tiny(steps=40, seed=seed), out=out, quiet=True)
            outcomes[seed] = "ok"
        except (RunLockedError, RunExistsError) as exc:
            outcomes[seed] = type(exc).__name__

    threads = [threading.Thread(target=go, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == [0, 1, 2, 3]
    winners = [s for s, o in outcomes.items() if o == "ok"]
    assert len(winners) == 1, outcomes  # every loser was told, none crashed
    ck = load_checkpoint(out)  # config hash matches the weights: one seed's model and config
    assert ck.config.seed == winners[0] and ck.status.finished
    assert _same(ck.model.state_dict(), train(tiny(steps=40, seed=winners[0]), quiet=True).model.state_dict())
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]


def test_a_lock_file_left_by_a_dead_process_is_stale(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (out / ".lock").write_text(json.dumps({"pid": int(proc.stdout), "host": "x"}))
    lock = RunLock(out).acquire()
    assert lock.stale == {"pid": int(proc.stdout), "host": "x"}
    lock.release()
    (out / ".lock").write_text(json.dumps({"pid": int(proc.stdout), "host": "x"}))
    train(tiny(steps=5), out=out, quiet=True)
    assert read_status(out).finished


# -- statuses, divergence, evaluate's warnings ----------------------------------------------------


def test_a_killed_run_reads_as_stopped_and_evaluate_warns(tmp_path):
    out = tmp_path / "run"
    train(tiny(steps=10), out=out, quiet=True)
    meta = json.loads((out / "metrics.json").read_text())
    meta.update(status="running", step=5)  # what a process killed at step 5..9 leaves
    (out / "metrics.json").write_text(json.dumps(meta))
    st = read_status(out)
    assert st.status == "stopped" and "process is gone" in st.detail
    with pytest.warns(UnfinishedRunWarning, match="not finished: stopped at step 5 of 10"):
        evaluate_checkpoint(out, n=16, repeats=2)
    with RunLock(out):  # a live writer: running
        assert read_status(out).status == "running"


def test_divergence_is_recorded_warned_and_cleared_by_a_later_good_run(tmp_path, capsys):
    out = tmp_path / "x"
    with pytest.raises(TrainingDiverged):
        train(tiny("wae-mmd", steps=200, lr=1e4, eval_every=1, max_loss=1e4), out=out, quiet=True)
    st = read_status(out)
    assert st.status == "diverged" and "diverged at step" in st.detail
    assert _cli(["evaluate", str(out), "--n", "16", "--repeats", "2"]) == 0
    captured = capsys.readouterr()
    assert "warning" in captured.err and f"run {out}: diverged; kept step" in captured.out
    with pytest.raises(RunError, match="diverged run cannot be resumed"):
        train(tiny("wae-mmd", steps=200, lr=1e4, eval_every=1, max_loss=1e4), out=out, quiet=True, resume=True)
    train(tiny("wae-mmd", steps=10), out=out, quiet=True, overwrite=True)
    assert not (out / "divergence.json").exists() and read_status(out).finished
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnfinishedRunWarning)
        evaluate_checkpoint(out, n=16, repeats=2)


# -- atomic files, hashes, broken files -----------------------------------------------------------


def test_a_failed_replace_keeps_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    p = tmp_path / "f.json"
    atomic_write_text(p, "old")

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match=f"cannot write {p}: No space left"):
        atomic_write_text(p, "new")
    assert p.read_text() == "old" and [q.name for q in tmp_path.iterdir()] == ["f.json"]


def test_an_atomic_write_follows_links_and_never_replaces_a_device(tmp_path):
    """Found by an attack: `otcheck sweep --table /dev/full` replaced the device with a regular file and
    reported success, and a table path that was a symbolic link lost its link."""
    import stat

    target = tmp_path / "target.csv"
    target.write_text("ORIGINAL")
    os.chmod(target, 0o640)
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    atomic_write_text(link, "new")
    assert link.is_symlink() and target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # a replaced file keeps its permissions
    fresh, ref = tmp_path / "fresh.csv", tmp_path / "ref"
    atomic_write_text(fresh, "x")
    ref.write_text("x")
    assert stat.S_IMODE(fresh.stat().st_mode) == stat.S_IMODE(ref.stat().st_mode)  # as open() makes it, not 0600
    atomic_write_text("/dev/null", "discarded")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    if os.path.exists("/dev/full"):
        with pytest.raises(OSError, match="cannot write /dev/full: No space left"):
            atomic_write_text("/dev/full", "x")
        assert stat.S_ISCHR(os.stat("/dev/full").st_mode)
    (tmp_path / "d").mkdir()
    with pytest.raises(OSError, match="cannot write .*d: Is a directory"):
        atomic_write_text(tmp_path / "d", "x")
    assert sorted(q.name for q in tmp_path.iterdir()) == ["d", "fresh.csv", "link.csv", "ref", "target.csv"]


def test_an_edited_config_is_refused(tmp_path, capsys):
    out = tmp_path / "run"
    train(tiny(steps=5), out=out, quiet=True)
    cfg = json.loads((out / "config.json").read_text())
    for key, value in (("seed", 3), ("n_train", 100), ("data", "ring")):
        edited = {**cfg, key: value}
        (out / "config.json").write_text(json.dumps(edited))
        assert _cli(["evaluate", str(out), "--n", "16", "--repeats", "2"]) == 2
        err = capsys.readouterr().err
        assert f"{out / 'config.json'}: edited after training" in err, key
    (out / "config.json").write_text(json.dumps(cfg))
    assert _cli(["evaluate", str(out), "--n", "16", "--repeats", "2"]) == 0


@pytest.mark.parametrize(
    "damage",
    ["truncate", "garbage", "empty"],
)
def test_a_broken_model_file_is_named(tmp_path, capsys, damage):
    out = tmp_path / "run"
    train(tiny(steps=5), out=out, quiet=True)
    data = (out / "model.pt").read_bytes()
    (out / "model.pt").write_bytes(
        {"truncate": data[: len(data) // 2], "garbage": b"\x00junk" * 50, "empty": b""}[damage]
    )
    assert _cli(["evaluate", str(out), "--n", "16", "--repeats", "2"]) == 2
    err = capsys.readouterr().err
    assert f"{out / 'model.pt'}: not a readable checkpoint" in err and "Traceback" not in err


def test_weights_of_another_size_are_named(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    train(tiny(steps=5), out=a, quiet=True)
    train(tiny(steps=5, width=8), out=b, quiet=True)
    ck = torch.load(b / "model.pt", weights_only=True)
    ck["config_hash"] = tiny(steps=5).hash()  # a model.pt of width 8 claiming a's config
    torch.save(ck, a / "model.pt")
    with pytest.raises(RunError, match=r"model.pt: its weights do not fit the model of .*config.json: .*size mismatch"):
        load_checkpoint(a)


def test_broken_json_is_named_with_its_line(tmp_path, capsys):
    out = tmp_path / "run"
    train(tiny(steps=5), out=out, quiet=True)
    (out / "config.json").write_text('{"model": "pot",\n  "data": ')
    assert _cli(["evaluate", str(out), "--n", "16", "--repeats", "2"]) == 2
    assert f"{out / 'config.json'}: broken JSON at line 2" in capsys.readouterr().err
    (out / "config.json").unlink()
    assert _cli(["evaluate", str(out)]) == 2
    assert "has no config.json" in capsys.readouterr().err


def test_evaluate_json_to_an_unwritable_path_is_named(tmp_path, capsys):
    out = tmp_path / "run"
    train(tiny(steps=5), out=out, quiet=True)
    bad = tmp_path / "nodir" / "e.json"
    assert _cli(["evaluate", str(out), "--n", "16", "--repeats", "2", "--json", str(bad)]) == 2
    assert f"--json: cannot write {bad}" in capsys.readouterr().err


# -- resume ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["pot", "wgan-gp", "wae-mmd"])
def test_an_interrupted_run_resumed_equals_the_uninterrupted_one_bitwise(tmp_path, monkeypatch, model):
    from otcheck.models import objectives

    cfg = tiny(model, steps=20, lr_final=1e-4)  # a scheduler too
    ref = train(cfg, quiet=True)
    out = tmp_path / "run"
    cls = type(ref.model)
    real = cls.generator_loss
    calls = {"n": 0}

    def stop_at_13(self, x, generator=None):
        calls["n"] += 1
        if calls["n"] == 13:
            raise KeyboardInterrupt
        return real(self, x, generator)

    monkeypatch.setattr(cls, "generator_loss", stop_at_13)
    with pytest.raises(KeyboardInterrupt):
        train(cfg, out=out, quiet=True)
    monkeypatch.setattr(cls, "generator_loss", real)
    assert read_status(out).status == "stopped" and read_status(out).step == 10
    with pytest.raises(RunExistsError):
        train(cfg, out=out, quiet=True)
    with pytest.raises(RunError, match="resume: the options differ .* in lr"):
        train(tiny(model, steps=20, lr_final=1e-4, lr=2e-3), out=out, quiet=True, resume=True)
    res = train(cfg, out=out, quiet=True, resume=True)
    assert _same(res.model.state_dict(), ref.model.state_dict())
    strip = [{k: v for k, v in h.items() if k != "seconds"} for h in ref.history]
    assert [{k: v for k, v in h.items() if k != "seconds"} for h in res.history] == strip
    assert read_status(out).finished and objectives is not None
    again = train(cfg, out=out, quiet=True, resume=True)  # finished: returned as it is
    assert _same(again.model.state_dict(), ref.model.state_dict())


def test_a_killed_process_resumed_with_the_cli_equals_the_uninterrupted_run(tmp_path):
    out = tmp_path / "run"
    argv = _train_argv(out, "--eval-every", "20", "--threads", "1", steps=400)
    code = "import sys; from otcheck.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen([sys.executable, "-c", code, *argv], start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                step = json.loads((out / "metrics.json").read_text())["step"]
            except (OSError, ValueError, KeyError):
                step = 0
            if step >= 40:
                break
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    st = read_status(out)
    assert st.status == "stopped" and 40 <= st.step < 400, st
    assert _cli(_train_argv(out, "--eval-every", "20", "--threads", "1", "--resume", steps=400)) == 0
    cfg = TrainConfig(
        "pot", "moons", steps=400, seed=0, width=16, batch_size=32, device="cpu", eval_every=20, threads=1
    )
    ref = train(cfg, quiet=True)
    assert _same(_weights(out), ref.model.state_dict())
