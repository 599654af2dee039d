r"""
VAE blur: the conditional-mean decoder
======================================

Section 4.1: overlapping Gaussian encoders make the optimal decoder average inputs.
"""

from otcheck import figures

with figures.paper_style("double"):
    fig = figures.fig_vae_blur(seed=0, grid=201)
