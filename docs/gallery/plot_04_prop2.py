r"""
Proposition 2: the two minimizers
=================================

The minimizer of :math:`W_c` depends on the decoder variance :math:`\sigma^2`, that of
:math:`W_c^\dagger` does not (appendix B.3).
"""

import numpy as np

from otcheck import figures

with figures.paper_style("double"):
    fig = figures.fig_prop2(sigma2=np.linspace(0.1, 0.9, 9))
