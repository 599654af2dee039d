r"""Page sizes, fonts and the palette of paper figures: :func:`paper_style` and its constants.

A figure for a paper is drawn at its final size, so that what the reader sees is what was
checked: a single column is :data:`SINGLE_COLUMN` = 3.25 in wide, a double column (a full page
width) :data:`DOUBLE_COLUMN` = 6.75 in, and no font is smaller than :data:`MIN_FONT_PT` = 7 pt at
that size. Fonts are embedded as TrueType (``pdf.fonttype = 42``, ``ps.fonttype = 42``): many
venues reject the Type 3 fonts matplotlib embeds by default. The colours are the Okabe-Ito
palette (distinguishable with the three common colour-vision deficiencies), and each colour is
paired with its own line style and marker, so that lines stay distinguishable printed in grey.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping

from .._optional import require

__all__ = [
    "SINGLE_COLUMN",
    "DOUBLE_COLUMN",
    "MIN_FONT_PT",
    "PALETTE",
    "LINESTYLES",
    "MARKERS",
    "STYLES",
    "column_width",
    "paper_rc",
    "paper_style",
    "series_style",
]

#: Width of one column of a two-column paper, inches (the saved page, not a tight crop).
SINGLE_COLUMN = 3.25
#: Width of a figure spanning both columns, inches.
DOUBLE_COLUMN = 6.75
#: The smallest font size, in points, of any text of a paper figure at its final size.
MIN_FONT_PT = 7.0

#: Okabe-Ito colours (Color Universal Design), black first; safe for protanopia, deuteranopia and
#: tritanopia.
PALETTE = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#D55E00", "#0072B2", "#CC79A7", "#F0E442")
#: One line style per colour of :data:`PALETTE` (dash patterns in points), so that lines differ in grey too.
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (8, 2)), (0, (1, 1)), (0, (3, 1, 3, 3)))
#: One marker per colour of :data:`PALETTE`.
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")

#: The names :func:`paper_style` accepts: ``"paper"`` (sans serif, DejaVu Sans) and ``"serif"``
#: (STIX, a Times design, with STIX mathematics: the look of a LaTeX paper set in Times).
STYLES = ("paper", "serif")


def column_width(width: float | str) -> float:
    """The figure width in inches: ``"single"`` (3.25), ``"double"`` (6.75) or a positive number.

    Parameters
    ----------
    width : {"single", "double"} or float
        A column of a two-column paper (:data:`SINGLE_COLUMN`), both columns (:data:`DOUBLE_COLUMN`), or a
        width in inches (finite, > 0; an int is accepted).

    Returns
    -------
    float
        The width in inches, > 0: 3.25, 6.75 or ``float(width)``.

    Raises
    ------
    ValueError
        Another string, or a number that is not finite and positive.

    Examples
    --------
    >>> column_width("single"), column_width("double"), column_width(5)
    (3.25, 6.75, 5.0)
    """
    if isinstance(width, str):
        if width == "single":
            return SINGLE_COLUMN
        if width == "double":
            return DOUBLE_COLUMN
        raise ValueError(f"width: expected 'single', 'double' or a number of inches, got {width!r}")
    if isinstance(width, bool) or not isinstance(width, (int, float)):
        raise TypeError(f"width: expected 'single', 'double' or a number of inches, got {type(width).__name__}")
    w = float(width)
    if not (w > 0 and w < float("inf")):
        raise ValueError(f"width: expected a finite number of inches > 0, got {width!r}")
    return w


def series_style(k: int) -> dict[str, object]:
    """Colour, line style and marker of the ``k``-th series (cycling through :data:`PALETTE`).

    Parameters
    ----------
    k : int
        Series index, >= 0.

    Returns
    -------
    dict
        ``{"color": ..., "linestyle": ..., "marker": ...}``, keyword arguments of ``Axes.plot``.

    Examples
    --------
    >>> series_style(1)["color"], series_style(1)["linestyle"]
    ('#E69F00', '--')
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        raise ValueError(f"k: expected an integer >= 0, got {k!r}")
    i = k % len(PALETTE)
    return {"color": PALETTE[i], "linestyle": LINESTYLES[i], "marker": MARKERS[i]}


def paper_rc(width: float | str = "single", style: str = "paper") -> dict[str, object]:
    r"""The matplotlib settings (``rcParams``) of :func:`paper_style`.

    Font sizes: 8 pt for labels and titles, 7 pt (:data:`MIN_FONT_PT`) for ticks and legends.
    The figure size is ``(w, 0.75 w)`` with :math:`w` = :func:`column_width` of ``width``
    (capped at 4.5 in high); figures of :mod:`otcheck.figures` choose their own height.
    ``svg.hashsalt`` and ``svg.fonttype = "path"`` make SVG output deterministic and
    self-contained; the date metadata is removed by :func:`otcheck.figures.save`.

    Parameters
    ----------
    width : {"single", "double"} or float
        The figure width, read by :func:`column_width`: 3.25 in, 6.75 in, or a width in inches.
    style : {"paper", "serif"}
        The fonts: DejaVu Sans (text and mathematics), or STIX (Times) text and mathematics.

    Returns
    -------
    dict
        A new dict of ``rcParams`` names to values: figure size ``(w, min(0.75 w, 4.5))`` in inches, fonts and
        their sizes, line widths, the colour and line-style cycle, TrueType fonts in PDF and PostScript and
        deterministic SVG output.
    """
    cycler = require("matplotlib.rcsetup", "otcheck.figures").cycler
    w = column_width(width)
    if style not in STYLES:
        raise ValueError(f"style: expected one of {list(STYLES)}, got {style!r}")
    rc: dict[str, object] = {
        "figure.figsize": (w, min(0.75 * w, 4.5)),
        "figure.dpi": 150,
        "savefig.dpi": 300,
        "figure.constrained_layout.use": True,
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
        "svg.fonttype": "path",
        "svg.hashsalt": "otcheck",
        "font.size": 8.0,
        "axes.titlesize": 8.0,
        "axes.labelsize": 8.0,
        "figure.titlesize": 8.0,
        "legend.fontsize": MIN_FONT_PT,
        "legend.title_fontsize": MIN_FONT_PT,
        "xtick.labelsize": MIN_FONT_PT,
        "ytick.labelsize": MIN_FONT_PT,
        "lines.linewidth": 1.2,
        "lines.markersize": 3.5,
        "axes.linewidth": 0.6,
        "grid.linewidth": 0.4,
        "legend.frameon": False,
        "legend.handlelength": 2.6,  # long enough to show each dash pattern
        "axes.prop_cycle": cycler(color=list(PALETTE), linestyle=list(LINESTYLES)),  # markers: per series
        "image.cmap": "cividis",  # colour-blind safe, monotone in lightness
    }
    if style == "serif":
        rc.update({"font.family": "serif", "font.serif": ["STIXGeneral", "DejaVu Serif"], "mathtext.fontset": "stix"})
    else:
        rc.update({"font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"], "mathtext.fontset": "dejavusans"})
    return rc


@contextlib.contextmanager
def paper_style(
    width: float | str = "single", style: str = "paper", rc: Mapping[str, object] | None = None
) -> Iterator[dict[str, object]]:
    r"""Apply the paper settings to the plots drawn inside the ``with`` block (your own ones too).

    Inside the block, a new matplotlib figure is :func:`column_width` wide by default, uses the
    colour-blind-safe palette with a line style and a marker per colour (:func:`series_style`),
    fonts of at least 7 pt and embeds TrueType fonts in PDF and PostScript. The previous settings
    come back at the end of the block (``matplotlib.rc_context``).

    Parameters
    ----------
    width : {"single", "double"} or float, default "single"
        3.25 in, 6.75 in, or a width in inches.
    style : {"paper", "serif"}, default "paper"
        ``"serif"`` sets text and mathematics in STIX (Times), to match a LaTeX paper in Times.
    rc : mapping, optional
        Further ``rcParams`` that override these.

    Yields
    ------
    dict
        The settings in force.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> with paper_style("single"):
    ...     fig = Figure()
    ...     ax = fig.subplots()
    ...     _ = ax.plot([1, 2, 3], [1.0, 0.5, 0.25], label="my certified bound")
    >>> float(fig.get_size_inches()[0])
    3.25
    """
    mpl = require("matplotlib", "otcheck.figures")
    settings = paper_rc(width, style)
    if rc is not None:
        settings.update(rc)
    with mpl.rc_context(settings):
        yield settings
