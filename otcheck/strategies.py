r"""Hypothesis strategies for optimal-transport proof checks.

Composable strategies that draw the objects of discrete optimal transport: probability vectors,
discrete measures, cost matrices, feasible couplings of given marginals, row-stochastic encoders
:math:`Q(Z|X)` and whole problems ``(a, b, C)``. They follow ``hypothesis.extra.numpy``:

* essential arguments are positional, every knob is keyword-only;
* arguments are validated when the strategy is *built*, raising
  ``hypothesis.errors.InvalidArgument`` that names the bad argument, so a mistake surfaces before
  any example is drawn;
* every strategy shrinks towards a small, readable instance: weights are built from small
  positive integers and normalized (they shrink to the uniform vector), coordinates and costs
  shrink towards ``0``, sizes towards their minimum.

Sizes ``n``, ``m`` may be an ``int`` or a strategy drawing ints.

Examples
--------
>>> from hypothesis import given, settings
>>> from otcheck import solve_ot
>>> from otcheck.strategies import ot_problems
>>> @settings(max_examples=10, deadline=None)
... @given(ot_problems(max_n=3, max_m=3))
... def test_optimum_is_certified(problem):
...     a, b, C = problem
...     assert solve_ot(a, b, C).certificate.ok
>>> test_optimum_is_certified()
"""

from __future__ import annotations

# The strategies live in two private modules, by subject, and are public here: _strategies_ot (the
# argument checks, weights, measures, cost matrices, couplings, encoders, OT problems) and
# _strategies_decoders (log-scale parameters, penalty grids, decoders, decoder instances).
from . import _strategies_ot
from ._strategies_decoders import decoder_instances, decoders, lambda_grids, log_uniform
from ._strategies_ot import FloatArray as FloatArray
from ._strategies_ot import Size as Size
from ._strategies_ot import cost_matrices, couplings, encoders, measures, ot_problems, weights

__all__ = [
    "weights",
    "measures",
    "cost_matrices",
    "couplings",
    "encoders",
    "ot_problems",
    "log_uniform",
    "lambda_grids",
    "decoders",
    "decoder_instances",
    "DYADIC_BITS",
]

#: Dyadic weights are multiples of ``2**-DYADIC_BITS``.
DYADIC_BITS: int = _strategies_ot.DYADIC_BITS
