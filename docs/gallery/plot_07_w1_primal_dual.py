r"""
The primal and dual forms of W1
===============================

Section 4.2: the optimal plan and the optimal 1-Lipschitz witness give the same :math:`W_1`.
"""

from otcheck import figures

with figures.paper_style("double"):
    fig = figures.fig_w1_primal_dual(seed=0, grid=60)
