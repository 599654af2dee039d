"""Layer 3: otcheck.autoencoders (section 4.1 encoders, objectives, decoders; Prop. 2's linear decoder)."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from otcheck import UncertifiedError, cost_matrix, solve_ot
from otcheck import autoencoders as AE
from otcheck import strategies as ots
from otcheck.autoencoders.decoders import _bures_and_gradient

# ---------------- one rule for +inf, NaN and -inf in every matrix of -log p_G(x|z) or costs ----------------
A, B = np.array([0.5, 0.5]), np.array([0.5, 0.5])
Q_AVOIDS = np.array([[1.0, 0.0], [0.25, 0.75]])  # no mass on entry (0, 1)
Q_USES = np.array([[0.5, 0.5], [0.25, 0.75]])  # mass on entry (0, 1)

#: (name of the matrix argument, f(L, Q)) for every function taking such a matrix with an encoder
SIBLINGS = {
    "vae_objective": ("L", lambda L, Q, a=A: AE.vae_objective(a, B, L, Q)),
    "aae_objective": ("L", lambda L, Q, a=A: AE.aae_objective(a, B, L, Q)),
    "avb_objective gan": ("L", lambda L, Q, a=A: AE.avb_objective(a, B, L, Q, "gan")),
    "avb_objective kl": ("L", lambda L, Q, a=A: AE.avb_objective(a, B, L, Q, "kl")),
    "pot_objective": ("C", lambda L, Q, a=A: AE.pot_objective(a, B, L, Q, 0.7)),
    "reconstruction": ("C", lambda L, Q, a=A: AE.reconstruction(a, Q, L)),
}


def _L(entry):
    L = np.array([[1.0, 2.0], [0.5, 3.0]])
    L[0, 1] = entry
    return L


@pytest.mark.parametrize("name", sorted(SIBLINGS))
def test_infinite_nll_costs_nothing_where_the_encoder_puts_no_mass(name):
    _, f = SIBLINGS[name]
    finite = f(_L(2.0), Q_AVOIDS)
    assert f(_L(np.inf), Q_AVOIDS) == finite  # 0 * inf = 0: the value does not see the entry
    assert f(_L(np.inf), Q_USES) == math.inf  # mass on an impossible output: +inf
    assert math.isfinite(f(_L(2.0), Q_USES))
    # an input of weight 0 contributes nothing either, even where its encoder row meets +inf
    assert math.isfinite(f(_L(np.inf), Q_USES, a=np.array([0.0, 1.0])))


@pytest.mark.parametrize("name", sorted(SIBLINGS))
@pytest.mark.parametrize("bad, message", [(np.nan, "contains NaN or -inf"), (-np.inf, "contains NaN or -inf")])
def test_nan_and_minus_inf_are_rejected_by_every_sibling(name, bad, message):
    arg, f = SIBLINGS[name]
    with pytest.raises(ValueError, match=f"^{arg}: {message}"):
        f(_L(bad), Q_AVOIDS)


@pytest.mark.parametrize("name", sorted(SIBLINGS))
def test_a_row_infinite_for_every_code_is_rejected_by_every_sibling(name):
    arg, f = SIBLINGS[name]
    with pytest.raises(ValueError, match=f"^{arg}: row 0 is \\+inf for every code"):
        f(np.array([[np.inf, np.inf], [0.5, 3.0]]), Q_AVOIDS)


def test_posterior_and_likelihood_follow_the_same_rule():
    Qs = AE.posterior_encoder(B, _L(np.inf))
    assert Qs[0, 1] == 0.0 and Qs[0, 0] == 1.0 and np.allclose(Qs.sum(1), 1.0)
    nll = AE.neg_log_likelihood(A, B, _L(np.inf))
    assert nll == pytest.approx(
        -0.5 * math.log(0.5 * math.exp(-1.0)) - 0.5 * math.log(0.5 * math.exp(-0.5) + 0.5 * math.exp(-3.0))
    )
    # the VAE objective at the posterior is the negative log-likelihood, infinite entries included
    assert AE.vae_objective(A, B, _L(np.inf), Qs) == pytest.approx(nll, rel=1e-12)
    with pytest.raises(ValueError, match="^L: contains NaN"):
        AE.posterior_encoder([0.5, 0.5], [[0.0, np.nan]])
    with pytest.raises(ValueError, match="^L: row 0 is"):
        AE.neg_log_likelihood([1.0], [0.5, 0.5], [[np.inf, np.inf]])


def test_the_encoder_lp_needs_finite_costs():
    with pytest.raises(ValueError, match="^C: contains a non-finite"):
        AE.constrained_encoder([1.0], [0.5, 0.5], [[0.0, np.inf]])


# ---------------- objectives ----------------
def test_aae_objective_affine_map_by_hand():
    # one input, one code: AAE = ||x - g||^2/(2 s2) + d/2 log(2 pi s2) + D_GAN(1, 1) with D_GAN = -log 4
    a, b, X, G, s2 = [1.0], [1.0], [[1.0, 0.0]], [[0.0, 0.0]], 0.25
    L = AE.gaussian_nll_matrix(X, G, s2)
    want = 1.0 / (2 * s2) + math.log(2 * math.pi * s2) - math.log(4)
    assert AE.aae_objective(a, b, L, [[1.0]]) == pytest.approx(want, abs=1e-12)


@given(ots.ot_problems(max_n=5, max_m=5))
def test_encoder_lp_of_eq11_equals_the_ot_value_of_eq10(problem):
    a, b, C = problem
    enc = AE.constrained_encoder(a, b, C)
    ot = solve_ot(a, b, C)
    assert enc.value == pytest.approx(ot.cost, rel=1e-8, abs=1e-9)
    assert enc.gap <= 1e-8 * max(1.0, abs(enc.value)) and enc.residual <= 1e-9
    assert np.allclose(enc.encoder.sum(1), 1.0) and np.allclose(a @ enc.encoder, b, atol=1e-9)
    assert enc.bound.contains(ot.cost) or enc.bound.tight


def test_encoder_lp_failure_is_uncertified(monkeypatch):
    import scipy.optimize

    class Failed:
        status, message = 2, "infeasible"

    monkeypatch.setattr(scipy.optimize, "linprog", lambda *args, **kwargs: Failed())
    with pytest.raises(UncertifiedError, match="the encoder LP of eq. 11 failed.*infeasible"):
        AE.constrained_encoder([1.0], [1.0], [[0.0]])


def test_objective_bad_inputs():
    with pytest.raises(ValueError, match="^b: has length 1, expected 2"):
        AE.constrained_encoder([1.0], [1.0], [[0.0, 1.0]])
    with pytest.raises(ValueError, match="sigma2"):
        AE.gaussian_nll_matrix([0.0], [0.0], 0.0)
    with pytest.raises(ValueError, match="^regularizer"):
        AE.avb_objective([1.0], [1.0], [[0.0]], [[1.0]], regularizer="js")
    with pytest.raises(ValueError, match="^Q: rows must sum to one"):
        AE.vae_objective([1.0], [1.0], [[0.0]], [[0.5]])


# ---------------- decoders ----------------
@given(ots.measures(dim=2, min_atoms=1, max_atoms=5, zero_weights=True), st.integers(1, 4), st.data())
def test_least_squares_decoder_reaches_the_conditional_mean_value(mu, m, data):
    Q = data.draw(ots.encoders(mu.n, m, deterministic=data.draw(st.booleans())))
    G_ls, value = AE.least_squares_decoder(mu.weights, mu.atoms, Q)
    G_cm, _ = AE.optimal_decoder(mu.weights, mu.atoms, Q)
    live = ~np.isnan(G_cm[:, 0])
    assert np.allclose(G_ls[live], G_cm[live], atol=1e-9)
    at_cm = AE.reconstruction(mu.weights, Q, cost_matrix(mu.atoms, np.where(np.isnan(G_cm), 0.0, G_cm)))
    assert value == pytest.approx(at_cm, rel=1e-9, abs=1e-12)


def test_coordinate_minimum_finds_the_mean_and_the_median():
    a, x, Q = [0.2, 0.3, 0.5], [0.0, 1.0, 4.0], [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]
    G, _ = AE.optimal_decoder(a, x, Q)
    g, _ = AE.decoder_coordinate_minimum(a, x, Q, G, 0)
    assert g == pytest.approx(0.6, abs=1e-8) and G[0, 0] == pytest.approx(0.6)
    Gm, _ = AE.optimal_decoder(a, x, Q, "euclidean")
    g, _ = AE.decoder_coordinate_minimum(a, x, Q, Gm, 0, "euclidean")
    assert g == pytest.approx(Gm[0, 0], abs=1e-6) and Gm[0, 0] == 1.0
    with pytest.raises(ValueError, match="^j: must index a code"):
        AE.decoder_coordinate_minimum(a, x, Q, G, 2)
    with pytest.raises(ValueError, match="X"):
        AE.optimal_decoder([0.5, 0.5], [[0.0, 1.0], [1.0, 0.0]], [[1.0], [1.0]], cost="euclidean")


def test_primal_gradient_by_hand():
    # two inputs at 0 and 2 share code 0: squared-cost gradient at G = 0 is -2 * (0.5 * 0 + 0.5 * 2) = -2
    v, g = AE.primal_gradient([0.5, 0.5], [[0.0], [2.0]], [[1.0, 0.0], [1.0, 0.0]], [[0.0], [7.0]])
    assert v == pytest.approx(2.0) and g.tolist() == [[-2.0], [0.0]]
    # Euclidean cost: the input at G itself contributes 0 (the documented subgradient), the other -1/2
    v, g = AE.primal_gradient([0.5, 0.5], [[0.0], [2.0]], [[1.0, 0.0], [1.0, 0.0]], [[0.0], [7.0]], "euclidean")
    assert v == 1.0 and g.tolist() == [[-0.5], [0.0]]


@pytest.mark.parametrize("cost", ["sqeuclidean", "euclidean"])
@pytest.mark.parametrize("seed", range(5))
def test_primal_gradient_matches_finite_differences(cost, seed):
    rng = np.random.default_rng(seed)
    n, m, d = 5, 4, 3
    a, X = rng.dirichlet(np.ones(n)), rng.standard_normal((n, d))
    Q = rng.dirichlet(np.ones(m), size=n)
    Q[:, 2] = 0.0  # a code nobody uses: exactly zero gradient
    Q /= Q.sum(1, keepdims=True)
    G = rng.standard_normal((m, d))
    v, g = AE.primal_gradient(a, X, Q, G, cost)
    assert v == pytest.approx(AE.reconstruction(a, Q, cost_matrix(X, G, cost)), rel=1e-13)
    assert np.all(g[2] == 0.0)
    h, fd = 1e-6, np.zeros_like(G)
    for j, k in np.ndindex(G.shape):
        Gp, Gm = G.copy(), G.copy()
        Gp[j, k] += h
        Gm[j, k] -= h
        fd[j, k] = (AE.primal_gradient(a, X, Q, Gp, cost)[0] - AE.primal_gradient(a, X, Q, Gm, cost)[0]) / (2 * h)
    assert np.allclose(g, fd, atol=1e-7)


def test_mixture_moments_add_up():
    r = AE.mixture_moments_quad([0.3, 0.7], [-1.0, 2.0], 0.5)
    assert r["mean"] == pytest.approx(0.3 * -1.0 + 0.7 * 2.0, abs=1e-9)
    assert r["var"] == pytest.approx(r["within"] + r["between"] + 2 * r["cross"], abs=1e-9)
    assert abs(r["cross"]) < 1e-9 and r["within"] == pytest.approx(0.5, abs=1e-9)


# ---------------- Proposition 2: the linear decoder, numpy/scipy only ----------------
def _sqrtm(S):
    ev, V = np.linalg.eigh(S)
    return (V * np.sqrt(ev)) @ V.T


@pytest.mark.parametrize("shift", [0.3, 1e-12])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_bures_gradient_matches_finite_differences(shift, k):
    rng = np.random.default_rng(k)
    B_ = rng.standard_normal((3, 3))
    S = B_ @ B_.T + 0.5 * np.eye(3)
    Sh = _sqrtm(S)
    A_ = rng.standard_normal((3, k))
    value, grad = _bures_and_gradient(Sh, float(np.trace(S)), A_, shift)
    from otcheck.closed_forms import gaussian_w2

    z = np.zeros(3)
    assert value == pytest.approx(gaussian_w2(z, S, z, A_ @ A_.T + shift * np.eye(3)), rel=1e-9, abs=1e-12)
    if shift < 1e-6 and k < 3:
        return  # a 1e-12 eigenvalue: finite differences of its square root are not informative
    h, fd = 1e-6, np.zeros_like(A_)
    for idx in np.ndindex(A_.shape):
        Ap, Am = A_.copy(), A_.copy()
        Ap[idx] += h
        Am[idx] -= h
        fd[idx] = (_bures_and_gradient(Sh, 0.0, Ap, shift)[0] - _bures_and_gradient(Sh, 0.0, Am, shift)[0]) / (2 * h)
    assert np.allclose(grad, fd, atol=1e-7)


def test_bures_gradient_of_a_rank_deficient_covariance_is_the_pseudo_inverse_one():
    # rank-one A = a, no shift: tr (S a a^T S)^{1/2} = |S a|, gradient 2a - 2 S (S a) / |S a|
    S = np.array([[2.0, 0.3], [0.3, 1.0]])
    Sh = _sqrtm(S)
    a = np.array([[1.3], [0.2]])
    value, grad = _bures_and_gradient(Sh, float(np.trace(S)), a, 0.0)
    v = Sh @ a[:, 0]
    assert value == pytest.approx(np.trace(S) + float(a[:, 0] @ a[:, 0]) - 2 * np.linalg.norm(v), rel=1e-12)
    assert np.allclose(grad[:, 0], 2 * a[:, 0] - 2 * Sh @ v / np.linalg.norm(v), atol=1e-12)


def _closed_form_w2(S, s2):
    """argmin over PSD M of W_2^2(N(0, S), N(0, M + s2 I)): M = V (L - s2)_+ V^T, and the minimum."""
    lam, V = np.linalg.eigh(S)
    M = (V * np.maximum(lam - s2, 0.0)) @ V.T
    return M, float(((np.sqrt(lam) - np.sqrt(np.maximum(lam, s2))) ** 2).sum())


@pytest.mark.parametrize("s2", [0.0, 0.1, 0.5, 1.5])
def test_linear_decoder_fit_reaches_the_closed_form_minimizers(s2):
    S = np.array([[2.0, 0.3], [0.3, 1.0]])
    M, v = _closed_form_w2(S, s2)
    fit = AE.fit_linear_decoder(S, s2, "w2")
    assert np.allclose(fit.gram, M, atol=1e-7) and fit.value == pytest.approx(v, abs=1e-9)
    fit = AE.fit_linear_decoder(S, s2, "w2dagger")
    assert np.allclose(fit.gram, S, atol=1e-7) and fit.value == pytest.approx(2 * s2, abs=1e-9)
    assert fit.bound.contains(fit.value) and fit.grad_norm < 1e-6


def test_linear_decoder_fit_matches_the_former_torch_fit():
    """Values of the torch/autograd implementation this one replaced (same seed, same start)."""
    S = np.array([[2.0, 0.3], [0.3, 1.0]])
    torch_gram = [[0.5415475903278278, 0.14999999882185583], [0.14999999882185583, 0.04154759442828708]]
    fit = AE.fit_linear_decoder(S, 1.5, "w2")
    assert np.allclose(fit.gram, torch_gram, atol=1e-8) and fit.value == pytest.approx(0.07139231575173088, rel=1e-9)
    torch_gram = [[1.8999999991107164, 0.2999999997270651], [0.2999999997270651, 0.8999999996831778]]
    assert np.allclose(AE.fit_linear_decoder(S, 0.1, "w2").gram, torch_gram, atol=1e-8)


def test_linear_decoder_fit_draws_one_initial_matrix_from_a_generator():
    """The claims share a Generator between the fit and later samples: the fit takes one (d, k) draw."""
    rng, ref = np.random.default_rng(5), np.random.default_rng(5)
    AE.fit_linear_decoder(np.eye(3), 0.2, seed=rng, k=2)
    ref.standard_normal((3, 2))
    assert rng.standard_normal() == ref.standard_normal()


def test_linear_decoder_fit_bad_inputs_and_non_convergence():
    with pytest.raises(ValueError, match="Sigma_X"):
        AE.fit_linear_decoder([[1.0, 2.0], [2.0, 1.0]], 0.1)
    with pytest.raises(ValueError, match="objective"):
        AE.fit_linear_decoder([[1.0]], 0.1, "kl")
    with pytest.raises(TypeError, match="max_iter"):
        AE.fit_linear_decoder([[1.0]], 0.1, max_iter=1.5)
    with pytest.raises(UncertifiedError, match="did not converge"):
        AE.fit_linear_decoder(np.diag([5.0, 1.0, 0.2]), 0.1, max_iter=1, seed=3)
