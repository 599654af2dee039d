"""``otcheck train``, ``otcheck evaluate`` and ``otcheck sweep``: subcommands registered on the main parser.

Contract with :mod:`otcheck.cli`: it calls :func:`add_subcommands` with its ``subparsers`` object
(from ``parser.add_subparsers(...)``); each registered subparser has ``set_defaults(func=handler)``
and ``handler(args)`` returns the process exit code (0 success, 1 training diverged, 2 bad input
such as an unknown model or data name, whose message lists the valid names).
"""

from __future__ import annotations

import argparse
import sys

from ..costs import COST_NAMES

__all__ = ["add_subcommands", "train_handler", "evaluate_handler", "sweep_handler"]


def add_subcommands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``train``, ``evaluate`` and ``sweep`` on ``subparsers`` (an ``argparse`` subparsers action).

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="otcheck")
    >>> add_subcommands(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["train", "pot", "--data", "ring", "--steps", "3", "--out", "run"])
    >>> args.func is train_handler, args.steps, args.device
    (True, 3, 'auto')
    """
    from .data import DATASETS
    from .objectives import MODELS

    models, datasets = ", ".join(sorted(MODELS)), ", ".join(sorted(DATASETS))
    p = subparsers.add_parser(
        "train",
        help="train a small model (pot, wae-mmd, aae, vae, wgan-gp) and write a checkpoint",
        description=f"Train MODEL on a seeded data set; write DIR/model.pt, config.json, metrics.json and "
        f"samples.png. Models: {models}. Data sets: {datasets}.",
    )
    p.add_argument("model", help=f"one of: {models}")
    p.add_argument("--data", default="ring", help=f"data set, one of: {datasets} (default ring)")
    p.add_argument("--steps", type=int, default=2000, help="training steps (default 2000)")
    p.add_argument("--seed", type=int, default=0, help="seed of data, initialization and batches (default 0)")
    p.add_argument("--out", default=None, help="run directory (default runs/MODEL-DATA-seedS)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--overwrite", action="store_true", help="replace a run already in the directory")
    g.add_argument("--resume", action="store_true", help="continue the stopped run from its last checkpoint")
    p.add_argument("--eval-every", type=int, default=None, help="evaluation and checkpoint interval (default steps/10)")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"), help="default auto (CUDA if present)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--batch-size", type=int, default=256, help="batch size (default 256)")
    p.add_argument(
        "--lr",
        type=float,
        default=None,
        help="Adam learning rate (default 1e-3, or the tuned recipe for MODEL on DATA)",
    )
    p.add_argument("--lam", type=float, default=None, help="lambda of the latent penalty (model default)")
    p.add_argument("--sigma2", type=float, default=None, help="decoder variance sigma^2 (model default)")
    p.add_argument("--cost", default=None, choices=COST_NAMES, help="cost c (model default)")
    p.add_argument("--width", type=int, default=128, help="hidden units per layer (default 128)")
    p.add_argument("--depth", type=int, default=2, help="hidden layers (default 2; 0 = linear)")
    p.add_argument(
        "--threads", type=int, default=1, help="CPU threads for torch (default 1: fastest for these small networks)"
    )
    p.set_defaults(func=train_handler)

    e = subparsers.add_parser(
        "evaluate",
        help="re-measure a checkpoint with the exact OT layer",
        description="Load DIR (written by 'otcheck train') and print certified W_c to held-out "
        "data with an interval, the encoder coupling cost and the Q_Z/P_Z mismatch.",
    )
    e.add_argument("dir", help="checkpoint directory")
    e.add_argument("--n", type=int, default=256, help="sample size of each repetition (default 256)")
    e.add_argument("--repeats", type=int, default=10, help="repetitions for the interval (default 10)")
    e.add_argument("--seed", type=int, default=0, help="seed of the resamples (default 0)")
    e.add_argument("--device", default="cpu", choices=("auto", "cpu", "cuda"), help="default cpu")
    e.add_argument("--json", default=None, help="also write the numbers to this JSON file")
    e.set_defaults(func=evaluate_handler)
    _add_sweep(subparsers, models, datasets)


def _seeds(text: str) -> list[int]:
    """``"3"``, ``"0,3,7"``, ``"0..9"`` (inclusive) or a mix -> distinct seeds in order."""
    out: list[int] = []
    for part in text.split(","):
        lo, dots, hi = part.strip().partition("..")
        try:
            seeds = range(int(lo), int(hi) + 1) if dots else [int(lo)]
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected seeds like 3, 0,3,7 or 0..9, got {text!r}") from None
        out.extend(s for s in seeds if s not in out)
    if not out or min(out) < 0:
        raise argparse.ArgumentTypeError(f"expected seeds >= 0, got {text!r}")
    return out


def _add_sweep(sub: argparse._SubParsersAction[argparse.ArgumentParser], models: str, datasets: str) -> None:
    import os

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    s = sub.add_parser(
        "sweep",
        help="train and evaluate a grid of runs (model x data x lambda x sigma^2 x seed) into a run store",
        description="Run every point of a grid not yet finished in STORE (one run directory per point; a killed "
        "sweep resumes where it stopped and never repeats a finished run), on local worker processes or Dask, "
        "and write STORE/results.csv|json (one row per run) and STORE/summary.csv|json (means over seeds with "
        f"95 % Student-t intervals). Models: {models}. Data sets: {datasets}.",
    )
    s.add_argument("--grid", default=None, help="a TOML or YAML grid file (axes, [train], [evaluate]); flags override")
    s.add_argument("--model", nargs="+", default=None, help="model axis")
    s.add_argument("--data", nargs="+", default=None, help="data axis")
    s.add_argument("--lam", nargs="+", type=float, default=None, help="lambda axis (default: the model's)")
    s.add_argument("--sigma2", nargs="+", type=float, default=None, help="sigma^2 axis (default: the model's)")
    s.add_argument("--seed", type=_seeds, default=None, help="seed axis: 3, 0,3,7 or 0..9 (default 0)")
    s.add_argument("--steps", type=int, default=None, help="training steps of every run (default 1000)")
    s.add_argument("--width", type=int, default=None, help="hidden units per layer")
    s.add_argument("--depth", type=int, default=None, help="hidden layers")
    s.add_argument("--batch-size", type=int, default=None, help="batch size")
    s.add_argument("--lr", type=float, default=None, help="learning rate")
    s.add_argument("--device", default="cpu", choices=("auto", "cpu", "cuda"), help="default cpu")
    s.add_argument("--n", type=int, default=None, help="evaluation sample size (default 256)")
    s.add_argument("--repeats", type=int, default=None, help="evaluation repetitions (default 10)")
    s.add_argument("--store", default="runs/sweep", help="the run store (default runs/sweep)")
    s.add_argument("--workers", type=int, default=cpus, help=f"worker processes (default: the CPUs, {cpus})")
    s.add_argument("--threads", type=int, default=1, help="torch threads per worker (default 1)")
    s.add_argument("--dask", choices=("local",), default=None, help="run on a Dask LocalCluster of --workers workers")
    s.add_argument("--scheduler", default=None, help="address of a Dask scheduler (tcp://HOST:PORT) to run on")
    s.add_argument("--table", default=None, help="also write the summary over seeds to this .csv or .json file")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=sweep_handler)


def _err(msg: str) -> None:
    print(f"otcheck: error: {msg}", file=sys.stderr)


def _os_message(exc: OSError, where: object) -> str:
    """An OSError as ``FILE: problem`` (the file named by the error, else ``where``)."""
    if exc.filename:
        return f"{exc.filename}: {exc.strerror or exc}"
    text = exc.strerror or str(exc)
    return text if str(where) in text else f"{where}: {text}"


def train_handler(args: argparse.Namespace) -> int:
    """Run ``otcheck train``; returns the exit code."""
    from .runs import RunError
    from .train import TrainConfig, TrainingDiverged, recipe, train

    out = f"runs/{args.model}-{args.data}-seed{args.seed}" if args.out is None else args.out
    try:
        kw = recipe(args.model, args.data)  # tuned settings, overridden by the options given
        if args.lr is not None:
            kw["lr"] = args.lr
        if args.lam is not None:
            kw["lam"] = args.lam
        if args.sigma2 is not None:
            kw["sigma2"] = args.sigma2
        if args.cost is not None:
            kw["cost"] = args.cost
        cfg = TrainConfig(
            args.model,
            args.data,
            steps=args.steps,
            seed=args.seed,
            batch_size=args.batch_size,
            width=args.width,
            depth=args.depth,
            device=args.device,
            threads=args.threads,
            eval_every=args.eval_every,
            **kw,
        )
        from .objectives import build_model  # noqa: F401  (model/hyperparameter errors surface before training)

        result = train(cfg, out=out, quiet=args.quiet, overwrite=args.overwrite, resume=args.resume)
    except (ValueError, TypeError, RunError) as exc:
        _err(str(exc))
        return 2
    except OSError as exc:  # a filesystem error: the message names the file
        _err(_os_message(exc, out))
        return 2
    except KeyboardInterrupt:
        _err(f"interrupted; {out} is kept as a stopped run (continue it with --resume)")
        return 130
    except TrainingDiverged as exc:
        _err(str(exc))
        return 1
    last = result.final
    print(
        f"trained {cfg.model} on {cfg.data} for {cfg.steps} steps on {result.device} in {result.seconds:.1f} s; "
        f"W_2^2(held-out, samples) = {last.get('w2sq_test', float('nan')):.4g}"
    )
    print(f"run directory: {out} (model.pt, config.json, metrics.json, samples.png); status: finished")
    return 0


def evaluate_handler(args: argparse.Namespace) -> int:
    """Run ``otcheck evaluate``; returns the exit code."""
    import warnings

    from .evaluate import evaluate_checkpoint
    from .runs import RunError, UnfinishedRunWarning, atomic_write_json

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UnfinishedRunWarning)
            ev = evaluate_checkpoint(args.dir, n=args.n, repeats=args.repeats, seed=args.seed, device=args.device)
    except (ValueError, TypeError, FileNotFoundError, RunError) as exc:
        _err(str(exc))
        return 2
    except OSError as exc:
        _err(_os_message(exc, args.dir))
        return 2
    for w in caught:
        if issubclass(w.category, UnfinishedRunWarning):
            print(f"otcheck evaluate: warning: {w.message}", file=sys.stderr)
    from .runs import read_status

    print(f"run {args.dir}: {read_status(args.dir).describe()}")
    print(ev.summary())
    if args.json:
        try:
            atomic_write_json(args.json, ev.to_dict())
        except OSError as exc:
            _err(f"--json: {_os_message(exc, args.json)}")
            return 2
    return 0


def sweep_handler(args: argparse.Namespace) -> int:
    """Run ``otcheck sweep``; returns the exit code (1 when a run diverged or was locked by another writer)."""
    from pathlib import Path

    from .runs import RunError, atomic_write_json
    from .sweep import GRID_KEYS, METRICS, SweepSpec, run_sweep

    try:
        if args.grid is not None:
            base = SweepSpec.from_file(args.grid)
            grid = {k: list(v) for k, v in base.grid.items()}
            train_opts, ev = dict(base.train), dict(base.evaluate)
        else:
            grid, train_opts, ev = {}, {}, {}
        for key in GRID_KEYS:
            value = getattr(args, key)
            if value is not None:
                grid[key] = list(value)
        for key in ("steps", "width", "depth", "batch_size", "lr"):
            if getattr(args, key) is not None:
                train_opts[key] = getattr(args, key)
        train_opts["device"] = args.device
        for key in ("n", "repeats"):
            if getattr(args, key) is not None:
                ev[key] = getattr(args, key)
        for key in ("model", "data"):
            if key not in grid:
                raise ValueError(f"--{key}: give the {key} axis (or a --grid file with it)")
        spec = SweepSpec(grid, train_opts, ev)
        result = run_sweep(
            spec,
            args.store,
            workers=args.workers,
            dask=args.dask,
            scheduler=args.scheduler,
            threads=args.threads,
            progress=not args.quiet,
        )
        if args.table:
            table = Path(args.table)
            if table.suffix.lower() == ".json":
                atomic_write_json(table, result.summary)
            else:
                from .sweep import write_table

                write_table(table, result.summary)
    except (ValueError, TypeError, RunError) as exc:
        _err(str(exc))
        return 2
    except ImportError as exc:
        _err(str(exc))
        return 2
    except OSError as exc:
        _err(_os_message(exc, args.store))
        return 2
    cached = sum(1 for r in result.rows if r.get("cached"))
    print(
        f"sweep of {len(result.rows)} runs into {args.store}: {result.executed} run now, {cached} already finished, "
        f"{result.seconds:.1f} s"
    )
    for srow in result.summary:
        head = " ".join(f"{k}={srow[k]}" for k in GRID_KEYS[:4])
        cells = [
            f"{m} {float(str(srow[m])):.4g} [{float(str(srow[m + '_low'])):.4g}, {float(str(srow[m + '_high'])):.4g}]"
            for m in METRICS
            if m in srow
        ]
        print(f"{head} ({srow['seeds']} seeds): " + "; ".join(cells))
    bad = [r for r in result.rows if r.get("status") != "finished"]
    for r in bad:
        print(f"{r['run']}: {r.get('status')}: {r.get('detail', '')}", file=sys.stderr)
    print(f"tables: {', '.join(result.files)}" + (f", {args.table}" if args.table else ""))
    return 1 if bad else 0
