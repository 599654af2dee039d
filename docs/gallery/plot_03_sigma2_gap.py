r"""
Corollary 7 and Lemma 8: the additive sigma^2
=============================================

A Gaussian decoder adds exactly :math:`\sigma^2`: to :math:`W_c^\dagger` (Corollary 7, certified
points above :math:`W_c(P_X, P_G)`) and to the variance (Lemma 8, exact points over a sampled band).
"""

from otcheck import figures

with figures.paper_style("double"):
    fig = figures.fig_sigma2_gap(seed=0, n_samples=1000, reps=5)
