r"""Deprecated: the former home of the section-4 and appendix constructions; every name has moved.

Layer 6 (a front-end alias pointing into layers 2, 3 and 5). Accessing a name here still works,
with a ``DeprecationWarning`` naming its new home (PEP 562 module ``__getattr__``, which imports
that home on first use); nothing inside otcheck imports this module. Where each name went:

* the :math:`W_1` dual LP, beside the exact layer (:mod:`otcheck.exact`, file ``exact/w1.py``):
  ``W1Witness``, ``w1_dual``, ``c_transform_witness``, ``LP_TIGHT_GAP``, ``HIGHS_FEAS_TOL``.
  The argument order is now POT's, ``w1_dual(X, Y, a=None, b=None)`` and
  ``c_transform_witness(X, Y, v, a=None, b=None)``; the old positional order still reads, with
  a ``DeprecationWarning``.
* section 4.1's encoders, objectives and decoders (:mod:`otcheck.autoencoders`): ``EncoderLP``,
  ``constrained_encoder``, ``gaussian_nll_matrix``, ``posterior_encoder``, ``neg_log_likelihood``,
  ``vae_objective``, ``aggregated_posterior``, ``reconstruction``, ``aae_objective``,
  ``pot_objective``, ``avb_objective``, ``optimal_decoder``, ``least_squares_decoder``,
  ``decoder_coordinate_minimum``, ``decoder_blur``, ``primal_gradient``, ``LinearDecoderFit``,
  ``fit_linear_decoder``, ``mixture_moments_quad`` (numpy and scipy; no torch).
* Proposition 3's constructions, beside their claim (``otcheck.claims._prop3``):
  ``SmoothWitnessClass`` (``torch_function`` is replaced by the numpy ``evaluate``, ``function``
  and ``hessian``), ``SmoothWitness``, ``best_smooth_witness``, ``Prop3Row``, ``prop3_instance``.
* the pair search of the appendix proof steps (``otcheck.claims._search``): ``PairSearch``,
  ``search_pairs``.
* ``bures_w2_torch`` is removed: :func:`otcheck.closed_forms.gaussian_w2` is the one Bures formula.
"""

from __future__ import annotations

import importlib
import warnings

_HOMES = {
    "otcheck.exact": ("W1Witness", "w1_dual", "c_transform_witness", "LP_TIGHT_GAP", "HIGHS_FEAS_TOL"),
    "otcheck.autoencoders": (
        "EncoderLP",
        "constrained_encoder",
        "gaussian_nll_matrix",
        "posterior_encoder",
        "neg_log_likelihood",
        "vae_objective",
        "aggregated_posterior",
        "reconstruction",
        "aae_objective",
        "pot_objective",
        "avb_objective",
        "optimal_decoder",
        "least_squares_decoder",
        "decoder_coordinate_minimum",
        "decoder_blur",
        "primal_gradient",
        "LinearDecoderFit",
        "fit_linear_decoder",
        "mixture_moments_quad",
    ),
    "otcheck.claims._prop3": (
        "SmoothWitnessClass",
        "SmoothWitness",
        "best_smooth_witness",
        "Prop3Row",
        "prop3_instance",
    ),
    "otcheck.claims._search": ("PairSearch", "search_pairs"),
}

#: name -> the module it now lives in
_MOVED = {name: home for home, names in _HOMES.items() for name in names}

_REMOVED = {
    "bures_w2_torch": "otcheck.witnesses.bures_w2_torch was removed: use otcheck.closed_forms.gaussian_w2 "
    "(the one Bures formula; fit_linear_decoder now has analytic numpy gradients)"
}

__all__ = list(_MOVED)


def __getattr__(name: str) -> object:
    if name in _MOVED:
        home = _MOVED[name]
        warnings.warn(
            f"otcheck.witnesses.{name} is deprecated: it moved to {home}.{name}; import it from {home}",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(home), name)
    if name in _REMOVED:
        raise AttributeError(_REMOVED[name])
    raise AttributeError(f"module 'otcheck.witnesses' has no attribute {name!r}")
