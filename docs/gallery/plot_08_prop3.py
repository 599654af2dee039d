r"""
Proposition 3: gradients stay wrong
===================================

Appendix B.4: near-optimal critics whose gradients point the wrong way.
"""

from otcheck import figures

with figures.paper_style("double"):
    fig = figures.fig_prop3(seed=0)
