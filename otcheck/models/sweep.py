r"""``otcheck sweep``: a grid of training runs and their exact evaluation, in a run store (layer 4).

A grid is the product model x data x :math:`\lambda` x :math:`\sigma^2` x seed (from flags or a
small TOML/YAML file, :meth:`SweepSpec.from_file`), with the same training and evaluation options
at every point. Each point is one run directory of the store (:mod:`otcheck.models.runs`), named
by its grid values and the first characters of its config hash::

    STORE/pot-ring-lam5-s2_1-seed0-3f2a9c1b7e/   config.json, model.pt, metrics.json, samples.png,
                                                 evaluation.json (the exact evaluation)
    STORE/results.csv, results.json               one row per run
    STORE/summary.csv, summary.json               one row per grid point over seeds, with intervals

A point whose run is finished and whose ``evaluation.json`` matches the config hash and the
evaluation options is read, never repeated; a stopped run (a killed sweep) is resumed from its
last checkpoint (:func:`otcheck.models.train.train` with ``resume=True``), so a killed sweep run
again finishes only what is missing.

Runs execute on local worker processes (``workers``; one worker runs in this process), or on Dask
distributed (``dask="local"`` starts a ``distributed.LocalCluster``; ``scheduler="tcp://HOST:PORT"``
sends the same tasks to a running cluster). Each task sets torch's thread count (``threads``,
default 1: these networks are fastest on one thread, and the workers use the cores). Over seeds,
each measured number :math:`w` gets a Student-t interval,

.. math::

    \bar w \pm t_{0.975,\, S-1}\, s / \sqrt S \qquad (S \text{ seeds}),

for the mean over training seeds of the size-``n`` quantity that :func:`otcheck.models.evaluate.evaluate`
reports (its own interval is over resamples of one trained model).
"""

from __future__ import annotations

import csv
import itertools
import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import numpy as np

from .runs import RunError, RunLockedError, atomic_write_bytes, atomic_write_json, read_json, read_status
from .train import TrainConfig, TrainConfigDict, TrainingDiverged, recipe, train

__all__ = [
    "SweepSpec",
    "SweepResult",
    "run_point",
    "run_sweep",
    "train_configs",
    "run_name",
    "point_done",
    "write_table",
    "summarize",
    "GRID_KEYS",
    "METRICS",
]

#: The grid's axes (flags ``--model --data --lam --sigma2 --seed``, the same keys in a grid file).
GRID_KEYS = ("model", "data", "lam", "sigma2", "seed")

#: The numbers of a row taken from the evaluation (each the mean over resamples of one run).
METRICS = ("w_c", "baseline", "coupling", "latent_w2sq", "latent_mmd2")

#: Keys of the ``[evaluate]`` table of a grid file (:func:`otcheck.models.evaluate.evaluate_checkpoint`).
EVAL_KEYS = ("n", "repeats", "seed")


Row = dict[str, object]


def _as_list(value: object, name: str) -> list[object]:
    if isinstance(value, (list, tuple)):
        if not value:
            raise ValueError(f"{name}: an empty list gives an empty grid")
        return list(value)
    return [value]


@dataclass(frozen=True)
class SweepSpec:
    """A grid of runs: its axes, the training options common to every point, the evaluation options.

    Attributes
    ----------
    grid : dict
        ``{axis: values}`` for the axes of :data:`GRID_KEYS` (``lam`` and ``sigma2`` may be
        ``[None]``: the model's default, or the tuned recipe).
    train : dict
        Other :class:`~otcheck.models.train.TrainConfig` fields (``steps``, ``width``, ...).
    evaluate : dict
        ``n``, ``repeats``, ``seed`` of :func:`~otcheck.models.evaluate.evaluate_checkpoint`.

    Examples
    --------
    >>> spec = SweepSpec({"model": ["pot"], "data": ["moons"], "lam": [1, 10], "seed": [0, 1]}, {"steps": 5})
    >>> [(c.lam, c.seed) for c in spec.configs()]
    [(1.0, 0), (1.0, 1), (10.0, 0), (10.0, 1)]
    """

    grid: Mapping[str, Sequence[object]]
    train: Mapping[str, object] = field(default_factory=dict)
    evaluate: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.grid) - set(GRID_KEYS))
        if unknown:
            raise ValueError(f"grid: unknown axes {unknown} (the axes are {', '.join(GRID_KEYS)})")
        for k in ("model", "data"):
            if k not in self.grid:
                raise ValueError(f"grid: the axis {k!r} is required")
        grid = {k: _as_list(self.grid.get(k, [None] if k in ("lam", "sigma2") else [0]), k) for k in GRID_KEYS}
        object.__setattr__(self, "grid", grid)
        clash = sorted(set(self.train) & set(GRID_KEYS))
        if clash:
            raise ValueError(f"train: {clash} are grid axes, give them in the grid")
        bad = sorted(set(self.evaluate) - set(EVAL_KEYS))
        if bad:
            raise ValueError(f"evaluate: unknown options {bad} (known: {', '.join(EVAL_KEYS)})")
        self.configs()  # every point is validated now

    def configs(self) -> list[TrainConfig]:
        """One :class:`~otcheck.models.train.TrainConfig` per grid point (recipe, then options, then axes)."""
        out = []
        g = self.grid
        for model, data, lam, sigma2, seed in itertools.product(*(g[k] for k in GRID_KEYS)):
            if not isinstance(model, str) or not isinstance(data, str):
                raise TypeError(f"grid: model and data are names, got {model!r}, {data!r}")
            kw: dict[str, object] = {**recipe(model, data), **self.train}
            if lam is not None:
                kw["lam"] = lam
            if sigma2 is not None:
                kw["sigma2"] = sigma2
            try:
                d = {"model": model, "data": data, "seed": seed, **kw}
                out.append(TrainConfig.from_dict(cast(TrainConfigDict, d)))  # each field validated by TrainConfig
            except TypeError as exc:
                raise TypeError(f"grid point {model}/{data} lam={lam} sigma2={sigma2} seed={seed}: {exc}") from None
            except ValueError as exc:
                raise ValueError(f"grid point {model}/{data} lam={lam} sigma2={sigma2} seed={seed}: {exc}") from None
        return out

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> SweepSpec:
        """Read a grid file: TOML (``.toml``) or YAML (``.yaml``/``.yml``, needs PyYAML).

        Top-level keys are the axes of :data:`GRID_KEYS` (a value or a list); a ``train`` table
        holds the training options, an ``evaluate`` table ``n``, ``repeats``, ``seed``::

            model = ["pot", "wae-mmd"]
            data = "ring"
            lam = [1, 10, 100]
            seed = [0, 1, 2]
            [train]
            steps = 500
            [evaluate]
            n = 128
        """
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise RunError(f"{p}: cannot be read ({exc.strerror or exc})") from None
        suffix = p.suffix.lower()
        if suffix == ".toml":
            import importlib

            try:
                tomllib = importlib.import_module("tomllib")
            except ImportError:  # Python 3.10
                from .._optional import require

                tomllib = require("tomli", "otcheck sweep --grid FILE.toml on Python 3.10")
            try:
                raw = tomllib.loads(text)
            except ValueError as exc:
                raise RunError(f"{p}: broken TOML: {exc}") from None
        elif suffix in (".yaml", ".yml"):
            from .._optional import require

            yaml = require("yaml", "otcheck sweep --grid FILE.yaml")
            try:
                raw = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                raise RunError(f"{p}: broken YAML: {exc}") from None
        else:
            raise RunError(f"{p}: a grid file is .toml, .yaml or .yml")
        if not isinstance(raw, dict):
            raise RunError(f"{p}: expected a table of axes, got {type(raw).__name__}")
        train_opts, ev = raw.pop("train", {}), raw.pop("evaluate", {})
        if not isinstance(train_opts, dict) or not isinstance(ev, dict):
            raise RunError(f"{p}: 'train' and 'evaluate' must be tables")
        try:
            return cls(raw, train_opts, ev)
        except (TypeError, ValueError) as exc:
            raise RunError(f"{p}: {exc}") from None


def _fmt(x: object) -> str:
    return "default" if x is None else format(x, "g") if isinstance(x, float) else str(x)


def run_name(config: TrainConfig) -> str:
    """The run directory's name: grid values and 10 hex digits of the config hash.

    Examples
    --------
    >>> from otcheck.models.train import TrainConfig
    >>> run_name(TrainConfig("pot", "ring", lam=5.0, sigma2=0.5, seed=3))[:27]
    'pot-ring-lam5-s2_0.5-seed3-'
    """
    return (
        f"{config.model}-{config.data}-lam{_fmt(config.lam)}-s2_{_fmt(config.sigma2)}-seed{config.seed}-"
        + (config.hash()[:10])
    )


def _eval_options(evaluation: Mapping[str, int]) -> dict[str, int]:
    get = evaluation.get
    return {"n": int(get("n", 256)), "repeats": int(get("repeats", 10)), "seed": int(get("seed", 0))}


def point_done(
    directory: str | os.PathLike[str], config: TrainConfig, evaluation: Mapping[str, int] | None
) -> Row | None:
    """The stored row of a finished and evaluated point (``None`` when something is missing).

    With ``evaluation=None`` (a training-only point) a finished run with ``config``'s hash is done.
    """
    d = Path(directory)
    if evaluation is None:
        try:
            st = read_status(d)
        except RunError:
            return None
        if st.finished and st.config_hash == config.hash():
            return {**_row(config, d.name), "status": "finished"}
        return None
    ev_path = d / "evaluation.json"
    if not ev_path.is_file():
        return None
    try:
        st = read_status(d)
        ev = read_json(ev_path)
    except RunError:
        return None
    if not st.finished or not isinstance(ev, dict):
        return None
    if ev.get("config_hash") != config.hash() or ev.get("options") != _eval_options(evaluation):
        return None
    row = ev.get("row")
    return dict(row) if isinstance(row, dict) else None


def _row(config: TrainConfig, name: str) -> Row:
    return {
        "run": name,
        "model": config.model,
        "data": config.data,
        "lam": config.lam,
        "sigma2": config.sigma2,
        "seed": config.seed,
        "steps": config.steps,
    }


#: ``mallopt`` parameters of glibc (``malloc.h``): the trim and the mmap thresholds.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_malloc_tuned = False


def _malloc_for_training() -> bool:
    """Undo, in this process, what ``MALLOC_TRIM_THRESHOLD_`` in the environment does to torch's speed.

    Dask's nannies start every worker with ``MALLOC_TRIM_THRESHOLD_=65536`` (to hand memory back to
    the system). Setting that threshold turns off glibc's dynamic mmap threshold, so every allocation
    of 128 KiB or more, a batch of activations, becomes an ``mmap`` with fresh page faults: a small
    network trains about 1.5x slower in a Dask worker than in a plain process (measured: 7.3 s
    against 4.9 s for the same run; 4.5 s with this). When that variable is set and the C library is
    glibc, the thresholds are set once per process to 64 MiB (mmap) and 256 MiB (trim): the worker
    keeps up to that much freed memory for reuse. Returns True when it changed them.
    """
    global _malloc_tuned
    if _malloc_tuned or "MALLOC_TRIM_THRESHOLD_" not in os.environ or not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
        ok = bool(libc.mallopt(_M_MMAP_THRESHOLD, 64 * 2**20)) and bool(libc.mallopt(_M_TRIM_THRESHOLD, 256 * 2**20))
    except (OSError, AttributeError):  # not glibc (musl, ...): nothing to undo
        return False
    _malloc_tuned = True
    return ok


def run_point(
    store: str, config: Mapping[str, object], evaluation: Mapping[str, int] | None, threads: int | None = 1
) -> Row:
    """Train (or resume) and evaluate one grid point in ``store``; returns its row. A task of the sweep.

    A finished, evaluated point is read back (``"cached": True``). A diverged run gives a row with
    ``status`` ``"diverged"``; a point another process is writing, ``"locked"``. ``threads`` sets
    torch's thread count for the worker (not restored: tasks running beside this one in the same
    process, Dask threads, rely on it; :func:`run_sweep` restores its own).
    """
    import torch

    from .evaluate import evaluate_checkpoint

    cfg = TrainConfig.from_dict(cast(TrainConfigDict, dict(config)))  # from_dict validates every field
    name = run_name(cfg)
    d = Path(store) / name
    done = point_done(d, cfg, evaluation)
    if done is not None:
        return {**done, "cached": True}
    row = _row(cfg, name)
    _malloc_for_training()
    if threads is not None:  # the worker's setting: not restored, a task running beside this one relies on it
        torch.set_num_threads(threads)
    t0 = time.perf_counter()
    try:
        res = train(cfg, out=d, quiet=True, resume=True)
    except TrainingDiverged as exc:
        return {**row, "status": "diverged", "detail": str(exc), "cached": False}
    except RunLockedError as exc:
        return {**row, "status": "locked", "detail": str(exc), "cached": False}
    t1 = time.perf_counter()
    if evaluation is None:  # a training-only point
        return {**row, "status": "finished", "train_seconds": t1 - t0, "threads": threads, "cached": False}
    opts = _eval_options(evaluation)
    ev = evaluate_checkpoint(d, n=opts["n"], repeats=opts["repeats"], seed=opts["seed"])
    t2 = time.perf_counter()
    row.update(status="finished", train_seconds=t1 - t0, eval_seconds=t2 - t1, threads=threads)
    row["w2sq_quick"] = res.final.get("w2sq_test", math.nan)
    for key in METRICS:
        e = getattr(ev, key)
        if e is not None:
            row[key], row[f"{key}_low"], row[f"{key}_high"] = e.value, e.low, e.high
    record = {"config_hash": cfg.hash(), "options": opts, "row": row, "evaluation": ev.to_dict()}
    atomic_write_json(d / "evaluation.json", record)
    return {**row, "cached": False}


@dataclass(frozen=True)
class SweepResult:
    """What :func:`run_sweep` returns: one row per run, the rows over seeds, the files written."""

    rows: list[Row]
    summary: list[Row]
    files: list[str]
    seconds: float
    executed: int

    @property
    def ok(self) -> bool:
        """Every run finished."""
        return all(r.get("status") == "finished" for r in self.rows)


def summarize(rows: Iterable[Row], confidence: float = 0.95) -> list[Row]:
    r"""Group finished rows by (model, data, lam, sigma2) and give each metric's mean over seeds with a
    Student-t interval (``nan`` ends with a single seed).

    Examples
    --------
    >>> rows = [{"model": "pot", "data": "ring", "lam": 1.0, "sigma2": 1.0, "seed": s, "status": "finished",
    ...          "w_c": v} for s, v in enumerate([1.0, 2.0, 3.0])]
    >>> s = summarize(rows)[0]
    >>> s["seeds"], s["w_c"], s["w_c_low"] < 2.0 < s["w_c_high"]
    (3, 2.0, True)
    """
    from ..bounds import student_t_interval

    groups: dict[tuple[object, ...], list[Row]] = {}
    for r in rows:
        if r.get("status") == "finished":
            groups.setdefault(tuple(r.get(k) for k in GRID_KEYS[:4]), []).append(r)
    out = []
    for key, rs in groups.items():
        s: Row = dict(zip(GRID_KEYS[:4], key))
        s["seeds"] = len(rs)
        for m in METRICS:
            vals = np.array([float(str(r[m])) for r in rs if r.get(m) is not None], dtype=np.float64)
            if vals.size == 0:
                continue
            if vals.size >= 2:
                mean, half = student_t_interval(vals, confidence)
            else:
                mean, half = float(vals[0]), math.nan
            s[m], s[f"{m}_low"], s[f"{m}_high"] = mean, mean - half, mean + half
        out.append(s)
    return out


def write_table(path: str | os.PathLike[str], rows: Sequence[Row]) -> str:
    """Write ``rows`` (dicts) as CSV to ``path`` atomically (columns: every key, in first-seen order)."""
    path = Path(path)
    cols: list[str] = []
    for r in rows:
        cols.extend(k for k in r if k not in cols)
    import io

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    atomic_write_bytes(path, buf.getvalue().encode("utf-8"))
    return str(path)


#: A task: (store, config dict, evaluation options or None, threads).
Task = tuple[str, dict[str, object], "dict[str, int] | None", "int | None"]

Executor = Callable[[list[Task]], Iterable[Row]]


def _serial(tasks: list[Task]) -> Iterable[Row]:
    for t in tasks:
        yield run_point(*t)


#: Environment variables that size the thread pools of the numerical libraries (BLAS, OpenMP).
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _pool(workers: int, threads: int | None = 1) -> Executor:
    def run(tasks: list[Task]) -> Iterable[Row]:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        ctx = multiprocessing.get_context("spawn")  # no fork of a process that has torch's threads
        # the workers inherit this environment when spawned (lazily, so it is kept while the pool
        # lives): BLAS and OpenMP sized to `threads` each, so that `workers` processes do not
        # oversubscribe the cores (the exact solver uses BLAS)
        saved = {k: os.environ.get(k) for k in THREAD_ENV}
        if threads is not None:
            os.environ.update({k: str(threads) for k in THREAD_ENV})
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as ex:
                futures = [ex.submit(run_point, *t) for t in tasks]
                for f in as_completed(futures):
                    yield f.result()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    return run


def _dask(workers: int, scheduler: str | None, processes: bool) -> Executor:
    def run(tasks: list[Task]) -> Iterable[Row]:
        from .._optional import require

        distributed = require("distributed", "otcheck sweep --dask/--scheduler")
        dask = require("dask", "otcheck sweep --dask/--scheduler")
        # Dask's statistical profiler samples the running task's stack every 10 ms (holding the
        # GIL), which slows a Python-heavy training loop of small networks: off for the sweep
        profile = dask.config.set({"distributed.worker.profile.enabled": False})
        profile.__enter__()
        if scheduler is not None:
            client = distributed.Client(scheduler)
            cluster = None
        else:
            cluster = distributed.LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=processes, dashboard_address=None
            )
            client = distributed.Client(cluster)
        try:
            futures = [
                client.submit(run_point, *t, pure=False, key=f"otcheck-{Path(t[0]).name}-{i}")
                for i, t in enumerate(tasks)
            ]
            for f in distributed.as_completed(futures):
                yield f.result()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
            profile.__exit__(None, None, None)

    return run


def train_configs(
    configs: Sequence[TrainConfig],
    store: str | os.PathLike[str],
    *,
    workers: int = 1,
    threads: int | None = 1,
) -> list[Row]:
    """Train every config not yet finished in ``store`` (no evaluation), on ``workers`` local
    processes; returns their rows in order. The runs are then read with
    :func:`otcheck.models.train.train` (``resume=True``) or :func:`~otcheck.models.train.load_checkpoint`
    from ``STORE/run_name(config)``.
    """
    root = Path(store)
    root.mkdir(parents=True, exist_ok=True)
    rows: dict[str, Row] = {}
    tasks: list[Task] = []
    queued: set[str] = set()
    for cfg in configs:
        name = run_name(cfg)
        done = point_done(root / name, cfg, None)
        if done is not None:
            rows[name] = {**done, "cached": True}
        elif name not in queued:
            queued.add(name)
            tasks.append((str(root), cfg.to_dict(), None, threads))
    executor = _pool(min(workers, len(tasks)), threads) if workers > 1 and len(tasks) > 1 else _serial
    import torch

    prev = torch.get_num_threads()
    try:
        for row in executor(tasks):
            rows[str(row["run"])] = row
    finally:
        torch.set_num_threads(prev)
    return [rows[run_name(c)] for c in configs]


def run_sweep(
    spec: SweepSpec,
    store: str | os.PathLike[str],
    *,
    workers: int = 1,
    dask: str | None = None,
    scheduler: str | None = None,
    threads: int | None = 1,
    progress: bool = True,
    dask_processes: bool = True,
) -> SweepResult:
    """Run every point of ``spec`` not yet finished and evaluated in ``store``; write the tables.

    Parameters
    ----------
    spec : SweepSpec
        The grid of runs, the training options common to every point and the evaluation options.
    store : str or path-like
        The run store (created): one run directory per point.
    workers : int
        Local worker processes (1: in this process), or the ``LocalCluster``'s workers.
    dask : {None, "local"}
        ``"local"``: run on a Dask ``distributed.LocalCluster`` of ``workers`` workers.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://HOST:PORT``); the workers must see ``store``.
    threads : int or None
        torch threads in each task (``None``: leave the worker's setting).
    progress : bool
        A tqdm bar over the whole sweep (finished points count from the start).
    dask_processes : bool
        ``LocalCluster(processes=...)``: threads in this process when False (tests).

    Returns
    -------
    SweepResult
        Rows in grid order; ``STORE/results.{csv,json}`` and ``STORE/summary.{csv,json}`` written.
    """
    from .runs import check_out_dir

    if not isinstance(spec, SweepSpec):
        raise TypeError(f"spec: expected a SweepSpec, got {type(spec).__name__}")
    from .._validation import check_positive_int

    workers = check_positive_int(workers, "workers")
    if threads is not None:
        threads = check_positive_int(threads, "threads")
    if dask not in (None, "local"):
        raise ValueError(f"dask: expected 'local' or None, got {dask!r}")
    if dask is not None and scheduler is not None:
        raise ValueError("dask, scheduler: give one (a LocalCluster, or the address of a running scheduler)")
    root = check_out_dir(store, "store")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunError(f"store: cannot create the directory {root}: {exc.strerror or exc}") from None
    t0 = time.perf_counter()
    configs = spec.configs()
    ev = _eval_options(spec.evaluate)
    names = [run_name(c) for c in configs]
    if len(set(names)) != len(names):
        raise ValueError("spec: the grid repeats a point")
    rows: dict[str, Row] = {}
    tasks: list[Task] = []
    for cfg, name in zip(configs, names):
        done = point_done(root / name, cfg, ev)
        if done is not None:
            rows[name] = {**done, "cached": True}
        else:
            tasks.append((str(root), cfg.to_dict(), ev, threads))
    if dask is not None or scheduler is not None:
        executor = _dask(workers, scheduler, dask_processes)
    elif workers > 1 and len(tasks) > 1:
        executor = _pool(min(workers, len(tasks)), threads)
    else:
        executor = _serial
    import torch
    from tqdm.auto import tqdm

    prev_threads = torch.get_num_threads()  # tasks run in this process (serial, Dask threads) set it
    try:
        with tqdm(total=len(configs), initial=len(rows), disable=not progress, desc="sweep", unit="run") as bar:
            for row in executor(tasks):
                rows[str(row["run"])] = row
                bar.update(1)
                bar.set_postfix(last=str(row["run"])[:40], status=row.get("status"))
    finally:
        torch.set_num_threads(prev_threads)
    ordered = [rows[n] for n in names]
    summary = summarize(ordered)
    files = [
        write_table(root / "results.csv", ordered),
        write_table(root / "summary.csv", summary),
    ]
    for stem, data in (("results", ordered), ("summary", summary)):
        atomic_write_json(root / f"{stem}.json", data)
        files.append(str(root / f"{stem}.json"))
    return SweepResult(ordered, summary, files, time.perf_counter() - t0, len(tasks))
