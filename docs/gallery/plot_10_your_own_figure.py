r"""
Your own figure, in the paper style
===================================

:func:`otcheck.figures.paper_style` sets the column width, fonts of at least 7 pt, TrueType
embedding and the colour-blind-safe palette for your own plots; :func:`otcheck.figures.record`
keeps the numbers with their guarantee, and :func:`otcheck.figures.register` adds the figure to
``otcheck figures`` (and to :func:`otcheck.figures.save`).

Here: the certified :math:`W_2^2` between two samples of the same Gaussian against the sample
size :math:`n`, each point an exact OT value with its certified interval.
"""

import numpy as np
from matplotlib.figure import Figure

import otcheck
from otcheck import figures


@figures.register("gallery-w2-vs-n", replace=True)
def w2_against_n(seed=0, sizes=(8, 16, 32, 64, 128)):
    rng = np.random.default_rng(seed)
    bounds = []
    for n in sizes:
        x, y = rng.normal(size=(n, 2)), rng.normal(size=(n, 2))
        bounds.append(otcheck.wasserstein(otcheck.DiscreteMeasure(x), otcheck.DiscreteMeasure(y)).bound)
    fig = Figure()  # as wide as paper_style says
    ax = fig.subplots()
    values = [float(b.value) for b in bounds]
    ax.errorbar(
        sizes,
        values,
        yerr=[
            [v - float(b.lower) for v, b in zip(values, bounds)],
            [float(b.upper) - v for v, b in zip(values, bounds)],
        ],
        **figures.series_style(1),
    )
    ax.set_xscale("log")
    ax.set_xlabel("sample size n")
    ax.set_ylabel(r"certified $W_2^2(\hat P_n, \hat Q_n)$")
    figures.record_bounds(fig, "W_2^2", sizes, bounds, x_label="n", y_label="W_2^2")
    return fig


with figures.paper_style("single"):
    fig = w2_against_n(seed=0)
