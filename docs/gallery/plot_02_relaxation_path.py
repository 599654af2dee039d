r"""
eq. 12: the relaxed cost tends to W_c
=====================================

The relaxed objective :math:`W_c^\lambda` of eq. 12 for each penalty, below the certified
:math:`W_c` and tending to it as :math:`\lambda` grows; each point carries its certified interval.
"""

import numpy as np

from otcheck import figures

with figures.paper_style("double"):
    fig = figures.fig_relaxation_path(seed=0, lams=np.logspace(-2, 3, 6), penalties=("kl", "js", "tv"))
