r"""Shared pieces of the claims checked on trained torch models (:mod:`otcheck.claims.trained`,
:mod:`otcheck.claims.trained_samples`).

Each check trains small models with :func:`otcheck.models.train` (torch is imported only when a
check runs) and measures them with the exact layer. Every comparison is one of two
:class:`~otcheck.bounds.Bound`\ s decided by :func:`otcheck.claims.decide`:

* a certified number (an :attr:`otcheck.OTResult.bound`, a rational coupling cost) is a proof;
* a sampled number is a Student-t interval (:meth:`~otcheck.bounds.Bound.from_samples`, or
  :meth:`~otcheck.bounds.Bound.paired_difference` when the two sides were measured on the same
  training seeds or the same resamples) at 95 %. Each names its *target*, the expectation its
  replicates are unbiased for (a mean over iid points, a U-statistic, an exact value of the
  size-``n`` quantity that is the target): the bias is then zero, up to float64 rounding (about
  :math:`10^{-13}` of the terms' size, negligible against the intervals). Replicates that resample
  one held-out set are independent given that set: the interval is for the expectation given the
  set, whose own draw is not in it. A number whose bias against the paper's quantity is not bounded
  (the :math:`W_2` between ``n`` samples as an estimate of the :math:`W_2` between the laws) gets an
  interval with infinite ends, so its part is ``undecided`` whatever the sample says;
* a sampled interval is never tight, so it decides only what it proves: ``<``/``>`` hold when the
  interval excludes the other side, ``==`` holds when the interval of the difference lies inside
  the equivalence margin (``margin=``) that the claim states (a TOST: two one-sided tests, each at
  2.5 %), and nothing holds by overlap.

The sizes (steps, sample sizes, repetitions, margins) are keyword arguments of each check; the
defaults are what each part needs to be decided (``trained-aae-pot``: 64 training seeds, 128
runs).

The runs of a check are trained on local worker processes (its size ``workers``; 0, the default:
one per CPU) through the sweep engine (:func:`otcheck.models.sweep.train_configs`) into a run
store, one run directory per config (:mod:`otcheck.models.runs`): the size ``store``, else the
directory named by ``$OTCHECK_STORE``, else a temporary directory removed afterwards. A finished
run in the store is read instead of trained again (same config hash), a stopped one is resumed, so
``OTCHECK_STORE=runs/claims otcheck verify --trained`` trains once and then only evaluates (about a
minute). The same seed and thread count give the same weights on a worker as in this process.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from collections.abc import Iterator, Sequence
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..bounds import Bound

if TYPE_CHECKING:  # torch is imported only when a check runs
    from typing_extensions import Unpack

    from ..exact import OTResult
    from ..models.evaluate import Estimate
    from ..models.train import TrainConfig, TrainOptions, TrainResult


__all__: list[str] = []

#: float64 numpy array
FloatArray = NDArray[np.float64]

_CONF = 0.95

#: Relative error assumed for a float32 evaluation of a loss (a few hundred float32 operations):
#: :math:`2^{-12}`, the float32 counterpart of :data:`otcheck.bounds.FLOAT_REL_ERROR` (4096 units of
#: float32 rounding, :math:`2^{-24}`, of the size of the numbers it was computed from). An estimate.
FLOAT32_REL_ERROR = 2.0**-12


#: Environment variable naming the run store the trained claims read and write when their size
#: ``store`` is not given (``otcheck sweep``'s store layout: one run directory per config).
STORE_ENV = "OTCHECK_STORE"


def _config(model: str, data: str, steps: int, seed: int, **kw: Unpack[TrainOptions]) -> TrainConfig:
    """The :class:`~otcheck.models.train.TrainConfig` of a claim's run: one CPU thread (these nets are
    too small to gain from more; on a shared CPU extra threads only wait on each other), one
    evaluation at the end."""
    from ..models.train import TrainConfig

    kw.setdefault("device", "auto")
    return TrainConfig(model, data, steps=steps, seed=seed, eval_every=steps, eval_size=64, threads=1, **kw)


@contextlib.contextmanager
def _run_store(store: str = "") -> Iterator[str]:
    """The run store of a check: ``store``, else ``$OTCHECK_STORE``, else a temporary directory
    removed afterwards (runs are then trained again next time)."""
    given = store or os.environ.get(STORE_ENV, "")
    if given:
        yield given
    else:
        with tempfile.TemporaryDirectory(prefix="otcheck-trained-") as d:
            yield d


def _workers(workers: int = 0) -> int:
    """``workers``, or (0) the CPUs this process may use."""
    if workers:
        return int(workers)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _prefetch(configs: Sequence[TrainConfig], store: str, workers: int = 0) -> None:
    """Train the configs not yet finished in ``store``, on local worker processes (the sweep engine,
    :func:`otcheck.models.sweep.train_configs`); same seed, same thread count: the same weights as
    training them here."""
    from ..models.sweep import train_configs

    train_configs(configs, store, workers=_workers(workers))


def _train(
    model: str, data: str, steps: int, seed: int, *, store: str | None = None, **kw: Unpack[TrainOptions]
) -> TrainResult:
    """Train quietly (see :func:`_config`); with ``store``, the run directory ``STORE/run_name(config)``
    is read when finished there, resumed when stopped, written when missing."""
    from ..models.sweep import run_name
    from ..models.train import train

    cfg = _config(model, data, steps, seed, **kw)
    if store:
        return train(cfg, out=Path(store) / run_name(cfg), quiet=True, resume=True)
    return train(cfg, quiet=True)


def _interval(values: ArrayLike) -> Estimate:
    """The per-side Student-t interval (an :class:`~otcheck.models.evaluate.Estimate`), for ``details``."""
    from ..models.evaluate import mean_interval

    return mean_interval(values, _CONF)


def _sampled(values: ArrayLike, target: str) -> Bound:
    """Student-t interval (95 %) of the mean of replicates unbiased for ``target`` (no bias)."""
    values = np.asarray(values, dtype=np.float64)
    return Bound.from_samples(values, confidence=_CONF, method=f"{target}: mean of {values.size} replicates")


def _paired(x: ArrayLike, y: ArrayLike, target: str, over: str) -> Bound:
    """Student-t interval (95 %) of ``mean(x - y)`` over paired replicates (``over``: what pairs them)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return Bound.paired_difference(x, y, confidence=_CONF, method=f"{target}: paired difference over {x.size} {over}")


def _unbounded(b: Bound, why: str) -> Bound:
    """``b`` with its bias not bounded: infinite ends (never decides), the value kept."""
    return Bound(
        b.value,
        -math.inf,
        math.inf,
        method=f"{b.method}; {why}",
        guarantee=b.guarantee,
        confidence=b.confidence,
        tight=False,
    )


def _zero(what: str) -> Bound:
    return Bound.exact(0, method=what)


def _float32(value: float, scale: float, what: str) -> Bound:
    """A float32 evaluation as an estimate: ``value`` :math:`\\pm` :data:`FLOAT32_REL_ERROR` of ``scale``."""
    return Bound.estimate(
        value, FLOAT32_REL_ERROR * max(float(scale), abs(float(value))), method=f"{what} (float32 evaluation)"
    )


def _enclose(q: Fraction, method: str) -> Bound:
    """A proven float interval around the rational ``q``."""
    v = float(q)
    lo = v if Fraction(v) <= q else math.nextafter(v, -math.inf)
    hi = v if Fraction(v) >= q else math.nextafter(v, math.inf)
    return Bound.interval(lo, hi, v, method=method, guarantee="proof")


def _ot(X: FloatArray, Y: FloatArray, cost: str) -> OTResult:
    """The certified optimal transport between the uniform empirical laws of ``X`` and ``Y`` (an OTResult)."""
    from ..costs import cost_matrix
    from ..exact import solve_ot

    a, b = np.full(len(X), 1.0 / len(X)), np.full(len(Y), 1.0 / len(Y))
    return solve_ot(a, b, cost_matrix(X, Y, cost))


def _identity_coupling(res: OTResult) -> Bound:
    r"""The exact cost :math:`\sum_i a'_i C_{ii}` of the coupling :math:`x_i \mapsto y_i` in the LP that
    ``res`` certified (weights rescaled exactly to total one, as the certificate does), a proof."""
    a, b, C = res.a, res.b, res.C
    if a is None or b is None or C is None:
        raise ValueError("res: the identity coupling needs the problem the result solved (its a, b and C)")
    if not np.array_equal(a, b) or C.shape[0] != C.shape[1]:
        raise ValueError("res: the identity coupling needs equal uniform weights on both sides")
    w = [Fraction(float(t)) for t in a]
    total = sum(w, Fraction(0))
    q = sum((wi * Fraction(float(c)) for wi, c in zip(w, np.diag(C))), Fraction(0)) / total
    return _enclose(q, "encoder coupling x_i -> G(E(x_i)) on the same cost matrix, rational")
