r"""Figures of the trained claims: the :math:`\lambda`-path of Theorem 1 and eq. 12 (``lambda-path``).

Listed in :data:`otcheck.figures.TRAINED_FIGURES`, not among the built-in figures (it trains
models: minutes, not seconds): ``otcheck figures lambda-path`` renders it when asked by name.
Importing this module registers nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from ._base import band, claim, new_figure
from ._data import record

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..claims import Evidence

__all__ = ["fig_lambda_path"]

#: (measure key of the claim's curves, legend label), in drawing order.
CURVES = (
    ("objective", "relaxed objective (eq. 12)"),
    ("coupling", "E c(X, G(E(X)))"),
    ("w_c", "W_c(P_X, P_G), exact"),
    ("latent_w2sq", "W_2^2(Q_Z, P_Z), exact"),
)

#: Smallest value drawn on the logarithmic axis (interval ends below it are clipped in the drawing,
#: never in the recorded data).
FLOOR_DRAWN = 1e-5


def _mapping(x: object, what: str) -> Mapping[str, object]:
    if not isinstance(x, Mapping):
        raise TypeError(f"{what}: expected a mapping in the claim's details, got {type(x).__name__}")
    return x


def fig_lambda_path(
    seed: int | np.random.Generator = 0, *, evidence: Evidence | None = None, **sizes: object
) -> Figure:
    r"""The :math:`\lambda`-path of the relaxed objective (eq. 12), measured on trained models.

    For each :math:`\lambda` of the claim ``trained-lambda-path``, the mean over training seeds
    with its 95 % Student-t interval (bands) of four size-``n`` quantities on held-out data: the
    relaxed objective :math:`E\,c(X, G(E(X))) + \lambda F(\hat Q_Z, \hat P_Z)`, the encoder coupling
    cost :math:`E\,c(X, G(E(X)))`, the certified :math:`W_c(\hat P_X, G_\#\hat P_Z)` and the
    certified :math:`W_2^2(\hat Q_Z, \hat P_Z)`, with the finite-sample floor
    :math:`E\,W_2^2(\hat P_Z^n, \hat P_Z'^n)` (dashed line and band). Theorem 1 predicts that
    :math:`W_2^2(\hat Q_Z, \hat P_Z)` falls to the floor and the coupling cost meets :math:`W_c` as
    :math:`\lambda` grows.

    Parameters
    ----------
    seed : int or numpy.random.Generator
        The claim's seed (first training seed).
    evidence : Evidence, optional
        A result of the claim ``trained-lambda-path`` to draw (else the claim is run with ``sizes``).
    **sizes
        Sizes of the claim (``store``, ``steps``, ``seeds``, ...).

    Returns
    -------
    matplotlib.figure.Figure
        One axes per model and data set; series named ``"MODEL/DATA: LABEL"`` (values with their
        intervals recorded, guarantee ``confidence``) and ``"floor W_2^2(P_Z^n, P_Z'^n)"``.
    """
    ev = evidence if evidence is not None else claim("fig_lambda_path", "trained-lambda-path", seed, **sizes)
    details = _mapping(ev.details, "details")
    curves = _mapping(details.get("curves"), "curves")
    floor = _mapping(details.get("floor W_2^2(P_Z^n, P_Z'^n)"), "floor")
    f_value = float(str(floor["value"]))
    f_ci = floor["ci"]
    if not isinstance(f_ci, (list, tuple)):
        raise TypeError("floor: expected an interval")
    f_lo, f_hi = float(f_ci[0]), float(f_ci[1])
    fig, axes = new_figure(2.8, 1, len(curves), narrow_height=2.6)
    # every series of this figure: a 95 % interval over training seeds, against lambda
    record_95 = functools.partial(record, guarantee="confidence", confidence=0.95, x_label="lambda", y_label="value")
    for ax, (tag, curve_obj) in zip(axes, curves.items()):
        curve = _mapping(curve_obj, tag)
        lams = sorted(float(k.split("=", 1)[1]) for k in curve if k.startswith("lambda="))
        for k, (key, label) in enumerate(CURVES):
            v, lo, hi = [], [], []
            for lam in lams:
                m = _mapping(_mapping(curve[f"lambda={lam:g}"], tag)[key], key)
                ci = m["ci"]
                value = float(str(m["value"]))
                a, b = (float(ci[0]), float(ci[1])) if isinstance(ci, (list, tuple)) else (np.nan, np.nan)
                v.append(value)
                lo.append(a)
                hi.append(b)
            record_95(
                fig, f"{tag}: {label}", lams, v, lower=lo, upper=hi, method="mean over training seeds, Student-t 95 %"
            )
            from ..bounds import Bound

            drawn = [
                Bound(max(x, FLOOR_DRAWN), max(a, FLOOR_DRAWN), max(b, FLOOR_DRAWN), method="drawn")
                for x, a, b in zip(v, lo, hi)
            ]
            band(ax, lams, drawn, k, label)
        ax.axhline(f_value, color="black", lw=0.8, ls="--", label="floor W_2^2(P_Z^n, P_Z'^n)")
        ax.axhspan(max(f_lo, FLOOR_DRAWN), max(f_hi, FLOOR_DRAWN), color="black", alpha=0.1, lw=0)
        record_95(
            fig,
            "floor W_2^2(P_Z^n, P_Z'^n)",
            [lams[0], lams[-1]],
            [f_value, f_value],
            lower=f_lo,
            upper=f_hi,
            method="exact W_2^2 between two independent prior samples, one per seed",
        )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("lambda")
        ax.set_title(tag)
    axes[0].legend(loc="best")
    return fig
