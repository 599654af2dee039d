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
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import NoReturn, TypedDict, cast

import numpy as np
import torch
from numpy.typing import NDArray

from .._validation import check_nonnegative, check_positive_int
from .data import check_data_name, data_dim, split_data
from .objectives import COSTS, GenerativeModel, ModelHyper, build_model, check_model_name, model_defaults
from .runs import (
    RUN_FILES,
    RunError,
    RunExistsError,
    RunLock,
    RunStatus,
    atomic_write_bytes,
    atomic_write_json,
    check_out_dir,
    config_hash,
    read_json,
    read_status,
)

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
]

#: float64 numpy array (data sets, samples)
FloatArray = NDArray[np.float64]

DEVICES = ("auto", "cpu", "cuda")

#: Seeds are below 2^62: ``seed + k`` for the few offsets used (evaluation, samples, critic refit)
#: must fit the 64-bit seeds of ``torch.manual_seed`` and ``torch.Generator``.
MAX_SEED = 2**62

#: Version of the ``model.pt`` layout (a dict with the weights and the training state).
CHECKPOINT_FORMAT = 2


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


def resolve_device(device: str = "auto") -> str:
    """``"auto"`` -> ``"cuda"`` when available, else ``"cpu"``; ``"cuda"`` without CUDA is an error.

    Examples
    --------
    >>> resolve_device("cpu")
    'cpu'
    """
    if device not in DEVICES:
        raise ValueError(f"device: expected one of {DEVICES}, got {device!r}")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device: 'cuda' requested but torch.cuda.is_available() is False (use 'auto' or 'cpu')")
    return device


class Recipe(TypedDict, total=False):
    """Tuned training settings: keyword arguments of :class:`TrainConfig` (what :func:`recipe` returns)."""

    lr: float
    critic_lr: float | None
    lr_final: float | None
    lam: float | None
    sigma2: float | None
    cost: str | None
    gaussian_encoder: bool | None
    critic_steps: int | None
    latent_r1: float
    adam_eps: float


class TrainConfigDict(Recipe, total=False):
    """The fields of :class:`TrainConfig` as keyword arguments (``config.json``): :class:`Recipe`'s and
    these.

    Examples
    --------
    >>> set(TrainConfigDict.__annotations__) == {f.name for f in fields(TrainConfig)}
    True
    """

    model: str
    data: str
    steps: int
    seed: int
    batch_size: int
    width: int
    depth: int
    critic_width: int | None
    critic_depth: int | None
    latent_dim: int | None
    n_train: int | None
    n_test: int | None
    eval_every: int | None
    eval_size: int
    device: str
    max_loss: float
    threads: int | None


_LATENT: dict[str, int] = {"ring": 2, "grid": 2, "swissroll": 2, "moons": 2, "digits": 8}

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
class TrainConfig:
    r"""Everything that determines a training run (stored as ``config.json``).

    ``None`` fields are resolved at construction from the model's defaults
    (:func:`otcheck.models.objectives.model_defaults`) and the data set.

    Attributes
    ----------
    model, data : str
        Names from :data:`otcheck.models.MODELS` and :data:`otcheck.models.DATASETS`.
    steps : int
        Generator (encoder/decoder) updates.
    seed : int
        Seeds the data split, the initialization, batches and noise.
    batch_size, lr : int, float
        Adam on every network (critic included, unless ``critic_lr``).
    critic_lr, lr_final : float or None
        Critic learning rate (default ``lr``); with ``lr_final`` every learning rate decays
        geometrically so that it is multiplied by ``lr_final / lr`` at the last step.
    lam, sigma2, cost : float, float, str
        lambda of the penalty, decoder variance sigma^2, cost ``"sqeuclidean"``/``"euclidean"``.
    width, depth, latent_dim : int
        Network sizes; ``latent_dim`` defaults to 2 for the 2-D sets, d for linear-Gaussian data,
        8 for digits.
    critic_width, critic_depth : int or None
        Critic size (default: as the encoder/decoder).
    gaussian_encoder : bool or None
        Gaussian instead of deterministic encoder (the VAE always has one).
    critic_steps : int or None
        Critic updates per step (latent GAN: 1, WGAN-GP: 5, none for WAE-MMD and VAE).
    n_train, n_test : int
        Sizes of the training and held-out sets (digits: 1497 and 300 by default).
    eval_every, eval_size : int
        Periodic evaluation (and checkpoint) interval in steps, and its sample size.
    device : str
        ``"auto"``, ``"cpu"`` or ``"cuda"`` (what ran is recorded in the metrics).
    max_loss : float
        A loss above this (in absolute value) counts as exploding.
    threads : int or None
        CPU threads for torch during training (restored afterwards); ``None`` keeps torch's
        setting. These networks are small: one thread is usually fastest, and on a shared CPU
        extra threads mostly wait on each other.
    latent_r1 : float
        Weight :math:`\gamma` of the zero-centred gradient penalty
        :math:`\frac\gamma2 E_{P_Z}\|\nabla_z f(Z)\|^2` on a latent GAN critic (POT, AAE);
        0 disables it. It regularizes the critic only (any critic still gives a lower bound of
        :math:`2 D_{JS} - \log 4`), and keeps the latent GAN from oscillating.
    adam_eps : float
        Adam's :math:`\epsilon` for the encoder/decoder (or generator). Adam is invariant to a
        constant factor :math:`s` on the loss only when :math:`\epsilon` is scaled by :math:`s` too
        (the ``trained-aae-pot`` claim uses this).
    """

    model: str
    data: str
    steps: int = 1000
    seed: int = 0
    batch_size: int = 256
    lr: float = 1e-3
    critic_lr: float | None = None
    lr_final: float | None = None
    lam: float | None = None
    sigma2: float | None = None
    cost: str | None = None
    width: int = 128
    depth: int = 2
    critic_width: int | None = None
    critic_depth: int | None = None
    latent_dim: int | None = None
    gaussian_encoder: bool | None = None
    critic_steps: int | None = None
    n_train: int | None = None
    n_test: int | None = None
    eval_every: int | None = None
    eval_size: int = 256
    device: str = "auto"
    max_loss: float = 1e6
    threads: int | None = None
    latent_r1: float = 0.0
    adam_eps: float = 1e-8

    def __post_init__(self) -> None:
        check_model_name(self.model)
        check_data_name(self.data)
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731
        for k in ("steps", "batch_size", "width", "eval_size"):
            check_positive_int(getattr(self, k), k)
        check_positive_int(self.seed, "seed", minimum=0)
        if self.seed >= MAX_SEED:
            raise ValueError(f"seed: expected an integer in [0, 2^62), got {self.seed}")
        check_positive_int(self.depth, "depth", minimum=0)
        defaults = model_defaults(self.model)
        for k in ("lam", "sigma2", "cost", "critic_steps"):
            if getattr(self, k) is None:
                set_(k, defaults[k])
        if self.cost not in COSTS:
            raise ValueError(f"cost: expected one of {COSTS}, got {self.cost!r}")
        set_("lam", check_nonnegative(self.lam, "lam"))
        set_("sigma2", check_nonnegative(self.sigma2, "sigma2"))
        check_nonnegative(self.lr, "lr", strict=True)
        if self.critic_lr is None:
            set_("critic_lr", float(self.lr))
        check_nonnegative(self.critic_lr, "critic_lr", strict=True)
        if self.lr_final is not None:
            check_nonnegative(self.lr_final, "lr_final", strict=True)
        check_nonnegative(self.max_loss, "max_loss", strict=True)
        check_positive_int(self.critic_steps, "critic_steps", minimum=0)
        set_("latent_r1", check_nonnegative(self.latent_r1, "latent_r1"))
        set_("adam_eps", check_nonnegative(self.adam_eps, "adam_eps", strict=True))
        if self.latent_dim is None:
            set_("latent_dim", _LATENT.get(self.data) or data_dim(self.data))
        check_positive_int(self.latent_dim, "latent_dim")
        if self.n_train is None:
            set_("n_train", 1497 if self.data == "digits" else 2000)
        if self.n_test is None:
            set_("n_test", 300 if self.data == "digits" else 1000)
        check_positive_int(self.n_train, "n_train")
        check_positive_int(self.n_test, "n_test", minimum=2)
        if self.eval_every is None:
            set_("eval_every", max(1, self.steps // 10))
        check_positive_int(self.eval_every, "eval_every")
        if self.device not in DEVICES:
            raise ValueError(f"device: expected one of {DEVICES}, got {self.device!r}")
        if self.threads is not None:
            check_positive_int(self.threads, "threads")

    def to_dict(self) -> dict[str, object]:
        """Plain dict (JSON-ready): the fields of :class:`TrainConfigDict`, every one given."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: TrainConfigDict) -> TrainConfig:
        """Inverse of :meth:`to_dict`; unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"config: unknown keys {unknown}")
        return cls(**d)

    def hash(self) -> str:
        """:func:`otcheck.models.runs.config_hash` of :meth:`to_dict` (ties a checkpoint to its config)."""
        return config_hash(self.to_dict())

    def hyper(self) -> ModelHyper:
        """Keyword arguments of :func:`otcheck.models.objectives.build_model`."""
        # resolved by __post_init__
        assert self.lam is not None and self.sigma2 is not None and self.cost is not None
        return {
            "width": self.width,
            "depth": self.depth,
            "critic_width": self.critic_width,
            "critic_depth": self.critic_depth,
            "lam": self.lam,
            "sigma2": self.sigma2,
            "cost": self.cost,
            "output": "sigmoid" if self.data == "digits" else "linear",
            "gaussian_encoder": self.gaussian_encoder,
            "latent_r1": self.latent_r1,
        }

    def split(self) -> tuple[FloatArray, FloatArray]:
        """The seeded ``(X_train, X_test)`` float64 arrays this run uses."""
        assert self.n_train is not None and self.n_test is not None  # resolved by __post_init__
        return split_data(self.data, self.n_train, self.n_test, seed=self.seed)


def _make_model(config: TrainConfig) -> GenerativeModel:
    assert config.latent_dim is not None  # resolved by __post_init__
    with torch.random.fork_rng(devices=[]):  # same initial weights on every device, caller's RNG untouched
        torch.manual_seed(config.seed)
        return build_model(config.model, data_dim(config.data), config.latent_dim, **config.hyper())


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


@dataclass(frozen=True)
class Checkpoint:
    """A loaded checkpoint: model (eval mode), config, the stored metrics and the run's status."""

    model: GenerativeModel = field(repr=False)
    config: TrainConfig
    metrics: dict[str, object]
    status: RunStatus = RunStatus("finished")
    step: int = 0


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
                    cval = float(closs.detach())
                    if bad(cval):
                        diverge(step, "the critic loss", cval)
                    copt.zero_grad(set_to_none=True)
                    closs.backward()
                    copt.step()
                loss, stats = model.generator_loss(batch(), gen)
                val = float(loss.detach())
                if bad(val):
                    diverge(step, "the loss", val)
                gopt.zero_grad(set_to_none=True)
                loss.backward()
                gopt.step()
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
