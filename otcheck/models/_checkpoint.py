"""Checkpoints of a training run: the writer of a run directory's ``model.pt`` and ``metrics.json``
under its lock, the preparation of ``out`` (overwrite, resume), reading ``config.json`` and
``model.pt`` back, restoring the training state of a stopped run, and :func:`load_checkpoint`.

Private: :class:`Checkpoint` and :func:`load_checkpoint` are public in :mod:`otcheck.models.train`,
which re-exports them; :func:`otcheck.models.train.train` uses the rest.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import cast

import torch

from ._config import TrainConfig, TrainConfigDict, _make_model, resolve_device
from .objectives import GenerativeModel
from .runs import (
    RUN_FILES,
    RunError,
    RunExistsError,
    RunLock,
    RunStatus,
    atomic_write_bytes,
    atomic_write_json,
    check_out_dir,
    read_json,
    read_status,
)

#: Version of the ``model.pt`` layout (a dict with the weights and the training state).
CHECKPOINT_FORMAT = 2


@dataclass(frozen=True)
class Checkpoint:
    """A loaded checkpoint: model (eval mode), config, the stored metrics and the run's status."""

    model: GenerativeModel = field(repr=False)
    config: TrainConfig
    metrics: dict[str, object]
    status: RunStatus = RunStatus("finished")
    step: int = 0


class _Writer:
    """Writes one run directory under its lock: checkpoints, metrics with the status, the end state."""

    def __init__(self, out: Path, config: TrainConfig, device: str) -> None:
        self.out, self.config, self.device = out, config, device
        self.hash = config.hash()
        self.step = 0
        self.history: list[dict[str, float]] = []

    def metrics(self, status: str, detail: str = "") -> None:
        meta = {
            "status": status,
            "step": self.step,
            "steps": self.config.steps,
            "config_hash": self.hash,
            "device": self.device,
            "threads": torch.get_num_threads(),
            "torch": torch.__version__,
            "detail": detail,
            "history": list(self.history),
        }
        atomic_write_json(self.out / "metrics.json", meta)

    def checkpoint(self, state: dict[str, object], step: int, history: Sequence[dict[str, float]]) -> None:
        self.step, self.history = step, list(history)
        buf = io.BytesIO()
        torch.save(
            {
                "format": CHECKPOINT_FORMAT,
                "config_hash": self.hash,
                "step": step,
                "history": list(history),
                **state,
            },
            buf,
        )
        atomic_write_bytes(self.out / "model.pt", buf.getvalue())
        self.metrics("running")


def _cpu_state(obj: object) -> object:
    """A copy of a (nested) state dict with every tensor detached on the CPU."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu().clone()
    if isinstance(obj, dict):
        return {k: _cpu_state(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_cpu_state(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_cpu_state(v) for v in obj)
    return obj


def _prepare_out(
    out: str | os.PathLike[str], config: TrainConfig, *, overwrite: bool, resume: bool
) -> tuple[Path, RunLock, RunStatus]:
    """Create ``out``, take its lock, and decide what an existing run there allows."""
    path = check_out_dir(out)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunError(f"out: cannot create the directory {path}: {exc.strerror or exc}") from None
    lock = RunLock(path).acquire()
    try:
        st = read_status(path, locked=True)
        if st.status == "empty":
            return path, lock, st
        if overwrite:
            for name in RUN_FILES:
                with contextlib.suppress(FileNotFoundError):
                    (path / name).unlink()
            return path, lock, RunStatus("empty")
        where = f"{path} holds a run ({st.describe()})"
        if not resume:
            raise RunExistsError(
                f"{where}; pass overwrite (--overwrite) to replace it or resume (--resume) to continue it"
            )
        if st.status == "diverged":
            raise RunError(f"{where}: a diverged run cannot be resumed (it would diverge again); use --overwrite")
        stored = _read_config(path)
        if stored.hash() != config.hash():
            a, b = stored.to_dict(), config.to_dict()
            diff = ", ".join(f"{k} ({a[k]!r} there, {b[k]!r} asked)" for k in a if a[k] != b[k])
            raise RunError(f"{where}: resume: the options differ from {path / 'config.json'} in {diff}")
        return path, lock, st
    except BaseException:
        lock.release(remove=False)
        raise


def _read_config(path: Path) -> TrainConfig:
    d = read_json(path / "config.json")
    if not isinstance(d, dict):
        raise RunError(f"{path / 'config.json'}: expected a JSON object, got {type(d).__name__}")
    try:
        return TrainConfig.from_dict(cast(TrainConfigDict, d))  # each field is validated by TrainConfig
    except (ValueError, TypeError) as exc:
        raise RunError(f"{path / 'config.json'}: {exc}") from None


def _load_state(path: Path) -> dict[str, object]:
    """``path/model.pt`` as a dict (format 2), or a bare ``state_dict`` (earlier runs) wrapped as one."""
    f = path / "model.pt"
    if not f.is_file():
        raise FileNotFoundError(f"path: {path} has no model.pt; is it a directory written by 'otcheck train'?")
    try:
        obj = torch.load(f, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises RuntimeError, UnpicklingError, EOFError, ... on a bad file
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RunError(f"{f}: not a readable checkpoint (truncated or corrupt?): {first}") from None
    if not isinstance(obj, dict):
        raise RunError(f"{f}: not a checkpoint (a {type(obj).__name__}, expected a dict)")
    if obj.get("format") == CHECKPOINT_FORMAT:
        return obj
    if all(isinstance(v, torch.Tensor) for v in obj.values()):
        return {"format": 1, "model": obj, "config_hash": None, "step": None, "history": []}
    raise RunError(f"{f}: unknown checkpoint layout (format {obj.get('format')!r})")


def _restore(
    start: dict[str, object],
    model: GenerativeModel,
    gopt: torch.optim.Optimizer,
    copt: torch.optim.Optimizer | None,
    scheds: Sequence[torch.optim.lr_scheduler.LRScheduler],
    gen: torch.Generator,
    out: Path | None,
) -> tuple[int, list[dict[str, float]], float]:
    """Load a format-2 checkpoint's training state into fresh objects; a bad one is a RunError.

    Returns the checkpoint's step, history and training seconds."""
    where = f"{out / 'model.pt'}" if out is not None else "checkpoint"
    step, hist, sch_states = start.get("step"), start.get("history"), start.get("scheds")
    if not isinstance(step, int) or not isinstance(hist, list) or not isinstance(sch_states, list):
        raise RunError(f"{where}: 'step', 'history' or 'scheds' is missing or of the wrong type")
    if len(sch_states) != len(scheds) or (start.get("copt") is None) != (copt is None):
        raise RunError(f"{where}: its optimizer and scheduler states do not fit the config")
    try:
        weights, gstate, cstate = start["model"], start["gopt"], start["copt"]
        if not isinstance(weights, dict) or not isinstance(gstate, dict):
            raise TypeError("model or optimizer state is not a dict")
        model.load_state_dict(weights)
        gopt.load_state_dict(gstate)
        if copt is not None:
            if not isinstance(cstate, dict):
                raise TypeError("critic optimizer state is not a dict")
            copt.load_state_dict(cstate)
        for s, st in zip(scheds, sch_states):
            if not isinstance(st, dict):
                raise TypeError("scheduler state is not a dict")
            s.load_state_dict(st)
        gen_state = start["generator"]
        if not isinstance(gen_state, torch.Tensor):
            raise TypeError("generator state is not a tensor")
        gen.set_state(gen_state)
    except (RuntimeError, KeyError, TypeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RunError(f"{where}: cannot restore the training state: {first}") from None
    seconds = start.get("seconds")
    history = [{str(k): float(v) for k, v in h.items()} for h in hist if isinstance(h, dict)]
    return step, history, float(seconds) if isinstance(seconds, (int, float)) else 0.0


def load_checkpoint(path: str | os.PathLike[str], device: str = "cpu") -> Checkpoint:
    """Rebuild the model of run directory ``path`` and load its weights.

    The config hash recorded with the weights must match ``config.json`` (an edited config is
    refused: it would describe another run, e.g. another held-out set). The returned
    :class:`Checkpoint` carries the run's :class:`~otcheck.models.runs.RunStatus`.

    Raises
    ------
    FileNotFoundError
        ``path`` lacks ``config.json`` or ``model.pt``.
    otcheck.models.runs.RunError
        A broken or edited ``config.json``, an unreadable ``model.pt``, weights of another shape,
        broken ``metrics.json``; the message names the file.
    """
    path = Path(path)
    if not path.is_dir():
        raise FileNotFoundError(f"path: {path} is not a directory written by 'otcheck train'")
    for name in ("config.json", "model.pt"):
        if not (path / name).is_file():
            raise FileNotFoundError(f"path: {path} has no {name}; is it a directory written by 'otcheck train'?")
    config = _read_config(path)
    state = _load_state(path)
    h = state.get("config_hash")
    if h is not None and h != config.hash():
        raise RunError(
            f"{path / 'config.json'}: edited after training (its hash {config.hash()[:12]} is not the "
            f"{str(h)[:12]} that {path / 'model.pt'} was written with); it would describe another run"
        )
    device = resolve_device(device)
    model = _make_model(config)
    weights = state.get("model")
    if not isinstance(weights, dict):
        raise RunError(f"{path / 'model.pt'}: no model weights in it")
    try:
        model.load_state_dict(weights)
    except RuntimeError as exc:
        detail = " ".join(str(exc).split())[:400]
        msg = f"{path / 'model.pt'}: its weights do not fit the model of {path / 'config.json'}: {detail}"
        raise RunError(msg) from None
    model.to(device).eval()
    metrics = read_json(path / "metrics.json") if (path / "metrics.json").is_file() else {}
    if not isinstance(metrics, dict):
        raise RunError(f"{path / 'metrics.json'}: expected a JSON object")
    st = read_status(path)
    step = state.get("step")
    return Checkpoint(
        model=model,
        config=replace(config),
        metrics=metrics,
        status=st,
        step=step if isinstance(step, int) else st.step,
    )
