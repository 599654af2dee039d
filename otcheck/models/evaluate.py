r"""Measure trained models with the exact layer (layer 5).

Every sampled number is an :class:`Estimate`: the mean of ``repeats`` independent repetitions
(fresh subsamples of the held-out data, fresh model samples, drawn from ``seed``) and a Student-t
confidence interval for that mean,

.. math::

    \bar w \pm t_{1 - \alpha/2,\, R-1}\, \frac{s}{\sqrt R},

where each repetition's value is an exact, certified optimal transport cost between two samples of
size ``n`` (:func:`otcheck.solve_ot`). The interval is for the size-``n`` quantity (e.g.
:math:`E\, W_c(\hat P_X^n, \hat P_G^n)`, which exceeds :math:`W_c(P_X, P_G)` by a sampling bias);
:func:`data_baseline` gives the same quantity between two halves of the data, the floor a perfect
model would reach.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import as_generator, as_points, check_positive_int

if TYPE_CHECKING:
    import torch

    from ..bounds import Bound
    from .data import LinearGaussian
    from .objectives import GenerativeModel

__all__ = [
    "Estimate",
    "Evaluation",
    "mean_interval",
    "sample_model",
    "wasserstein_to_data",
    "data_baseline",
    "coupling_cost",
    "encode",
    "exact_cost",
    "latent_mismatch",
    "linear_decoder_cov",
    "evaluate",
    "evaluate_checkpoint",
]

#: float64 numpy array (held-out data, samples, codes)
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Estimate:
    """A sampled number: mean of repetitions and its confidence interval ``(low, high)``.

    Examples
    --------
    >>> e = mean_interval([1.0, 2.0, 3.0])
    >>> e.value, e.low < 2.0 < e.high
    (2.0, True)
    """

    value: float
    low: float
    high: float
    confidence: float
    values: tuple[float, ...] = field(default=(), repr=False)
    n: int = 0

    @property
    def ci(self) -> tuple[float, float]:
        """``(low, high)``."""
        return (self.low, self.high)

    @property
    def bound(self) -> Bound:
        """The estimate as a :class:`~otcheck.bounds.Bound` (``"confidence"``, never tight)."""
        from ..bounds import Bound

        return Bound(
            self.value,
            self.low,
            self.high,
            method=f"sampled ({len(self.values) or 'several'} repetitions)",
            guarantee="confidence",
            confidence=self.confidence,
            tight=False,
        )

    def to_dict(self) -> dict[str, object]:
        """Plain dict of every field (JSON-ready)."""
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.value:.5g} [{self.low:.5g}, {self.high:.5g}]"


def mean_interval(values: ArrayLike, confidence: float = 0.95, n: int = 0) -> Estimate:
    r"""Mean of ``values`` with a Student-t interval (at least two values).

    .. math::

        \bar w \pm t_{(1+\gamma)/2,\, R-1}\, s / \sqrt R, \qquad \gamma = \text{confidence}
    """
    from ..bounds import student_t_interval

    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1 or v.size < 2:
        raise ValueError(f"values: need at least two repetitions for an interval, got {v.size}")
    m, half = student_t_interval(v, confidence)
    return Estimate(m, m - half, m + half, float(confidence), tuple(float(x) for x in v), int(n))


def _torch() -> ModuleType:
    import torch

    return torch


def _device(model: GenerativeModel) -> torch.device:
    return next(model.parameters()).device


def _gen(model: GenerativeModel, seed: int) -> torch.Generator:
    torch = _torch()
    dev = _device(model)
    return torch.Generator(device=dev).manual_seed(int(seed))


def _seeds(seed: int | np.random.Generator, k: int) -> tuple[np.random.Generator, list[int]]:
    rng = as_generator(seed)
    return rng, [int(s) for s in rng.integers(0, 2**31 - 1, size=k)]


def sample_model(model: GenerativeModel, n: int, seed: int = 0, noise: bool = False) -> FloatArray:
    r"""``n`` model samples :math:`G(Z)`, :math:`Z \sim P_Z` (plus decoder noise when ``noise``), float64.

    Examples
    --------
    >>> from otcheck.models.objectives import build_model
    >>> sample_model(build_model("pot", 2, 2, width=8, depth=1), 3, seed=0).shape
    (3, 2)
    """
    torch = _torch()
    n = check_positive_int(n, "n")
    with torch.no_grad():
        was = model.training
        model.eval()
        Y = model.sample(n, _gen(model, seed), noise=noise)
        model.train(was)
    return Y.double().cpu().numpy()


def _to_tensor(model: GenerativeModel, X: FloatArray) -> torch.Tensor:
    torch = _torch()
    return torch.as_tensor(X, dtype=next(model.parameters()).dtype, device=_device(model))


def exact_cost(X: FloatArray, Y: FloatArray, cost: str) -> float:
    """Certified :math:`W_c` between the uniform empirical measures of ``X`` and ``Y``.

    :func:`otcheck.wasserstein` with ``method="auto"``: a dense engine while the cost matrix fits,
    the sparse engine (never forming it) past its memory budget or from
    :data:`otcheck.exact.solve.AUTO_SPARSE_MIN_PAIRS` pairs, so held-out evaluations at ``n >= 10^4``
    points are certified too.
    """
    from ..exact import wasserstein
    from ..measures import DiscreteMeasure

    return float(wasserstein(DiscreteMeasure(X), DiscreteMeasure(Y), cost=cost).value)


def _check_n(X_test: FloatArray, n: int, name: str = "n") -> int:
    n = check_positive_int(n, name, minimum=2)
    if n > len(X_test):
        raise ValueError(f"{name}: {n} points asked, the held-out set has {len(X_test)}")
    return n


def _subsamples(
    X_test: ArrayLike, n: int, repeats: int, seed: int | np.random.Generator
) -> tuple[int, Iterator[tuple[FloatArray, int]]]:
    """``(n, draws)``: ``draws`` yields ``repeats`` pairs ``(subset, s)``, a random ``n``-subset of the
    held-out points and a seed of its own for what that repetition draws besides (model samples,
    codes), all from ``seed``.

    ``X_test``, ``n`` and ``repeats`` are validated here; ``seed`` is read when the iteration starts
    (a caller's own checks come first).
    """
    X = as_points(X_test, "X_test")
    n = _check_n(X, n)
    repeats = check_positive_int(repeats, "repeats", minimum=2)

    def draws() -> Iterator[tuple[FloatArray, int]]:
        rng, seeds = _seeds(seed, repeats)
        for s in seeds:
            yield X[rng.choice(len(X), n, replace=False)], s

    return n, draws()


def wasserstein_to_data(
    model: GenerativeModel,
    X_test: ArrayLike,
    *,
    cost: str = "sqeuclidean",
    n: int = 256,
    repeats: int = 10,
    seed: int | np.random.Generator = 0,
    confidence: float = 0.95,
    noise: bool = False,
) -> Estimate:
    r"""Certified :math:`W_c` between held-out data and model samples, with an interval over resamples.

    .. math::

        w_r = W_c\big(\hat P_X^{(r)}, \hat P_G^{(r)}\big), \quad
        \hat P_X^{(r)} = \tfrac1n \textstyle\sum_{i \in S_r} \delta_{x_i}, \;
        \hat P_G^{(r)} = \tfrac1n \sum_{i=1}^n \delta_{G(z_i^{(r)})}, \quad r = 1..R

    with :math:`S_r` a random ``n``-subset of the held-out points, fresh :math:`z^{(r)} \sim P_Z`,
    and every :math:`w_r` an exact certified OT cost; see :func:`mean_interval`.

    Returns
    -------
    Estimate
        The mean of :math:`w_1, \dots, w_R` with its Student-t interval at ``confidence``; ``values`` holds
        every :math:`w_r`, ``n`` the subsample size.
    """
    n, subsets = _subsamples(X_test, n, repeats, seed)
    vals = [exact_cost(X, sample_model(model, n, s, noise=noise), cost) for X, s in subsets]
    return mean_interval(vals, confidence, n)


def data_baseline(
    X_test: ArrayLike,
    *,
    cost: str = "sqeuclidean",
    n: int = 256,
    repeats: int = 10,
    seed: int | np.random.Generator = 0,
    confidence: float = 0.95,
) -> Estimate:
    r"""The same size-``n`` quantity between two disjoint random halves of the held-out data.

    .. math::

        w_r = W_c\big(\hat P_X^{(r)}, \hat P_X'^{(r)}\big), \quad \text{disjoint } n\text{-subsets}

    What a perfect model (one with :math:`P_G = P_X`) would score in :func:`wasserstein_to_data`.

    Examples
    --------
    >>> from otcheck.models.data import make_data
    >>> e = data_baseline(make_data("moons", 200, seed=0), n=50, repeats=3, seed=0)
    >>> 0 < e.value < 0.5
    True
    """
    X_test = as_points(X_test, "X_test")
    n = check_positive_int(n, "n", minimum=2)
    if 2 * n > len(X_test):
        raise ValueError(f"n: two disjoint halves of {n} points need {2 * n} held-out points, have {len(X_test)}")
    repeats = check_positive_int(repeats, "repeats", minimum=2)
    rng = as_generator(seed)
    vals = []
    for _ in range(repeats):
        idx = rng.permutation(len(X_test))[: 2 * n]
        vals.append(exact_cost(X_test[idx[:n]], X_test[idx[n:]], cost))
    return mean_interval(vals, confidence, n)


def coupling_cost(
    model: GenerativeModel,
    X_test: ArrayLike,
    *,
    cost: str = "sqeuclidean",
    n: int = 256,
    repeats: int = 10,
    seed: int | np.random.Generator = 0,
    confidence: float = 0.95,
) -> Estimate:
    r"""Cost of the learned encoder coupling, the upper bound of Theorem 1.

    .. math::

        E_{P_X} E_{Q(Z|X)}\, c\big(X, G(Z)\big) \;\ge\; W_c(P_X, P_G) \quad\text{when } Q_Z = P_Z

    estimated on ``repeats`` random ``n``-subsets of the held-out data (a Gaussian encoder's codes
    are drawn with a seed).
    """
    torch = _torch()
    from .objectives import pair_cost

    n, subsets = _subsamples(X_test, n, repeats, seed)
    if model.encoder is None:
        raise ValueError(f"model: {model.name!r} has no encoder, so no coupling")
    vals = []
    with torch.no_grad():
        for X, s in subsets:
            x = _to_tensor(model, X)
            y = model.decode(model.encode(x, _gen(model, s)))
            vals.append(float(pair_cost(x.double(), y.double(), cost).mean()))
    return mean_interval(vals, confidence, n)


def encode(model: GenerativeModel, X: ArrayLike, seed: int = 0) -> FloatArray:
    """Codes :math:`Z \\sim Q(Z|X)` of the points ``X``, float64 numpy."""
    torch = _torch()
    with torch.no_grad():
        return model.encode(_to_tensor(model, as_points(X, "X")), _gen(model, seed)).double().cpu().numpy()


def latent_mismatch(
    model: GenerativeModel,
    X_test: ArrayLike,
    *,
    n: int = 256,
    repeats: int = 10,
    seed: int | np.random.Generator = 0,
    confidence: float = 0.95,
) -> tuple[Estimate, Estimate]:
    r"""Mismatch between the aggregated posterior :math:`Q_Z` and the prior :math:`P_Z`.

    Two estimates over ``repeats`` repetitions: the exact certified
    :math:`W_2^2(\hat Q_Z, \hat P_Z)` between the codes of ``n`` held-out points and ``n`` prior
    draws, and the unbiased :math:`\widehat{MMD}^2` (:func:`otcheck.divergences.mmd2`, float64) with
    the IMQ kernels the WAE-MMD penalty uses (:func:`otcheck.models.objectives.mmd2_imq`: scales
    :math:`C_s = s \cdot 2k`).

    Returns
    -------
    (Estimate, Estimate)
        ``(w2sq, mmd2)``.
    """
    from ..divergences import mmd2
    from .objectives import IMQ_SCALES

    n, subsets = _subsamples(X_test, n, repeats, seed)
    w, m = [], []
    for X, s in subsets:
        Z = encode(model, X, seed=s)
        P = np.random.default_rng(s).standard_normal(Z.shape)
        w.append(exact_cost(Z, P, "sqeuclidean"))
        m.append(float(mmd2(Z, P, kernel="imq", bandwidth=[c * 2.0 * Z.shape[1] for c in IMQ_SCALES], unbiased=True)))
    return mean_interval(w, confidence, n), mean_interval(m, confidence, n)


def linear_decoder_cov(model: GenerativeModel, *, n: int = 20000, seed: int = 0) -> FloatArray:
    r"""Covariance of the decoder's law :math:`G_\# P_Z`: exactly :math:`WW^\top` for an affine
    decoder (``depth=0``), else the sample covariance of ``n`` draws.

    Compare with :meth:`otcheck.models.data.LinearGaussian.optimal_decoder_cov`.
    """
    from torch import nn

    net = model.decoder.net
    first = net[0]
    if len(net) == 1 and isinstance(first, nn.Linear) and model.decoder.output == "linear":
        W = first.weight.detach().double().cpu().numpy()
        return W @ W.T
    Y = sample_model(model, n, seed)
    return np.cov(Y, rowvar=False).reshape(Y.shape[1], Y.shape[1])


@dataclass(frozen=True)
class Evaluation:
    """Measurements of a trained model against held-out data (see :func:`evaluate`)."""

    w_c: Estimate
    baseline: Estimate
    cost: str
    coupling: Estimate | None = None
    latent_w2sq: Estimate | None = None
    latent_mmd2: Estimate | None = None
    decoder: dict[str, object] | None = None

    def to_dict(self) -> dict[str, object]:
        """Plain dict (JSON-ready): every estimate's :meth:`Estimate.to_dict`."""
        out: dict[str, object] = {"cost": self.cost}
        for k in ("w_c", "baseline", "coupling", "latent_w2sq", "latent_mmd2"):
            e = getattr(self, k)
            out[k] = None if e is None else e.to_dict()
        out["decoder"] = self.decoder
        return out

    def summary(self) -> str:
        """Readable lines."""
        lines = [
            f"W_c ({self.cost}) held-out data vs samples: {self.w_c}",
            f"data's own two-sample W_c (floor):            {self.baseline}",
        ]
        if self.coupling is not None:
            lines.append(f"encoder coupling cost E c(X, G(E(X))):       {self.coupling}")
        if self.latent_w2sq is not None:
            lines.append(f"W_2^2(Q_Z, P_Z):                             {self.latent_w2sq}")
            lines.append(f"MMD^2_IMQ(Q_Z, P_Z):                         {self.latent_mmd2}")
        if self.decoder is not None:
            lines.append(
                f"decoder covariance distance to the optimum:  {self.decoder['distance']:.5g} "
                f"({self.decoder['objective']} optimum)"
            )
        ci = f"{int(round(self.w_c.confidence * 100))}% intervals over repeated subsamples of size {self.w_c.n}"
        return "\n".join(lines + [ci])


def evaluate(
    model: GenerativeModel,
    X_test: ArrayLike,
    *,
    cost: str = "sqeuclidean",
    n: int = 256,
    repeats: int = 10,
    seed: int = 0,
    confidence: float = 0.95,
    linear: LinearGaussian | None = None,
    objective: str | None = None,
) -> Evaluation:
    r"""Every measurement of a trained model: :func:`wasserstein_to_data`, :func:`data_baseline`,
    and for models with an encoder :func:`coupling_cost` and :func:`latent_mismatch`.

    For linear-Gaussian data pass ``linear`` (a :class:`~otcheck.models.data.LinearGaussian`) and
    ``objective`` (``"pot"`` or ``"vae"``) to add the Frobenius distance
    :math:`\|\mathrm{Cov}(G_\# P_Z) - WW^\top_\star\|_F` to the closed-form optimum.

    Returns
    -------
    Evaluation
        ``w_c`` and ``baseline`` always; ``coupling``, ``latent_w2sq`` and ``latent_mmd2`` for a model with an
        encoder (else None); ``decoder`` (covariance, closed-form optimum, their Frobenius distance) when
        ``linear`` is given.
    """
    X_test = as_points(X_test, "X_test")
    w = wasserstein_to_data(model, X_test, cost=cost, n=n, repeats=repeats, seed=seed, confidence=confidence)
    base = data_baseline(
        X_test, cost=cost, n=min(n, len(X_test) // 2), repeats=repeats, seed=seed, confidence=confidence
    )
    coupling = lw = lm = None
    if model.encoder is not None:
        coupling = coupling_cost(model, X_test, cost=cost, n=n, repeats=repeats, seed=seed, confidence=confidence)
        lw, lm = latent_mismatch(model, X_test, n=n, repeats=repeats, seed=seed, confidence=confidence)
    dec: dict[str, object] | None = None
    if linear is not None:
        obj = objective or ("vae" if model.name == "vae" else "pot")
        C = linear_decoder_cov(model, seed=seed)
        opt = linear.optimal_decoder_cov(obj, model.sigma2, model.latent_dim)
        dec = {"objective": obj, "distance": float(np.linalg.norm(C - opt)), "cov": C.tolist(), "optimum": opt.tolist()}
    return Evaluation(w_c=w, baseline=base, cost=cost, coupling=coupling, latent_w2sq=lw, latent_mmd2=lm, decoder=dec)


def evaluate_checkpoint(
    path: str | os.PathLike[str],
    *,
    n: int = 256,
    repeats: int = 10,
    seed: int = 0,
    confidence: float = 0.95,
    device: str = "cpu",
    cost: str | None = None,
) -> Evaluation:
    """Load run directory ``path`` (see :func:`otcheck.models.train.train`), rebuild its
    held-out set from the stored seed, and :func:`evaluate` it with the model's cost.

    A run that is not finished (stopped, killed, diverged: see
    :func:`otcheck.models.runs.read_status`) is evaluated with an
    :class:`~otcheck.models.runs.UnfinishedRunWarning`; an edited ``config.json`` is refused
    (:func:`otcheck.models.train.load_checkpoint`)."""
    from .data import LinearGaussian
    from .runs import warn_unfinished
    from .train import load_checkpoint

    ck = load_checkpoint(path, device=device)
    warn_unfinished(path, ck.status)
    assert ck.config.cost is not None  # resolved by TrainConfig
    _, X_test = ck.config.split()
    linear = {"linear-gaussian": LinearGaussian(), "linear-gaussian-1d": LinearGaussian((1.0,))}.get(ck.config.data)
    return evaluate(
        ck.model,
        X_test,
        cost=cost or ck.config.cost,
        n=min(n, len(X_test)),
        repeats=repeats,
        seed=seed,
        confidence=confidence,
        linear=linear,
    )
