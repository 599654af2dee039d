"""otcheck.claims._prop3: the appendix-B.4 constructions behind Proposition 3, with analytic gradients."""

import numpy as np
import pytest

from otcheck.claims._prop3 import SmoothWitnessClass, _feps, _fstar, _grad_J, best_smooth_witness, prop3_instance


def _fd_gradient(f, P, h=1e-6):
    """Central finite differences of a witness's values at the rows of P."""
    out = np.zeros_like(P)
    for k in range(P.shape[1]):
        e = np.zeros(P.shape[1])
        e[k] = h
        out[:, k] = (f(P + e)[0] - f(P - e)[0]) / (2 * h)
    return out


def test_smooth_class_members_obey_their_bounds():
    H = SmoothWitnessClass.grid(s=0.5, beta=1.0)
    rng = np.random.default_rng(3)
    h = best_smooth_witness(H, [0.5, 0.5], [[-1.0, 0.3], [1.0, 0.0]], [1.0], [[0.2, -0.4]])
    assert h.lipschitz_bound <= 1 + 1e-12 and h.hessian_bound <= H.beta + 1e-9
    P = rng.uniform(-2, 2, (40, 2))
    values, grads = H.evaluate(h.theta, h.w, P)
    assert np.allclose(values, H.features(P) @ np.concatenate([h.theta, h.w]), atol=1e-14)
    assert np.linalg.norm(grads, axis=1).max() <= h.lipschitz_bound + 1e-12
    Hs = H.hessian(h.theta, h.w, P)
    assert np.abs(np.linalg.eigvalsh(Hs)).max() <= h.hessian_bound + 1e-9


def test_smooth_member_gradient_and_hessian_match_finite_differences():
    H = SmoothWitnessClass.grid(s=0.25, beta=2.0)
    rng = np.random.default_rng(0)
    theta = rng.normal(size=H.centers.shape[0]) * 0.02
    w = np.array([0.3, -0.2])
    f = H.function(theta, w)
    P = rng.uniform(-2, 2, (30, 2))
    _, grads = f(P)
    assert np.allclose(grads, _fd_gradient(f, P), atol=1e-8)
    # each Hessian row is the finite difference of the gradient
    Hs, h = H.hessian(theta, w, P), 1e-6
    for k in range(2):
        e = np.zeros(2)
        e[k] = h
        fd = (f(P + e)[1] - f(P - e)[1]) / (2 * h)
        assert np.allclose(Hs[:, :, k], fd, atol=1e-7)
    assert np.allclose(Hs, np.transpose(Hs, (0, 2, 1)))


def test_psi_gradient_is_r_over_sqrt():
    # a single centre, theta = 1, w = 0: grad psi_s(r) = r / sqrt(|r|^2 + s^2)
    H = SmoothWitnessClass(centers=np.zeros((1, 2)), s=0.5, beta=2.0)
    r = np.array([[0.3, -1.2]])
    _, g = H.evaluate([1.0], [0.0, 0.0], r)
    assert np.allclose(g, r / np.sqrt((r**2).sum() + 0.25), rtol=1e-15)


@pytest.mark.parametrize("eps", [1.0, 0.3, 0.02])
def test_witness_gradients_match_finite_differences(eps):
    X = np.array([[-1.0, 0.0], [1.0, 0.0]])
    kappa, eta = eps / 4, 0.25
    Y = np.array([[-kappa, eta], [kappa, eta]])
    fstar = _fstar(X)
    g0 = -(Y[0] - X[0]) / np.linalg.norm(Y[0] - X[0])
    feps = _feps(fstar, Y[0], float(-np.linalg.norm(Y[0] - X[0])), -g0, eps)
    rng = np.random.default_rng(1)
    P = np.vstack([Y, rng.uniform(-2, 2, (50, 2))])
    for f in (fstar, feps):
        vals, grads = f(P)
        fd = _fd_gradient(f, P)
        # away from the kinks (ties of the min/max) the gradient is the finite difference
        smooth = np.linalg.norm(fd - _fd_gradient(f, P, h=1e-7), axis=1) < 1e-5
        assert smooth[:2].all()  # the points where the claims take gradients are smooth points
        assert np.allclose(grads[smooth], fd[smooth], atol=1e-7)
    # f_eps = ell near y0: its gradient there is -grad f*(y0), and it is within eps of f*
    assert np.allclose(feps(Y[:1])[1], -fstar(Y[:1])[1])
    assert np.all(np.abs(feps(P)[0] - fstar(P)[0]) <= eps + 1e-15)
    # dJ_D/dy_j = -b_j grad f(y_j)
    half = np.array([0.5, 0.5])
    J, gJ = _grad_J(fstar, half, X, half, Y)
    assert J == pytest.approx(0.5 * (np.linalg.norm(Y[0] - X[0]) + np.linalg.norm(Y[1] - X[1])), rel=1e-14)
    assert np.allclose(gJ, -0.5 * fstar(Y)[1])


def test_prop3_row_matches_the_former_torch_autograd_row():
    """Numbers of the torch implementation this one replaced, at eps = 0.1 (seed 0)."""
    r = prop3_instance(0.1, seed=0)
    assert r.w1 == pytest.approx(1.0065411069598698, rel=1e-12)
    assert r.gap_f == pytest.approx(0.07421659665110114, rel=1e-9) and r.cos_f == pytest.approx(-1.0, abs=1e-12)
    assert r.gap_hstar == pytest.approx(0.48593723107486264, rel=1e-9)
    assert r.cos_hstar_fstar == pytest.approx((0.2881937168487728, 0.2881937168487728), rel=1e-9)
    assert r.gap_h == pytest.approx(0.09, rel=1e-9) and r.cos_h == pytest.approx(-1.0, abs=1e-12)
    assert r.mechanism["h_star_grad_difference"] == pytest.approx(0.07053456158585984, rel=1e-9)
    assert r.lipschitz["h_eps_sampled"] == pytest.approx(0.6072945191109561, rel=1e-9)
    assert r.hessian["h_star_sampled"] == pytest.approx(1.0236370265126797, rel=1e-9)
    assert r.hessian["h_eps_sampled"] == pytest.approx(0.9309163370304121, rel=1e-9)


def test_prop3_instance_bad_inputs():
    with pytest.raises(ValueError, match="^eps"):
        prop3_instance(0.0)
    with pytest.raises(ValueError, match="^eps"):
        prop3_instance(2.0)
    with pytest.raises(TypeError, match="^H"):
        prop3_instance(0.1, H=SmoothWitnessClass(centers=np.zeros((1, 3))))
    with pytest.raises(TypeError, match="H"):
        best_smooth_witness("class", [1.0], [[0.0, 0.0]], [1.0], [[1.0, 0.0]])
    with pytest.raises(ValueError, match="^reflections"):
        best_smooth_witness(
            SmoothWitnessClass.grid(),
            [1.0],
            [[0.0, 0.0]],
            [1.0],
            [[1.0, 0.0]],
            reflections=[np.array([[0.0, 1.0], [1.0, 0.0]])],
        )
