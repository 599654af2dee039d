r"""
AAE = POT up to an affine map
=============================

Section 4.1: every (encoder, decoder) pair lies on the affine map between the AAE and POT
objectives, and so do the certified infima over encoders.
"""

from otcheck import figures

with figures.paper_style("double"):
    fig = figures.fig_aae_pot(seed=0, encoders=20)
