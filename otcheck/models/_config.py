r"""The configuration of a training run: :class:`TrainConfig` (stored as ``config.json``), its
keyword-argument types :class:`Recipe`, :class:`TrainOptions` and :class:`TrainConfigDict`, the devices, and the seeded
model a config builds.

Private: these names are public in :mod:`otcheck.models.train`, which re-exports them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import TypedDict

import numpy as np
import torch
from numpy.typing import NDArray

from .._validation import check_nonnegative, check_positive_int
from .data import check_data_name, data_dim, split_data
from .objectives import COSTS, GenerativeModel, ModelHyper, build_model, check_model_name, model_defaults
from .runs import config_hash

#: float64 numpy array (data sets, samples)
FloatArray = NDArray[np.float64]

DEVICES = ("auto", "cpu", "cuda")

#: Seeds are below 2^62: ``seed + k`` for the few offsets used (evaluation, samples, critic refit)
#: must fit the 64-bit seeds of ``torch.manual_seed`` and ``torch.Generator``.
MAX_SEED = 2**62


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


class TrainOptions(Recipe, total=False):
    """:class:`Recipe` and the network and data sizes, the device: the keyword arguments of
    :class:`TrainConfig` that a caller who fixes the run (model, data, steps, seed, evaluation) passes
    on."""

    width: int
    depth: int
    critic_width: int | None
    critic_depth: int | None
    latent_dim: int | None
    n_train: int | None
    n_test: int | None
    device: str


class TrainConfigDict(TrainOptions, total=False):
    """The fields of :class:`TrainConfig` as keyword arguments (``config.json``): :class:`TrainOptions`'
    and these.

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
    eval_every: int | None
    eval_size: int
    max_loss: float
    threads: int | None


_LATENT: dict[str, int] = {"ring": 2, "grid": 2, "swissroll": 2, "moons": 2, "digits": 8}


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
