"""Small torch models trained on CPU or GPU and measured with the exact solvers (layer 4).

``otcheck.models`` imports torch (the ``models`` extra: ``pip install 'otcheck[models]'``); nothing
else in otcheck does at import time. It sits below the claims layer: the trained claims
(:mod:`otcheck.claims.trained`) import it when they run.

- :mod:`~otcheck.models.data`: seeded data sets (:data:`DATASETS`, :func:`make_data`, :class:`LinearGaussian`);
- :mod:`~otcheck.models.nets`: MLP encoders, decoders, critics;
- :mod:`~otcheck.models.objectives`: POT/WAE-GAN, WAE-MMD, AAE, VAE, WGAN-GP (:data:`MODELS`);
- :mod:`~otcheck.models.train`: :class:`TrainConfig`, :func:`train`, checkpoints;
- :mod:`~otcheck.models.runs`: the run directory (atomic files, lock, status, config hash);
- :mod:`~otcheck.models.evaluate`: certified measurements of a trained model;
- :mod:`~otcheck.models.sweep`: grids of runs in a run store, on local workers or Dask;
- :mod:`~otcheck.models.cli`: the ``train``, ``evaluate`` and ``sweep`` subcommands.
"""

from .._optional import require

require("torch", "otcheck.models")

from .data import DATASETS, LinearGaussian, make_data, split_data  # noqa: E402
from .evaluate import Estimate, Evaluation, evaluate, evaluate_checkpoint  # noqa: E402
from .objectives import MODELS, build_model  # noqa: E402
from .train import TrainConfig, TrainingDiverged, TrainResult, load_checkpoint, train  # noqa: E402

__all__ = [
    "DATASETS",
    "LinearGaussian",
    "make_data",
    "split_data",
    "MODELS",
    "build_model",
    "TrainConfig",
    "TrainResult",
    "TrainingDiverged",
    "train",
    "load_checkpoint",
    "Estimate",
    "Evaluation",
    "evaluate",
    "evaluate_checkpoint",
]
