r"""The numbers a figure plots, kept beside it: :func:`record`, :func:`record_bounds`, :func:`figure_data`.

A figure function records each plotted series with the guarantee of every point: a point
:math:`(x, v)` comes with an interval :math:`[\ell, u] \ni` the true value and the kind of that
interval (``"proof"``: certified, rounding included; ``"confidence"``: a confidence interval at the
stated level; ``"estimate"``: a float computation whose error is not bounded; ``"drawn"``: read
off the figure, no guarantee). :func:`otcheck.figures.save` writes them as ``NAME.json`` next to
the figure, so a reader can check a figure without rerunning it. A figure that recorded nothing
(a user's own) still gets a data file: the x and y data of its labelled lines and scatters, with
guarantee ``"drawn"``.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from ..bounds import Bound, encode_number

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["GUARANTEES", "record", "record_bounds", "figure_data"]

#: The kinds of guarantee a recorded point can have (see the module docstring).
GUARANTEES = ("proof", "confidence", "estimate", "drawn")

JsonValue = str | int | float | bool | None
Point = dict[str, JsonValue]
SeriesData = dict[str, "str | list[Point]"]

_RECORDED: weakref.WeakKeyDictionary[Figure, list[SeriesData]] = weakref.WeakKeyDictionary()


def _vector(values: ArrayLike | None, name: str, size: int | None = None) -> list[float] | None:
    if values is None:
        return None
    arr = np.asarray(values, dtype=float).ravel()
    if size is not None and arr.size == 1 and size != 1:
        arr = np.full(size, float(arr[0]))
    if size is not None and arr.size != size:
        raise ValueError(f"{name}: expected {size} values (one per point), got {arr.size}")
    return [float(v) for v in arr]


def record(
    fig: Figure,
    name: str,
    x: ArrayLike,
    values: ArrayLike,
    *,
    lower: ArrayLike | None = None,
    upper: ArrayLike | None = None,
    guarantee: str = "estimate",
    method: str = "",
    confidence: float | None = None,
    x_label: str = "x",
    y_label: str = "value",
) -> None:
    r"""Attach one plotted series to ``fig``: points ``(x_k, values_k)`` with optional intervals.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure the series belongs to (held weakly: the record goes with the figure).
    name : str
        The series' name (usually its legend label).
    x, values : array_like, same length
        The abscissae :math:`x_k` and the plotted values :math:`v_k`, one per point (a single value is
        broadcast to every ``x``); a NaN value is recorded as is, its interval unchecked.
    lower, upper : array_like, optional
        Interval ends (scalars are broadcast); the value itself when omitted.
    guarantee : {"proof", "confidence", "estimate", "drawn"}
        What the intervals :math:`[\ell_k, u_k]` promise, one of :data:`GUARANTEES` (see the module docstring).
    method : str
        How the numbers were computed.
    confidence : float, optional
        Level of a ``"confidence"`` interval.
    x_label, y_label : str
        What ``x`` and ``values`` are.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure()
    >>> record(fig, "W_c", [1, 2], [0.5, 0.25], guarantee="proof", method="certified OT")
    >>> figure_data(fig)["series"][0]["points"][1]["value"]
    0.25
    """
    if not isinstance(name, str) or not name:
        raise ValueError("name: expected a non-empty string")
    if guarantee not in GUARANTEES:
        raise ValueError(f"guarantee: expected one of {list(GUARANTEES)}, got {guarantee!r}")
    xs = _vector(x, "x")
    assert xs is not None
    vs = _vector(values, "values", len(xs))
    assert vs is not None
    lo = _vector(lower, "lower", len(xs)) or vs
    hi = _vector(upper, "upper", len(xs)) or vs
    points: list[Point] = []
    for xk, vk, lk, hk in zip(xs, vs, lo, hi):
        if not (math.isnan(vk) or (lk <= vk <= hk) or math.isinf(lk) or math.isinf(hk)):
            raise ValueError(f"lower, upper: the interval [{lk}, {hk}] does not contain the value {vk}")
        points.append(
            {"x": encode_number(xk), "value": encode_number(vk), "lower": encode_number(lk), "upper": encode_number(hk)}
        )
    series: SeriesData = {
        "name": name,
        "x_label": x_label,
        "y_label": y_label,
        "guarantee": guarantee,
        "method": method,
        "points": points,
    }
    if confidence is not None:
        series["confidence"] = str(float(confidence))
    _RECORDED.setdefault(fig, []).append(series)


def record_bounds(
    fig: Figure, name: str, x: ArrayLike, bounds: Sequence[Bound], *, x_label: str = "x", y_label: str = "value"
) -> None:
    """Attach a series of :class:`~otcheck.bounds.Bound` values (each with its own interval and guarantee).

    The series' guarantee is the weakest of its points' (``proof`` < ``confidence`` < ``estimate``),
    and each point keeps its own ``guarantee`` and ``method``.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure the series belongs to, as in :func:`record`.
    name : str
        The series' name (usually its legend label).
    x : array_like
        One abscissa per bound.
    bounds : sequence of Bound
        The plotted values, one per ``x``: each point is ``float(value)`` with the bound's interval, guarantee
        and confidence.
    x_label, y_label : str
        What ``x`` and the values are.
    """
    xs = _vector(x, "x")
    assert xs is not None
    if len(bounds) != len(xs):
        raise ValueError(f"bounds: expected {len(xs)} bounds (one per x), got {len(bounds)}")
    if not all(isinstance(b, Bound) for b in bounds):
        raise TypeError("bounds: expected a sequence of otcheck.bounds.Bound")
    order = {g: i for i, g in enumerate(GUARANTEES)}
    weakest = max((b.guarantee for b in bounds), key=lambda g: order.get(g, len(order)), default="proof")
    record(
        fig,
        name,
        xs,
        [float(b.value) for b in bounds],
        lower=[float(b.lower) for b in bounds],
        upper=[float(b.upper) for b in bounds],
        guarantee=weakest,
        x_label=x_label,
        y_label=y_label,
        method="; ".join(dict.fromkeys(b.method for b in bounds)),
    )
    points = _RECORDED[fig][-1]["points"]
    assert isinstance(points, list)
    for p, b in zip(points, bounds):
        p["guarantee"] = b.guarantee
        p["lower"] = encode_number(b.lower if isinstance(b.lower, Fraction) else float(b.lower))
        p["upper"] = encode_number(b.upper if isinstance(b.upper, Fraction) else float(b.upper))
        if b.confidence is not None:
            p["confidence"] = float(b.confidence)


def _drawn(fig: Figure) -> list[SeriesData]:
    """The labelled lines and scatters of ``fig``, as series with guarantee ``"drawn"``."""
    out: list[SeriesData] = []
    for i, ax in enumerate(fig.axes):
        for line in ax.get_lines():
            label = str(line.get_label())
            if label.startswith("_"):
                continue
            x = np.asarray(line.get_xdata(), dtype=float)
            y = np.asarray(line.get_ydata(), dtype=float)
            points: list[Point] = [{"x": encode_number(a), "value": encode_number(b)} for a, b in zip(x, y)]
            out.append({"name": f"axes {i}: {label}", "guarantee": "drawn", "points": points})
        for coll in ax.collections:
            label = str(coll.get_label())
            offsets = np.asarray(coll.get_offsets(), dtype=float) if hasattr(coll, "get_offsets") else np.empty((0,))
            if label.startswith("_") or offsets.ndim != 2 or offsets.shape[1] != 2:
                continue
            pts: list[Point] = [{"x": encode_number(a), "value": encode_number(b)} for a, b in offsets]
            out.append({"name": f"axes {i}: {label}", "guarantee": "drawn", "points": pts})
    return out


def figure_data(fig: Figure) -> dict[str, list[SeriesData]]:
    """The numbers of ``fig``: ``{"series": [...]}``, recorded ones, else those read off its artists.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A figure, drawn by :mod:`otcheck.figures` (which records its series) or by anyone.

    Returns
    -------
    dict
        ``{"series": [{"name", "guarantee", "points": [{"x", "value", "lower", "upper", ...}], ...}]}``,
        JSON-ready.
    """
    recorded = _RECORDED.get(fig)
    return {"series": list(recorded) if recorded else _drawn(fig)}
