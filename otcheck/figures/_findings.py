r"""Figures of the findings: proof steps of the paper that do not hold as written.

- :func:`fig_prop5_proof`: the proof of Proposition 5 (appendix A) cites
  :math:`D_{JS} \le \frac12 D_{TV}` (Lin) and :math:`D_{TV} \le \sqrt{D_{KL}}`; each holds for one
  normalization of TV and breaks for the other (the claim ``prop5-proof``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._validation import as_generator, check_positive_int
from ._base import need, new_figure
from ._data import record

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["fig_prop5_proof"]


def _broken(ax: Axes, t: np.ndarray, lhs: np.ndarray, rhs: np.ndarray, label: str) -> float | None:
    """Shade where ``lhs > rhs`` and return the smallest such ``t`` (None when it never breaks)."""
    bad = lhs > rhs
    ax.fill_between(t, 0, 1, where=bad, transform=ax.get_xaxis_transform(), color="C4", alpha=0.15, lw=0, label=label)
    return float(t[bad][0]) if bad.any() else None


def fig_prop5_proof(seed: int | np.random.Generator = 0, *, points: int = 201) -> Figure:
    r"""The proof of Proposition 5: each cited TV inequality holds for one normalization and breaks for the other.

    On the two-point laws :math:`P_t = (\frac{1+t}2, \frac{1-t}2)`, :math:`Q_t = (\frac{1-t}2,
    \frac{1+t}2)`, :math:`t \in (0, 1)`, with :math:`\|P_t - Q_t\|_1 = 2t` and
    :math:`\mathrm{TV} = \frac12 \|P - Q\|_1 = t` (divergences in nats, from
    :mod:`otcheck.divergences`):

    * left, step "D_JS <= 1/2 D_TV [Lin]": :math:`D_{JS} \le \frac12 \|P - Q\|_1` (Lin's theorem,
      :math:`V = \|P - Q\|_1`) holds, :math:`D_{JS} \le \frac12 \mathrm{TV}` breaks (shaded) for
      large :math:`t` (disjoint Diracs: :math:`\log 2 > \frac12`);
    * right, step "D_TV <= sqrt(D_KL)": :math:`\mathrm{TV} \le \sqrt{D_{KL}/2} \le \sqrt{D_{KL}}`
      (Pinsker) holds, :math:`\|P - Q\|_1 \le \sqrt{D_{KL}}` breaks (shaded) for small :math:`t`
      (:math:`D_{KL} \approx 2t^2`).

    No single normalization makes both steps hold, which is the finding ``prop5-proof`` reports
    (Proposition 5 itself holds: see the claim ``prop5``).

    Parameters
    ----------
    seed : int or numpy.random.Generator
        Unused (nothing is random); accepted for a uniform signature.
    points : int, default 201
        Number of values of :math:`t`.

    Returns
    -------
    matplotlib.figure.Figure
        Left axes: lines ``"D_JS"``, ``"1/2 ||P-Q||_1 (Lin)"``, ``"1/2 TV"``; right axes:
        ``"TV"``, ``"||P-Q||_1"``, ``"sqrt(D_KL)"``. The titles give where each reading breaks.

    Examples
    --------
    >>> fig = fig_prop5_proof(points=21)
    >>> [l.get_label() for l in fig.axes[0].get_lines()]
    ['D_JS', '1/2 ||P-Q||_1 (Lin)', '1/2 TV']
    """
    need("fig_prop5_proof", "otcheck.divergences", "js", "kl", "tv")
    from ..divergences import js, kl, tv

    as_generator(seed)
    points = check_positive_int(points, "points", minimum=3)
    t = np.linspace(0.0, 1.0, points + 2)[1:-1]
    P = np.column_stack([(1 + t) / 2, (1 - t) / 2])
    Q = P[:, ::-1]
    l1 = np.array([2 * tv(p, q) for p, q in zip(P, Q)])
    d_js = np.array([js(p, q) for p, q in zip(P, Q)])
    d_kl = np.array([kl(p, q) for p, q in zip(P, Q)])
    TV = l1 / 2

    fig, (left, right) = new_figure(2.8, ncols=2, narrow_height=4.6)
    left.plot(t, d_js, color="C0", ls="-", label="D_JS")
    left.plot(t, l1 / 2, color="C3", ls="--", label="1/2 ||P-Q||_1 (Lin)")
    left.plot(t, TV / 2, color="C4", ls="-.", label="1/2 TV")
    t_js = _broken(left, t, d_js, TV / 2, "1/2 TV reading broken")
    left.set_xlabel(r"$t$:  $P_t = (\frac{1+t}{2}, \frac{1-t}{2})$, $Q_t$ swapped")
    left.set_ylabel("nats")
    left.set_title("step D_JS <= 1/2 D_TV:\n" + (f"1/2 TV breaks from t = {t_js:.3g}" if t_js else "holds"))
    left.legend()
    right.plot(t, TV, color="C3", ls="--", label="TV")
    right.plot(t, l1, color="C4", ls="-.", label="||P-Q||_1")
    right.plot(t, np.sqrt(d_kl), color="C0", ls="-", label="sqrt(D_KL)")
    t_kl = _broken(right, t, l1, np.sqrt(d_kl), "||P-Q||_1 reading broken")
    right.set_xlabel(r"$t$")
    right.set_title(
        "step D_TV <= sqrt(D_KL):\n"
        + (f"||P-Q||_1 breaks up to t = {t[l1 > np.sqrt(d_kl)][-1]:.3g}" if t_kl is not None else "holds")
    )
    right.set_ylim(0, 2.2)
    right.legend()
    fig.suptitle("Proof of Prop. 5 (App. A):\neach TV normalization breaks one step")
    method = "otcheck.divergences (float64, nats)"
    for name, values in (
        ("D_JS", d_js),
        ("1/2 ||P-Q||_1", l1 / 2),
        ("1/2 TV", TV / 2),
        ("TV", TV),
        ("||P-Q||_1", l1),
        ("sqrt(D_KL)", np.sqrt(d_kl)),
    ):
        record(fig, name, t, values, guarantee="estimate", method=method, x_label="t", y_label=name)
    return fig
