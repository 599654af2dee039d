"""Each figure draws the numbers otcheck computes: the artists' data are checked against values
recomputed here through otcheck's public API (or the paper's closed forms), not against the
figure code's own output."""

import argparse
import re
import sys

import numpy as np
import pytest
from scipy.stats import norm

import otcheck
from otcheck import figures


def _by_label(artists, label):
    found = [a for a in artists if a.get_label() == label]
    assert len(found) == 1, f"expected one artist labelled {label!r}, got {[a.get_label() for a in artists]}"
    return found[0]


def _numbers(text):
    return [float(x) for x in re.findall(r"=\s*([-+0-9.eE]+)", text)]


# ------------------------------------------------------------------------------------ Theorem 1


def test_theorem1_draws_the_optimal_coupling_and_both_sides_agree():
    fig = figures.fig_theorem1(seed=3, n=7, m=5)
    ax = fig.axes[1]
    X = _by_label(ax.collections, "P_X").get_offsets().data
    Y = _by_label(ax.collections, "P_G").get_offsets().data
    assert X.shape == (7, 2) and Y.shape == (5, 2)
    np.testing.assert_array_equal(Y[0], Y[-1])  # the decoder is not injective
    assert len(np.unique(Y, axis=0)) == 4

    # Both sides of eq. 10-11, recomputed from the drawn points.
    mu = otcheck.DiscreteMeasure(X)
    pg = otcheck.DiscreteMeasure(Y).merged()
    w = otcheck.wasserstein(mu, pg).cost
    through_codes = otcheck.solve_ot(mu.weights, np.full(5, 0.2), otcheck.cost_matrix(X, Y))
    shown = _numbers(ax.get_title())
    assert len(shown) == 2
    np.testing.assert_allclose(shown, [w, through_codes.cost], rtol=1e-9)
    np.testing.assert_allclose(shown[0], shown[1], rtol=1e-9)

    # One segment per positive plan entry, from a data point to a decoded point, and together the
    # segments cover every data point: a coupling's support.
    segs = _by_label(ax.collections, "coupling").get_segments()
    assert 7 <= len(segs) <= 7 + 5 - 1  # a basic optimal plan
    starts = {tuple(s[0]) for s in segs}
    assert starts == {tuple(x) for x in X}
    for s in segs:
        assert any(np.allclose(s[1], y) for y in Y)
    # The drawn support has the optimal cost: its segments' squared lengths are the costs used.
    lengths = sorted(float(((s[1] - s[0]) ** 2).sum()) for s in segs)
    support = sorted(otcheck.cost_matrix(X, Y)[through_codes.plan > 0])
    np.testing.assert_allclose(lengths, support, rtol=1e-12)


def test_theorem1_rejects_bad_sizes():
    with pytest.raises(ValueError, match="^m"):
        figures.fig_theorem1(seed=0, m=1)
    with pytest.raises(TypeError, match="^seed"):
        figures.fig_theorem1(seed=None)


# ----------------------------------------------------------------------------- relaxation path


def test_relaxation_path_lines_are_the_relaxed_values_below_and_tending_to_wc():
    from otcheck.relaxed import relaxed_cost

    a = np.array([0.5, 0.3, 0.2])
    b = np.array([0.2, 0.2, 0.6])
    C = np.array([[1.0, 4.0, 2.0], [4.0, 0.5, 9.0], [3.0, 1.0, 6.0]])
    lams = np.array([0.0, 0.3, 3.0, 300.0])
    pens = ("kl", "js", "gan", "chi2", "tv", "mmd2")
    fig = figures.fig_relaxation_path(a=a, b=b, C=C, lams=lams, penalties=pens)
    ax = fig.axes[0]
    wc = otcheck.solve_ot(a, b, C).cost
    np.testing.assert_allclose(_by_label(ax.get_lines(), "W_c").get_ydata(), wc, rtol=1e-9)
    for p in pens:
        line = _by_label(ax.get_lines(), p)
        np.testing.assert_array_equal(line.get_xdata(), lams)
        y = np.asarray(line.get_ydata())
        kw = {"kernel_matrix": np.eye(3)} if p == "mmd2" else {}
        expected = [relaxed_cost(a, b, C, lam, p, **kw).value for lam in lams]
        np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-7)
        assert np.all(np.diff(y) >= -1e-6), p  # non-decreasing in lambda
        assert np.all(y <= wc + 1e-6), p  # below W_c
        assert y[0] == pytest.approx(a @ C.min(axis=1), abs=1e-9)  # lambda = 0: each x to its cheapest code
    assert _by_label(ax.get_lines(), "tv").get_ydata()[-1] == pytest.approx(wc, rel=1e-6)  # exact penalty


def test_relaxation_path_draws_its_own_instance_from_the_seed():
    fig = figures.fig_relaxation_path(seed=1, n=3, m=4, lams=[0.1, 100.0], penalties=["mmd2", "gan"])
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert labels == ["mmd2", "gan", "W_c"]
    again = figures.fig_relaxation_path(seed=1, n=3, m=4, lams=[0.1, 100.0], penalties=["mmd2", "gan"])
    for l1, l2 in zip(fig.axes[0].get_lines(), again.axes[0].get_lines()):
        np.testing.assert_array_equal(l1.get_ydata(), l2.get_ydata())  # same seed, same numbers


def test_relaxation_path_rejects_bad_lambdas():
    with pytest.raises(ValueError, match="^lams"):
        figures.fig_relaxation_path(seed=0, lams=[-1.0, 1.0])


def test_missing_layer_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "otcheck.relaxed", None)  # import now fails
    with pytest.raises(ImportError, match="fig_relaxation_path needs otcheck.relaxed"):
        figures.fig_relaxation_path(seed=0)
    monkeypatch.setitem(sys.modules, "otcheck.gaussian", None)
    with pytest.raises(ImportError, match="fig_vae_blur needs otcheck.gaussian"):
        figures.fig_vae_blur(seed=0)


# ------------------------------------------------------------------------------------ Prop. 2


def test_prop2_minimizers_are_the_papers():
    s2 = np.array([0.1, 0.4, 0.8])
    fig = figures.fig_prop2(seed=0, sigma2=s2)
    left, right = fig.axes
    a_star = _by_label(right.get_lines(), "argmin W_c")
    a_dag = _by_label(right.get_lines(), "argmin W_c^dagger")
    np.testing.assert_array_equal(a_star.get_xdata(), s2)
    np.testing.assert_allclose(a_star.get_ydata(), np.sqrt(1 - s2), atol=1e-6)  # B.3: sqrt(1 - sigma^2)
    np.testing.assert_allclose(a_dag.get_ydata(), 1.0, atol=1e-6)  # independent of sigma^2
    # The drawn objectives are the closed forms of B.3.
    for line in left.get_lines():
        s = float(re.search(r"=([0-9.]+)", line.get_label()).group(1))
        a = np.asarray(line.get_xdata())
        want = (1 - np.sqrt(a * a + s)) ** 2 if "dagger" not in line.get_label() else s + (1 - a) ** 2
        np.testing.assert_allclose(line.get_ydata(), want, atol=1e-9)


def test_prop2_rejects_sigma2_outside_the_example():
    with pytest.raises(ValueError, match="^sigma2"):
        figures.fig_prop2(sigma2=[0.5, 1.0])


# ------------------------------------------------------------------------------------ VAE blur


def test_vae_blur_draws_the_conditional_mean_and_it_averages():
    fig = figures.fig_vae_blur(seed=2, n=4, encoder_std=0.5, grid=201)
    top, bottom = fig.axes
    x = np.sort(np.asarray(_by_label(bottom.collections, "deterministic encoder").get_offsets().data)[:, 1])
    g = _by_label(bottom.get_lines(), "G*(z)")
    z, gz = np.asarray(g.get_xdata()), np.asarray(g.get_ydata())
    q = norm.pdf(z[None, :], loc=x[:, None], scale=0.5)  # q(z | x_i), uniform a_i
    np.testing.assert_allclose(gz, (q * x[:, None]).sum(0) / q.sum(0), rtol=1e-10)
    assert np.all((gz > x[0]) & (gz < x[-1]))  # an average, never an input's extreme
    far = np.abs(gz[:, None] - x[None, :]).min(1)
    assert far.max() > 0.05 * (x[-1] - x[0])  # decodes to points that are no input
    assert _numbers(bottom.get_title().replace("up to", "="))[0] == pytest.approx(far.max(), rel=1e-2)
    assert len(top.get_lines()) == 4


def test_vae_blur_rejects_bad_encoder_std():
    with pytest.raises(ValueError, match="^encoder_std"):
        figures.fig_vae_blur(encoder_std=0.0)


# ------------------------------------------------------------------------------ files and CLI


def test_cli_subcommand_writes_pngs(tmp_path, capsys):
    parser = argparse.ArgumentParser(prog="otcheck")
    figures.add_subcommand(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        ["figures", "theorem1", "vae-blur", "--out", str(tmp_path), "--seed", "1", "--dpi", "40", "--format", "png"]
    )
    assert args.func(args) == 0
    for name in ("theorem1", "vae-blur"):
        data = (tmp_path / f"{name}.png").read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(tmp_path / "theorem1.png") in capsys.readouterr().out
    args = parser.parse_args(["figures", "nope", "--out", str(tmp_path)])
    assert args.func(args) == 2
    assert "known" in capsys.readouterr().err


def test_save_figures_rejects_unknown_names(tmp_path):
    with pytest.raises(KeyError, match="known"):
        figures.save_figures(["theorem1", "nope"], out=tmp_path)
    assert not (tmp_path / "theorem1.png").exists()  # nothing written before the names are checked


def test_every_figure_is_registered_and_returns_a_figure_type():
    from matplotlib.figure import Figure

    assert set(figures.FIGURES) >= {"theorem1", "relaxation-path", "prop2", "vae-blur", "prop3"}
    assert {"sigma2-gap", "aae-pot", "w1-primal-dual", "prop5-proof"} <= set(figures.FIGURES)
    assert isinstance(figures.fig_theorem1(seed=0, n=2, m=2), Figure)


# ------------------------------------------------------------------------------------ Prop. 3


def test_prop3_draws_the_claims_cosines_under_their_bounds():
    from otcheck.claims import registry

    eps = (0.3, 0.03)
    fig = figures.fig_prop3(seed=0, eps=eps)
    left, right = fig.axes
    ev = registry["prop3"].run(seed=0, eps=eps)
    table = ev.details["table"]
    C = ev.details["C"]
    assert C > 0
    np.testing.assert_allclose(_by_label(left.get_lines(), "A(f_eps, f*)").get_xdata(), eps)
    np.testing.assert_allclose(_by_label(left.get_lines(), "A(f_eps, f*)").get_ydata(), [r["cos_f"] for r in table])
    np.testing.assert_allclose(_by_label(left.get_lines(), "A(h_eps, h*)").get_ydata(), [r["cos_h"] for r in table])
    np.testing.assert_allclose(_by_label(left.get_lines(), "1 - C").get_ydata(), 1 - C)
    # What Proposition 3 asserts, read off the drawn data.
    for label in ("A(f_eps, f*)", "A(h*, f*)"):
        assert np.all(np.asarray(_by_label(left.get_lines(), label).get_ydata()) <= 1 - C + 1e-12), label
    assert np.all(np.asarray(_by_label(left.get_lines(), "A(h_eps, h*)").get_ydata()) <= 1e-12)
    for label in ("gap f_eps", "gap h_eps"):
        assert np.all(np.asarray(_by_label(right.get_lines(), label).get_ydata()) <= np.asarray(eps) + 1e-12)


def test_prop3_without_the_claim_is_a_clear_error(monkeypatch):
    from otcheck.claims import registry

    monkeypatch.delitem(registry, "prop3")
    with pytest.raises(ImportError, match="fig_prop3 needs the claim 'prop3'"):
        figures.fig_prop3(seed=0)
