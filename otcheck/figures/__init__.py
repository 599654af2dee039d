r"""Figures of the paper's claims, for papers and notebooks (front end, layer 6).

Every figure function takes a ``seed`` (an int or a ``numpy.random.Generator``; figures that draw
nothing accept it for a uniform signature) and returns a :class:`matplotlib.figure.Figure` built
without ``pyplot``: nothing is displayed and no global state is touched. Its numbers come from
otcheck's public API (certified exact OT, closed forms, the relaxed objective, the claims); the
figure only draws them, and records them (:func:`figure_data`) with the guarantee of each point.
What a figure certifies is shown as such: exact values as points with their certified bounds
(error bars where wider than a line), sampled values with their confidence intervals as bands.

Built-in figures (:data:`FIGURES`, the names ``otcheck figures`` accepts):

- ``theorem1`` (:func:`fig_theorem1`), ``relaxation-path`` (:func:`fig_relaxation_path`),
  ``sigma2-gap`` (:func:`fig_sigma2_gap`, Corollary 7 and Lemma 8), ``prop2`` (:func:`fig_prop2`),
  ``aae-pot`` (:func:`fig_aae_pot`), ``vae-blur`` (:func:`fig_vae_blur`), ``w1-primal-dual``
  (:func:`fig_w1_primal_dual`), ``prop3`` (:func:`fig_prop3`) and the finding ``prop5-proof``
  (:func:`fig_prop5_proof`).

For a paper, :func:`save` (or ``otcheck figures --format pdf --width single --out DIR``) writes
each figure at its final size, 3.25 in (single column) or 6.75 in (double) wide, fonts of at
least 7 pt embedded as TrueType, a colour-blind-safe palette whose lines also differ in style and
marker, with the same bytes for the same seed, and ``NAME.json`` beside it with the numbers.
:func:`paper_style` applies the same settings to your own plots, and :func:`register` adds your
figure function to :data:`FIGURES`, to :func:`save` and to ``otcheck figures``::

    from otcheck.figures import register, record, paper_style

    @register("my-bound")
    def my_bound(seed=0):
        fig = Figure()            # drawn at the width paper_style sets
        ...
        record(fig, "W_c", ns, values, lower=lo, upper=hi, guarantee="proof")
        return fig

``otcheck figures my-bound --import my_module.py`` then renders it (``--import`` loads a file or
module first, as for ``otcheck verify``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ._claims import PENALTIES, fig_prop2, fig_prop3, fig_relaxation_path, fig_theorem1, fig_vae_blur
from ._data import GUARANTEES, figure_data, record, record_bounds
from ._findings import fig_prop5_proof
from ._section3_4 import fig_aae_pot, fig_sigma2_gap, fig_w1_primal_dual
from ._style import (
    DOUBLE_COLUMN,
    LINESTYLES,
    MARKERS,
    MIN_FONT_PT,
    PALETTE,
    SINGLE_COLUMN,
    STYLES,
    column_width,
    paper_rc,
    paper_style,
    series_style,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "fig_theorem1",
    "fig_relaxation_path",
    "fig_sigma2_gap",
    "fig_prop2",
    "fig_aae_pot",
    "fig_vae_blur",
    "fig_w1_primal_dual",
    "fig_prop3",
    "fig_prop5_proof",
    "FIGURES",
    "TRAINED_FIGURES",
    "FORMATS",
    "register",
    "save",
    "SavedFigure",
    "save_figures",
    "paper_style",
    "paper_rc",
    "series_style",
    "column_width",
    "record",
    "record_bounds",
    "figure_data",
    "add_subcommand",
    "SINGLE_COLUMN",
    "DOUBLE_COLUMN",
    "MIN_FONT_PT",
    "PALETTE",
    "LINESTYLES",
    "MARKERS",
    "STYLES",
    "GUARANTEES",
    "PENALTIES",
]

#: Short name -> figure function: the names :func:`save` and ``otcheck figures`` accept
#: (add yours with :func:`register`).
FIGURES: dict[str, Callable[..., Figure]] = {
    "theorem1": fig_theorem1,
    "relaxation-path": fig_relaxation_path,
    "sigma2-gap": fig_sigma2_gap,
    "prop2": fig_prop2,
    "aae-pot": fig_aae_pot,
    "vae-blur": fig_vae_blur,
    "w1-primal-dual": fig_w1_primal_dual,
    "prop3": fig_prop3,
    "prop5-proof": fig_prop5_proof,
}

#: Figures of the trained claims, ``name -> (module, function)``: they train models (minutes), so they
#: render only when asked by name (``otcheck figures lambda-path``), never with the built-in ones.
TRAINED_FIGURES: dict[str, tuple[str, str]] = {"lambda-path": ("otcheck.figures._trained", "fig_lambda_path")}


def _function(name: str) -> Callable[..., Figure]:
    """The figure function of ``name``: a key of :data:`FIGURES` or of :data:`TRAINED_FIGURES`."""
    if name in FIGURES:
        return FIGURES[name]
    import importlib

    module, attr = TRAINED_FIGURES[name]
    func: Callable[..., Figure] = getattr(importlib.import_module(module), attr)
    return func


#: File formats of :func:`save`: vector PDF and SVG (fonts embedded, dates removed), raster PNG.
FORMATS = ("pdf", "svg", "png")

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

#: Metadata that would make two saves of the same figure differ (dates), removed per format.
_METADATA: dict[str, dict[str, str | None]] = {
    "pdf": {"CreationDate": None, "ModDate": None},
    "svg": {"Date": None},
    "png": {"Software": None},
}


def register(name: str, *, replace: bool = False) -> Callable[[Callable[..., Figure]], Callable[..., Figure]]:
    """Decorator: add a figure function to :data:`FIGURES`, so :func:`save` and ``otcheck figures`` render it.

    The function is called as ``func(seed=seed)`` inside :func:`paper_style` and must return a
    :class:`matplotlib.figure.Figure`. Create the figure without a ``figsize``
    (``Figure()``, or ``Figure(figsize=(matplotlib.rcParams["figure.figsize"][0], h))`` to choose
    its height) so that it takes the width asked for; record its numbers with :func:`record` or
    :func:`record_bounds` (otherwise the data file holds the data of its labelled artists).

    Parameters
    ----------
    name : str
        The figure's name: letters, digits, ``-``, ``_`` and ``.``; also its file name.
    replace : bool, default False
        Allow replacing a registered figure of the same name.

    Returns
    -------
    callable
        The decorator; it returns the function unchanged.

    Raises
    ------
    ValueError
        A bad name, or one already registered by another function (without ``replace=True``); the
        same function registered again (its module imported twice) replaces it quietly.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> @register("doc-example")
    ... def doc_example(seed=0):
    ...     fig = Figure()
    ...     fig.subplots().plot([0, 1], [0, 1], label="identity")
    ...     return fig
    >>> "doc-example" in FIGURES
    True
    >>> del FIGURES["doc-example"]
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"name: expected letters, digits, '-', '_' or '.', not starting with a symbol; got {name!r}")

    def decorator(func: Callable[..., Figure]) -> Callable[..., Figure]:
        if not callable(func):
            raise TypeError(f"register({name!r}): expected a function, got {type(func).__name__}")
        old = FIGURES.get(name)
        same = old is not None and (getattr(old, "__module__", None), getattr(old, "__qualname__", None)) == (
            getattr(func, "__module__", None),
            getattr(func, "__qualname__", None),
        )  # the same module imported again re-registers quietly
        if old is not None and not (replace or same):
            raise ValueError(f"name: a figure {name!r} is already registered (pass replace=True to replace it)")
        FIGURES[name] = func
        return func

    return decorator


class SavedFigure(NamedTuple):
    """The two files :func:`save` writes for one figure."""

    #: The figure, ``OUT/NAME.FORMAT``.
    figure: str
    #: Its numbers, ``OUT/NAME.json``.
    data: str


def _check_names(names: Iterable[str] | None) -> list[str]:
    chosen = list(FIGURES) if names is None else list(names)
    unknown = [n for n in chosen if n not in FIGURES and n not in TRAINED_FIGURES]
    if unknown:
        raise KeyError(f"names: unknown figure(s) {unknown}; known: {list(FIGURES) + list(TRAINED_FIGURES)}")
    return chosen


def save(
    names: Iterable[str] | None = None,
    out: str | os.PathLike[str] = "figures",
    *,
    fmt: str = "pdf",
    width: float | str = "single",
    style: str = "paper",
    seed: int = 0,
    dpi: int = 300,
) -> dict[str, SavedFigure]:
    r"""Render figures for a paper: ``OUT/NAME.FORMAT`` and its numbers ``OUT/NAME.json``.

    Each figure is drawn inside :func:`paper_style` (``width``, ``style``) and saved without
    cropping, so the page is exactly ``width`` wide (3.25 in or 6.75 in), fonts are TrueType
    (``pdf.fonttype = 42``: no Type 3 font), dates are removed from the metadata (the same seed
    gives the same bytes, on the same machine and versions), and large scatters and images are
    rasterized at ``dpi`` inside vector files. The JSON file holds every plotted series with the
    interval and guarantee of each point (:func:`figure_data`), the figure's name, seed, width and
    otcheck's version.

    Parameters
    ----------
    names : iterable of str, optional
        Keys of :data:`FIGURES`; all of them when omitted.
    out : str or path, default "figures"
        Output directory (created when missing).
    fmt : {"pdf", "svg", "png"}, default "pdf"
        File format of the figures (the extension of ``OUT/NAME.FORMAT``); the numbers are always JSON.
    width : {"single", "double"} or float, default "single"
        Page width of each figure: one column (3.25 in), both columns (6.75 in), or a width in inches
        (:func:`column_width`); each figure keeps its own height.
    style : {"paper", "serif"}, default "paper"
        Fonts of :func:`paper_style`: DejaVu Sans, or STIX (Times) text and mathematics to match a LaTeX paper
        in Times.
    seed : int, default 0
        Passed to every figure function.
    dpi : int, default 300
        Resolution of PNG files and of rasterized parts of vector files.

    Returns
    -------
    dict
        ``{name: SavedFigure(figure=path, data=path)}``.

    Raises
    ------
    KeyError
        An unknown name (nothing is written); the message lists the known ones.
    ValueError
        A bad format, width, style, seed or dpi.
    ImportError
        A figure whose layer is missing (the files already written stay).

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     saved = save(["prop2"], out=d, fmt="svg")
    ...     os.path.basename(saved["prop2"].figure), os.path.basename(saved["prop2"].data)
    ('prop2.svg', 'prop2.json')
    """
    from .. import __version__
    from .._validation import check_positive_int

    chosen = _check_names(names)
    if fmt not in FORMATS:
        raise ValueError(f"fmt: expected one of {list(FORMATS)}, got {fmt!r}")
    inches = column_width(width)
    if style not in STYLES:
        raise ValueError(f"style: expected one of {list(STYLES)}, got {style!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed: expected an integer >= 0, got {seed!r}")
    dpi = check_positive_int(dpi, "dpi")
    os.makedirs(out, exist_ok=True)
    saved: dict[str, SavedFigure] = {}
    for name in chosen:
        with paper_style(width, style):
            fig = _function(name)(seed=int(seed))
            fig.set_size_inches(inches, fig.get_size_inches()[1])
            path = os.path.join(os.fspath(out), f"{name}.{fmt}")
            fig.savefig(path, format=fmt, dpi=dpi, metadata=_METADATA[fmt])
        data = {
            "figure": name,
            "seed": int(seed),
            "width_in": inches,
            "style": style,
            "otcheck": __version__,
            **figure_data(fig),
        }
        data_path = os.path.join(os.fspath(out), f"{name}.json")
        with open(data_path, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, allow_nan=False)
            fh.write("\n")
        saved[name] = SavedFigure(path, data_path)
    return saved


def save_figures(
    names: Iterable[str] | None = None,
    out: str | os.PathLike[str] = "figures",
    seed: int = 0,
    *,
    dpi: int = 120,
    fmt: str = "png",
    width: float | str = "double",
    style: str = "paper",
) -> dict[str, str]:
    """Render figures to files ``OUT/NAME.FORMAT`` (PNG by default) and ``OUT/NAME.json``.

    The same as :func:`save` with screen defaults (PNG, double width, 120 dpi), returning only the
    figures' paths.

    Parameters
    ----------
    names, out, seed, dpi, fmt, width, style
        As in :func:`save`, with the screen defaults of this signature.

    Returns
    -------
    dict
        ``{name: path}`` of the figure files written.

    Raises
    ------
    KeyError, ValueError, ImportError
        As in :func:`save`.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     paths = save_figures(["theorem1"], out=d)
    ...     os.path.basename(paths["theorem1"]), os.path.getsize(paths["theorem1"]) > 0
    ('theorem1.png', True)
    """
    saved = save(names, out, fmt=fmt, width=width, style=style, seed=seed, dpi=dpi)
    return {name: s.figure for name, s in saved.items()}


def _width_arg(text: str) -> float | str:
    try:
        return column_width(text if text in ("single", "double") else float(text))
    except (TypeError, ValueError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _cmd_figures(args: argparse.Namespace) -> int:
    from ..cli import import_user_module

    for spec in args.imports or ():
        try:
            import_user_module(spec)
        except Exception as exc:  # noqa: BLE001 - a user's module: report it, render nothing
            print(f"otcheck figures: --import {spec}: {exc}", file=sys.stderr)
            return 2
    names = list(args.names) or list(FIGURES)
    unknown = [n for n in names if n not in FIGURES and n not in TRAINED_FIGURES]
    if unknown:
        known = ", ".join([*FIGURES, *TRAINED_FIGURES])
        print(f"otcheck figures: unknown figure(s): {', '.join(unknown)}; known: {known}", file=sys.stderr)
        return 2
    status = 0
    for name in names:
        try:
            saved = save(
                [name], out=args.out, fmt=args.format, width=args.width, style=args.style, seed=args.seed, dpi=args.dpi
            )[name]
        except ImportError as exc:
            print(f"otcheck figures: {name}: {exc}", file=sys.stderr)
            status = 1
            continue
        except Exception as exc:  # noqa: BLE001 - report it, render the other figures, exit non-zero
            print(f"otcheck figures: {name} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            status = 1
            continue
        print(saved.figure)
    return status


def add_subcommand(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add ``otcheck figures [NAMES...] --out DIR --format F --width W --style S --seed N`` to a subparsers object.

    The handler (set with ``set_defaults(func=...)``) calls :func:`save` for each figure, prints
    each figure's path (its data file is beside it, ``NAME.json``) and returns the exit status:
    ``0`` when every figure was written, ``1`` when one needs a layer that is missing or fails
    (the error is printed and the others are still written), ``2`` for an unknown name or an
    ``--import`` that fails.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        From ``parser.add_subparsers()``.

    Returns
    -------
    argparse.ArgumentParser
        The ``figures`` parser.
    """
    p = subparsers.add_parser(
        "figures",
        help="render the paper's figures (PDF, SVG or PNG at column width, with their numbers)",
        description="Render figures of otcheck.figures at their final size: one file per figure and its "
        "numbers as NAME.json. Fonts are embedded as TrueType, dates removed: the same seed gives the same bytes.",
    )
    p.add_argument("names", nargs="*", metavar="NAME", help=f"figures to render (default: all): {', '.join(FIGURES)}")
    p.add_argument("--out", default="figures", metavar="DIR", help="output directory (default: figures)")
    p.add_argument("--format", choices=FORMATS, default="pdf", help="file format (default: pdf)")
    p.add_argument(
        "--width",
        type=_width_arg,
        default="single",
        metavar="single|double|INCHES",
        help="page width: single column 3.25 in, double 6.75 in, or inches (default: single)",
    )
    p.add_argument(
        "--style", choices=STYLES, default="paper", help="paper: sans serif; serif: STIX (Times) text and math"
    )
    p.add_argument("--seed", type=int, default=0, help="seed passed to every figure (default 0)")
    p.add_argument("--dpi", type=int, default=300, help="PNG resolution, and of rasterized parts (default 300)")
    p.add_argument(
        "--import",
        dest="imports",
        action="append",
        metavar="MODULE",
        help="a module or .py file to import first (its otcheck.figures.register calls add figures); repeatable",
    )
    p.set_defaults(func=_cmd_figures)
    return p
