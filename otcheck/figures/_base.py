"""Helpers shared by the figure modules: clear errors for missing layers, pyplot-free figures at the
width in force, per-series styles, certified points with their bounds."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypedDict

import numpy as np
from numpy.typing import ArrayLike

from .._optional import require
from ._style import LINESTYLES, MARKERS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..bounds import Bound
    from ..claims import Evidence

#: Figures narrower than this (inches) stack side-by-side panels vertically.
NARROW = 4.5

#: Scatters with more points than this are rasterized inside vector files.
RASTERIZE_ABOVE = 400


def need(figure: str, module: str, *names: str) -> None:
    """Check that ``module`` imports and has the requested attributes, or raise a clear ImportError.

    The caller then imports them by name (typed), knowing the import succeeds.
    """
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(f"{figure} needs {module}, which cannot be imported: {exc}") from exc
    missing = [n for n in names if not hasattr(mod, n)]
    if missing:
        raise ImportError(f"{figure} needs {module}.{missing[0]}, which this version of otcheck does not have")


def claim(figure: str, claim_id: str, seed: int | np.random.Generator, **sizes: object) -> Evidence:
    """Run a registered claim and return its Evidence, or raise a clear ImportError."""
    need(figure, "otcheck.claims", "registry")
    from ..claims import registry

    if claim_id not in registry:
        raise ImportError(f"{figure} needs the claim {claim_id!r}, which is not registered in this version of otcheck")
    return registry[claim_id].run(seed=seed, **sizes)


def new_figure(
    height: float,
    nrows: int = 1,
    ncols: int = 1,
    *,
    narrow_height: float | None = None,
    sharex: bool = False,
    **gridspec: object,
) -> tuple[Figure, list[Axes]]:
    """A pyplot-free Figure (rendered by Agg on ``savefig``) as wide as ``rcParams["figure.figsize"]``.

    ``height`` is the height in inches at the double-column width (6.75 in) and scales with the
    width. Below :data:`NARROW` inches, a row of panels is stacked into a column, ``narrow_height``
    (at 3.25 in) high, so that each panel keeps a readable width.
    """
    mpl = require("matplotlib", "otcheck.figures")
    figure_class = require("matplotlib.figure", "otcheck.figures").Figure
    width = float(mpl.rcParams["figure.figsize"][0])
    if width < NARROW and nrows == 1 and ncols > 1:
        nrows, ncols = ncols, 1
        if "width_ratios" in gridspec:
            gridspec["height_ratios"] = gridspec.pop("width_ratios")
        h = (narrow_height if narrow_height is not None else 2.2 * nrows) * width / 3.25
    elif width < NARROW:
        h = (narrow_height if narrow_height is not None else height * 0.75) * width / 3.25
    else:
        h = height * width / 6.75
    fig: Figure = figure_class(figsize=(width, h), layout="constrained")
    axes = fig.subplots(nrows, ncols, sharex=sharex, gridspec_kw=gridspec or None, squeeze=False)
    return fig, list(axes.ravel())


class LineStyle(TypedDict):
    """Keyword arguments of ``Axes.plot`` for one series."""

    color: str
    linestyle: str | tuple[int, tuple[int, ...]]
    marker: str


def line(k: int) -> LineStyle:
    """Colour (``"Ck"``: the palette in force), line style and marker of the ``k``-th series."""
    return {"color": f"C{k % 8}", "linestyle": LINESTYLES[k % len(LINESTYLES)], "marker": MARKERS[k % len(MARKERS)]}


def certified_points(
    ax: Axes, x: ArrayLike, bounds: Sequence[Bound], k: int, label: str, *, connect: bool = True
) -> None:
    """Draw exact values as points with their certified intervals as error bars (invisible when
    narrower than the marker), joined by a thin line of the series' style when ``connect``."""
    xs = np.asarray(x, dtype=float)
    v = np.array([float(b.value) for b in bounds])
    lo = np.array([float(b.lower) for b in bounds])
    hi = np.array([float(b.upper) for b in bounds])
    style = line(k)
    ax.errorbar(
        xs,
        v,
        yerr=np.vstack([np.maximum(v - lo, 0.0), np.maximum(hi - v, 0.0)]),
        fmt="none",
        ecolor=style["color"],
        elinewidth=0.8,
        capsize=1.5,
    )
    ax.plot(xs, v, label=label, lw=0.8 if connect else 0.0, **style)


def band(ax: Axes, x: ArrayLike, bounds: Sequence[Bound], k: int, label: str, *, alpha: float = 0.3) -> None:
    """Draw sampled values as a line of the series' style over their confidence interval as a band."""
    xs = np.asarray(x, dtype=float)
    style = line(k)
    lo = [float(b.lower) for b in bounds]
    hi = [float(b.upper) for b in bounds]
    ax.fill_between(xs, lo, hi, color=style["color"], alpha=alpha, lw=0, label=f"{label} (interval)")
    ax.plot(xs, [float(b.value) for b in bounds], label=label, color=style["color"], linestyle=style["linestyle"])


def rasterize(x: ArrayLike) -> bool:
    """Whether a scatter of these points is rasterized inside vector files (above :data:`RASTERIZE_ABOVE`)."""
    return bool(np.asarray(x).size > RASTERIZE_ABOVE)
