r"""
Finding: the TV normalizations in the proof of Prop. 5
======================================================

Each TV inequality cited in the proof of Proposition 5 holds for one normalization and breaks
for the other (the finding ``prop5-proof``); Proposition 5 itself holds.
"""

from otcheck import figures

with figures.paper_style("double"):
    fig = figures.fig_prop5_proof(points=101)
