r"""
Theorem 1: the optimal coupling through the codes
=================================================

Theorem 1 (eq. 10-11): for a decoder that maps two codes to one point, the optimal coupling
of :math:`P_X` and :math:`P_G` and the best coupling through the codes have the same certified cost.
"""

from otcheck import figures

with figures.paper_style("double"):
    fig = figures.fig_theorem1(seed=0, n=5, m=5)
