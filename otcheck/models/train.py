r"""Seeded training of the small models, with checkpoints and divergence detection (layer 5).

:func:`train` runs Adam on the model's ``generator_loss`` (and ``critic_steps`` critic updates per
step), evaluates periodically (certified :math:`W_2^2` between held-out data and model samples),
and writes a checkpoint directory::

    DIR/config.json    the resolved TrainConfig (every hyperparameter, so DIR can be rebuilt)
    DIR/model.pt       the checkpoint: weights, optimizer, scheduler and generator states, the
                       step, the history and the config hash
    DIR/metrics.json   status (running / stopped / diverged / finished), step, config hash and
                       the history of the periodic evaluations
    DIR/samples.png    model samples next to held-out data (2-D scatter, or a grid of 8x8 images)

Every file is replaced atomically and a lock refuses a second writer (:mod:`otcheck.models.runs`).
An existing run is never overwritten unless ``overwrite=True``; ``resume=True`` continues a
stopped run from its last checkpoint.

Same seed, same device and thread count: same weights, bit for bit (initialization under
``torch.manual_seed`` inside a forked RNG, every batch index and noise draw from one
``torch.Generator``, and ``torch.use_deterministic_algorithms`` during training), and a run
stopped and resumed equals the uninterrupted one (the checkpoint holds the optimizers', the
schedulers' and the generator's states). A NaN or a loss above ``max_loss`` stops training with
:class:`TrainingDiverged`, naming the step; the last good checkpoint stays in DIR.

The configuration (:class:`TrainConfig`, :func:`resolve_device`) is defined in
``otcheck.models._config`` and the checkpoints (:func:`load_checkpoint`, the run directory's
writer, resume) in ``otcheck.models._checkpoint``; their public names are re-exported here, the
one place to import them from.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import numpy as np
import torch

from ._checkpoint import CHECKPOINT_FORMAT as CHECKPOINT_FORMAT
from ._checkpoint import Checkpoint, _cpu_state, _load_state, _prepare_out, _restore, _Writer, load_checkpoint
from ._config import (
    DEVICES,
    FloatArray,
    Recipe,
    TrainConfig,
    TrainConfigDict,
    TrainOptions,
    _make_model,
    resolve_device,
)
from ._config import MAX_SEED as MAX_SEED
from .data import check_data_name
from .objectives import GenerativeModel, check_model_name
from .runs import RunError, RunLock, atomic_write_bytes, atomic_write_json

__all__ = [
    "TrainConfig",
    "TrainResult",
    "TrainingDiverged",
    "Checkpoint",
    "train",
    "load_checkpoint",
    "resolve_device",
    "save_samples_png",
    "DEVICES",
    "RECIPES",
    "recipe",
    "Recipe",
    "TrainConfigDict",
    "TrainOptions",
]


class TrainingDiverged(FloatingPointError):
    """Training stopped on a NaN/inf or exploding loss.

    Attributes
    ----------
    step : int
        The step whose loss was bad (1-based).
    last_good_step : int or None
        Step of the checkpoint kept in ``out`` (``None`` without ``out``).
    out : str or None
        The checkpoint directory.
    """

    def __init__(self, message: str, step: int, last_good_step: int | None = None, out: str | None = None) -> None:
        super().__init__(message)
        self.step, self.last_good_step, self.out = step, last_good_step, out


#: Tuned TrainConfig settings per (model, data) used by ``otcheck train`` and the benchmark.
#: POT (eq. 13) on the ring: a deterministic encoder cannot spread each tight mode (std 0.05) over
#: a sector of N(0, I) from the latent critic's gradient alone (Q_Z stays 8 clumps, W_2^2(Q_Z, P_Z)
#: ~0.5, and the unregularized GAN oscillates); a Gaussian encoder Q(Z|X) (allowed by eq. 13),
#: the R1 penalty on the critic, a faster critic (3x lr, 2 updates per step), lambda = 5 and a
#: 10x learning-rate decay reach the 1.5x data floor in a few seconds (benchmarks/bench_models.py).
RECIPES: dict[tuple[str, str], Recipe] = {
    ("pot", "ring"): {
        "lam": 5.0,
        "gaussian_encoder": True,
        "latent_r1": 0.1,
        "critic_lr": 3e-3,
        "critic_steps": 2,
        "lr": 1e-3,
        "lr_final": 1e-4,
    },
    ("wae-mmd", "ring"): {"lam": 100.0, "gaussian_encoder": True, "lr": 1e-3, "lr_final": 1e-4},
}


def recipe(model: str, data: str) -> Recipe:
    """Tuned :class:`TrainConfig` keyword arguments for ``model`` on ``data`` (``{}`` if none).

    Examples
    --------
    >>> recipe("pot", "ring")["critic_steps"]
    2
    >>> recipe("vae", "digits")
    {}
    """
    return RECIPES.get((check_model_name(model), check_data_name(data)), {}).copy()


@dataclass(frozen=True)
class TrainResult:
    """What :func:`train` returns: the trained model, its config, the evaluation history."""

    model: GenerativeModel = field(repr=False)
    config: TrainConfig
    history: tuple[dict[str, float], ...]
    out: str | None
    seconds: float
    device: str

    @property
    def final(self) -> dict[str, float]:
        """The last periodic evaluation (a dict)."""
        return self.history[-1] if self.history else {}


@contextlib.contextmanager
def _deterministic(device: str, threads: int | None = None) -> Iterator[None]:
    if device == "cuda":
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    prev, prev_warn = (
        torch.are_deterministic_algorithms_enabled(),
        torch.is_deterministic_algorithms_warn_only_enabled(),
    )
    prev_threads = torch.get_num_threads()
    torch.use_deterministic_algorithms(True, warn_only=True)
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(prev, warn_only=prev_warn)
        if threads is not None:
            torch.set_num_threads(prev_threads)


def _w2sq(X: FloatArray, Y: FloatArray) -> float:
    from ..costs import cost_matrix
    from ..exact import solve_ot

    a, b = np.full(len(X), 1.0 / len(X)), np.full(len(Y), 1.0 / len(Y))
    return float(solve_ot(a, b, cost_matrix(X, Y, "sqeuclidean")).cost)


@torch.no_grad()
def _quick_eval(model: GenerativeModel, X_test: FloatArray, config: TrainConfig, device: str) -> dict[str, float]:
    """Certified W_2^2 between ``eval_size`` held-out points and as many samples (fixed seed)."""
    model.eval()
    n = min(config.eval_size, len(X_test))
    g = torch.Generator(device=device).manual_seed(config.seed + 1)
    Y = model.sample(n, g).double().cpu().numpy()
    out = {"w2sq_test": _w2sq(X_test[:n], Y)}
    if model.encoder is not None:
        xt = torch.as_tensor(X_test[:n], dtype=torch.float32, device=device)
        out["rec_test"] = float(model.objective(xt, g).get("rec", float("nan")))
        # how far the aggregated posterior Q_Z is from the prior P_Z (what the penalty should shrink)
        zq = model.encode(xt, g).double().cpu().numpy()
        out["w2sq_latent"] = _w2sq(zq, model.prior(n, g).double().cpu().numpy())
    model.train()
    return out


def train(
    config: TrainConfig,
    out: str | os.PathLike[str] | None = None,
    *,
    quiet: bool = False,
    overwrite: bool = False,
    resume: bool = False,
) -> TrainResult:
    r"""Train ``config.model`` on ``config.data``; write a run directory to ``out`` when given.

    Per step: ``critic_steps`` Adam updates of the critic on its loss, then one Adam update of the
    encoder and decoder (or generator) on ``generator_loss``, each on a fresh batch of
    ``batch_size`` training points drawn with replacement. Every ``eval_every`` steps (and at the
    end) the certified :math:`W_2^2(\hat P_X^{test}, \hat P_G)` between ``eval_size`` held-out
    points and as many model samples is recorded, and the checkpoint is rewritten (atomically).

    Parameters
    ----------
    config : TrainConfig
        The run.
    out : str or path-like, optional
        Run directory (created; see :mod:`otcheck.models.runs`). A checkpoint of step 0 is written
        before training, with the status ``running``; the status becomes ``finished``,
        ``stopped`` (an exception or an interrupt; a killed process leaves ``running`` under a
        free lock, read as stopped) or ``diverged``.
    quiet : bool
        No tqdm progress bar.
    overwrite : bool
        Replace a run already in ``out`` (without it, an existing run is an error).
    resume : bool
        Continue the run in ``out`` from its last checkpoint (its config must be ``config``); a
        finished run is returned as it is, an empty directory starts a new run.

    Returns
    -------
    TrainResult
        The trained model, its config, the history of periodic evaluations (one dict per evaluation: step,
        loss, held-out :math:`W_2^2`, ...), the run directory (None without ``out``), the seconds spent and
        the device.

    Raises
    ------
    TrainingDiverged
        A loss is NaN/inf or above ``config.max_loss``; the message names the step and the last
        good checkpoint, which stays in ``out``.
    otcheck.models.runs.RunExistsError
        ``out`` holds a run and neither ``overwrite`` nor ``resume`` is given.
    otcheck.models.runs.RunLockedError
        Another process is writing ``out``.
    otcheck.models.runs.RunError
        ``out`` is not usable (a file, empty, unwritable, a diverged run to resume, ...).

    Examples
    --------
    >>> cfg = TrainConfig("wae-mmd", "moons", steps=5, width=8, depth=1, n_train=64, n_test=32,
    ...                   batch_size=16, eval_size=16, eval_every=5, device="cpu")
    >>> res = train(cfg, quiet=True)
    >>> [h["step"] for h in res.history]
    [5]
    """
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config: expected a TrainConfig, got {type(config).__name__}")
    if overwrite and resume:
        raise ValueError("overwrite, resume: give at most one (replace the run, or continue it)")
    device = resolve_device(config.device)
    lock: RunLock | None = None
    writer: _Writer | None = None
    start: dict[str, object] | None = None
    if out is not None:
        path, lock, st = _prepare_out(out, config, overwrite=overwrite, resume=resume)
        writer = _Writer(path, config, device)
        if st.status != "empty" and (path / "model.pt").exists():
            start = _load_state(path)
            if start.get("config_hash") != writer.hash:
                lock.release(remove=False)
                raise RunError(f"{path / 'model.pt'}: written for another config than {path / 'config.json'}")
            if st.finished:  # nothing to train: the stored run, read without writing
                try:
                    return _finished(config, device, start, path)
                finally:
                    lock.release()
    try:
        return _train(config, device, writer, start, quiet)
    finally:
        if lock is not None:
            lock.release()


def _finished(config: TrainConfig, device: str, start: dict[str, object], path: Path) -> TrainResult:
    """The :class:`TrainResult` of a finished run directory (the weights and history of its model.pt)."""
    model = _make_model(config)
    weights, hist = start.get("model"), start.get("history")
    if not isinstance(weights, dict) or not isinstance(hist, list):
        raise RunError(f"{path / 'model.pt'}: no model weights or history in it")
    try:
        model.load_state_dict(weights)
    except RuntimeError as exc:
        detail = " ".join(str(exc).split())[:400]
        raise RunError(f"{path / 'model.pt'}: its weights do not fit the model of config.json: {detail}") from None
    model.to(device).eval()
    history = tuple({str(k): float(v) for k, v in h.items()} for h in hist if isinstance(h, dict))
    seconds = start.get("seconds")
    return TrainResult(
        model=model,
        config=config,
        history=history,
        out=str(path),
        seconds=float(seconds) if isinstance(seconds, (int, float)) else 0.0,
        device=device,
    )


def _train(
    config: TrainConfig, device: str, writer: _Writer | None, start: dict[str, object] | None, quiet: bool
) -> TrainResult:
    X_train, X_test = config.split()
    t0 = time.perf_counter()
    out = None if writer is None else writer.out
    with _deterministic(device, config.threads):
        model = _make_model(config).to(device)
        data = torch.as_tensor(X_train, dtype=torch.float32, device=device)
        gen = torch.Generator(device=device).manual_seed(config.seed)
        gopt = torch.optim.Adam(
            model.generator_parameters(),
            lr=config.lr,
            eps=config.adam_eps,
            betas=(0.5, 0.9) if config.model == "wgan-gp" else (0.5, 0.999),
        )
        # resolved by TrainConfig.__post_init__
        assert config.critic_lr is not None and config.critic_steps is not None and config.eval_every is not None
        copt = (
            torch.optim.Adam(
                model.critic_parameters(),
                lr=config.critic_lr,
                betas=(0.5, 0.9) if config.model == "wgan-gp" else (0.5, 0.999),
            )
            if model.critic is not None and config.critic_steps > 0
            else None
        )
        scheds = []
        if config.lr_final is not None:
            gamma = (config.lr_final / config.lr) ** (1.0 / max(1, config.steps))
            scheds = [torch.optim.lr_scheduler.ExponentialLR(o, gamma) for o in (gopt, copt) if o is not None]
        history: list[dict[str, float]] = []
        last_good: int | None = None
        first = 1

        def state() -> dict[str, object]:
            return {
                "model": _cpu_state(model.state_dict()),
                "gopt": _cpu_state(gopt.state_dict()),
                "copt": None if copt is None else _cpu_state(copt.state_dict()),
                "scheds": [_cpu_state(s.state_dict()) for s in scheds],
                "generator": gen.get_state().cpu(),
                "seconds": time.perf_counter() - t0,
            }

        if start is not None and start.get("format") == CHECKPOINT_FORMAT and start.get("gopt") is not None:
            first, history, seconds = _restore(start, model, gopt, copt, scheds, gen, out)
            first += 1
            t0 -= seconds
        if writer is not None:
            if start is None:
                atomic_write_json(writer.out / "config.json", config.to_dict())
            writer.checkpoint(state(), first - 1, history)
            last_good = first - 1

        def batch() -> torch.Tensor:
            idx = torch.randint(data.shape[0], (config.batch_size,), generator=gen, device=device)
            return data[idx]

        def bad(value: float) -> bool:
            return not math.isfinite(value) or abs(value) > config.max_loss

        def diverge(step: int, what: str, value: float) -> NoReturn:
            where = (
                f"the last good checkpoint (step {last_good}) is kept in {out}"
                if out is not None
                else "no checkpoint directory was given"
            )
            msg = (
                f"training diverged at step {step}: {what} is {value!r} ({config.model} on {config.data}, "
                f"lr={config.lr}); {where}"
            )
            if writer is not None:
                atomic_write_json(
                    writer.out / "divergence.json",
                    {"step": step, "what": what, "value": repr(value), "last_good_step": last_good, "message": msg},
                )
                writer.metrics("diverged", msg)
            raise TrainingDiverged(msg, step, last_good, None if out is None else str(out))

        def descend(step: int, what: str, loss: torch.Tensor, opt: torch.optim.Optimizer) -> float:
            """One step of ``opt`` down ``loss`` (named ``what``), after checking that it has not diverged."""
            value = float(loss.detach())
            if bad(value):
                diverge(step, what, value)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            return value

        from tqdm.auto import tqdm

        bar = tqdm(
            total=config.steps,
            initial=first - 1,
            disable=quiet,
            desc=f"{config.model} on {config.data}",
            unit="step",
            leave=False,
        )
        try:
            model.train()
            for step in range(first, config.steps + 1):
                for _ in range(config.critic_steps if copt is not None else 0):
                    closs = model.critic_loss(batch(), gen)
                    if closs is None or copt is None:  # a model with a critic optimizer has a critic loss
                        raise TypeError(f"model {config.model!r}: no critic loss to train its critic on")
                    descend(step, "the critic loss", closs, copt)
                loss, stats = model.generator_loss(batch(), gen)
                val = descend(step, "the loss", loss, gopt)
                for sch in scheds:
                    sch.step()
                bar.update(1)
                if step % config.eval_every == 0 or step == config.steps:
                    entry = {
                        "step": step,
                        "loss": val,
                        **{k: float(v) for k, v in stats.items()},
                        **_quick_eval(model, X_test, config, device),
                        "seconds": time.perf_counter() - t0,
                    }
                    if any(bad(v) for k, v in entry.items() if k not in ("step", "seconds")):
                        bad_key = next(k for k, v in entry.items() if k not in ("step", "seconds") and bad(v))
                        diverge(step, f"the evaluated {bad_key}", entry[bad_key])
                    history.append(entry)
                    bar.set_postfix(loss=f"{val:.4g}", w2sq=f"{entry['w2sq_test']:.4g}")
                    if writer is not None:
                        writer.checkpoint(state(), step, history)
                        last_good = step
        except TrainingDiverged:
            raise
        except BaseException as exc:  # an interrupt or an error: the run is stopped at its last checkpoint
            if writer is not None:
                with contextlib.suppress(Exception):
                    writer.metrics("stopped", f"{type(exc).__name__} after step {last_good}; resume with --resume")
            raise
        finally:
            bar.close()
    model.eval()
    if writer is not None:
        save_samples_png(model, config, X_test, writer.out / "samples.png", device=device)
        with contextlib.suppress(FileNotFoundError):
            (writer.out / "divergence.json").unlink()
        writer.metrics("finished")
    return TrainResult(
        model=model,
        config=config,
        history=tuple(history),
        out=None if out is None else str(out),
        seconds=time.perf_counter() - t0,
        device=device,
    )


@torch.no_grad()
def save_samples_png(
    model: GenerativeModel,
    config: TrainConfig,
    X_test: FloatArray,
    path: str | os.PathLike[str],
    *,
    n: int = 512,
    device: str = "cpu",
) -> str:
    """Write a PNG of model samples: a scatter over held-out data (2-D), a grid of images (digits),
    or histograms of the first coordinate (other dimensions)."""
    from .._optional import require

    FigureCanvasAgg = require("matplotlib.backends.backend_agg", "otcheck train (its samples.png)").FigureCanvasAgg
    Figure = require("matplotlib.figure", "otcheck train (its samples.png)").Figure

    g = torch.Generator(device=device).manual_seed(config.seed + 2)
    Y = model.sample(n, g).double().cpu().numpy()
    fig = Figure(figsize=(5, 5))
    FigureCanvasAgg(fig)
    if config.data == "digits":
        rows = 8
        grid = np.ones((rows * 9 + 1, rows * 9 + 1))
        for k in range(rows * rows):
            r, c = divmod(k, rows)
            grid[1 + 9 * r : 9 + 9 * r, 1 + 9 * c : 9 + 9 * c] = Y[k].reshape(8, 8)
        ax = fig.add_subplot(1, 1, 1)
        ax.imshow(grid, cmap="gray_r", vmin=0, vmax=1)
        ax.axis("off")
    elif Y.shape[1] >= 2:
        ax = fig.add_subplot(1, 1, 1)
        ax.scatter(X_test[:n, 0], X_test[:n, 1], s=4, alpha=0.4, label="held-out data")
        ax.scatter(Y[:, 0], Y[:, 1], s=4, alpha=0.6, label="model samples")
        ax.legend(loc="upper right", fontsize=7)
        ax.set_aspect("equal")
    else:
        ax = fig.add_subplot(1, 1, 1)
        ax.hist(X_test[:, 0], bins=40, alpha=0.5, density=True, label="held-out data")
        ax.hist(Y[:, 0], bins=40, alpha=0.5, density=True, label="model samples")
        ax.legend(fontsize=7)
    ax.set_title(f"{config.model} on {config.data}, {config.steps} steps, seed {config.seed}", fontsize=8)
    buf = io.BytesIO()
    fig.savefig(buf, dpi=100, format="png")
    atomic_write_bytes(path, buf.getvalue())
    return str(path)
