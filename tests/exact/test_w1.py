"""otcheck.exact.w1: the W_1 dual LP over 1-Lipschitz witnesses and the c-transform witness."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from otcheck import UncertifiedError, wasserstein
from otcheck import strategies as ots
from otcheck.exact import HIGHS_FEAS_TOL, LP_TIGHT_GAP, W1Witness, c_transform_witness, w1_dual


@given(ots.measures(dim=2, max_atoms=5), ots.measures(dim=2, max_atoms=5, duplicates=True))
def test_w1_dual_equals_the_certified_primal(mu, nu):
    w = w1_dual(mu.atoms, nu.atoms, mu.weights, nu.weights)
    primal = wasserstein(mu, nu, cost="euclidean")
    assert isinstance(w, W1Witness)
    assert w.value == pytest.approx(primal.cost, rel=1e-8, abs=1e-9)
    # the McShane extension is the witness on the points and is 1-Lipschitz
    assert np.allclose(w.extension(w.points), w.values, atol=1e-9 + 2 * w.lipschitz_violation)
    assert w.gap <= 1e-8 * max(1.0, w.value)
    if w.bound.tight:
        assert w.bound.contains(primal.cost) or abs(w.bound.value - primal.cost) <= 1e-9


@given(ots.measures(dim=2, max_atoms=5), ots.measures(dim=2, max_atoms=5), st.integers(0, 2**32 - 1))
def test_c_transform_witness_is_a_lower_bound_reaching_w1_at_the_optimal_potential(mu, nu, seed):
    W1 = wasserstein(mu, nu, cost="euclidean")
    v_rand = np.random.default_rng(seed).normal(0, 1, nu.n)
    for v in (W1.v, v_rand):
        w = c_transform_witness(mu.atoms, nu.atoms, v, mu.weights, nu.weights)
        assert w.lipschitz_violation <= 1e-12 and np.isnan(w.dual_value)
        assert w.value <= W1.cost + 1e-9 * max(1.0, W1.cost)  # weak duality, any v
    w = c_transform_witness(mu.atoms, nu.atoms, W1.v, mu.weights, nu.weights)
    assert w.value == pytest.approx(W1.cost, rel=1e-8, abs=1e-9)


def test_uniform_weights_by_default():
    X, Y = [[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]], [[3.0, 0.0], [0.0, -1.0]]
    u3, u2 = np.full(3, 1 / 3), np.full(2, 1 / 2)
    assert w1_dual(X, Y).value == w1_dual(X, Y, u3, u2).value
    v = [0.5, -0.25]
    assert c_transform_witness(X, Y, v).value == c_transform_witness(X, Y, v, u3, u2).value
    assert w1_dual([0.0, 1.0], [3.0]).value == pytest.approx(2.5, abs=1e-12)


def test_old_argument_order_is_deprecated_not_broken():
    new = w1_dual([0.0, 1.0, 4.0], [3.0, 5.0], [0.25, 0.25, 0.5], [0.5, 0.5])
    with pytest.warns(DeprecationWarning, match=r"w1_dual\(a, X, b, Y\) is deprecated"):
        old = w1_dual([0.25, 0.25, 0.5], [0.0, 1.0, 4.0], [0.5, 0.5], [3.0, 5.0])
    assert old.value == new.value and np.array_equal(old.values, new.values)
    new = c_transform_witness([0.0, 1.0, 4.0], [3.0, 5.0], [0.1, -0.2], [0.25, 0.25, 0.5], [0.5, 0.5])
    with pytest.warns(DeprecationWarning, match=r"c_transform_witness\(a, X, b, Y, v\) is deprecated"):
        old = c_transform_witness([0.25, 0.25, 0.5], [0.0, 1.0, 4.0], [0.5, 0.5], [3.0, 5.0], [0.1, -0.2])
    assert old.value == new.value


def test_ambiguous_call_is_read_in_pots_order_and_said_aloud():
    args = ([0.2, 0.8], [0.3, 0.7], [0.5, 0.5], [0.4, 0.6])  # both readings give valid weights
    with pytest.warns(FutureWarning, match=r"read both as \(X, Y, a, b\).*they were read as \(X, Y, a, b\)"):
        got = w1_dual(*args)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        want = w1_dual(args[0], args[1], a=args[2], b=args[3])
        # the same values in both readings: no warning, nothing to choose
        w1_dual([0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5])
        # 2-D atoms never read as weights: no warning
        w1_dual([[0.5], [0.5]], [[0.2], [0.8]], [0.5, 0.5], [0.5, 0.5])
    assert got.value == want.value


def test_bad_inputs_name_the_argument():
    with pytest.raises(ValueError, match="^Y: points have dimension 1"):
        w1_dual([[0.0, 0.0]], [[0.0]], [1.0], [1.0])
    with pytest.raises(ValueError, match="^b: weights sum to 0.5"):
        w1_dual([0.0], [1.0], [1.0], [0.5])
    with pytest.raises(ValueError, match="^a: has length 1, expected 2"):
        w1_dual([0.0, 1.0], [1.0], a=[1.0])
    with pytest.raises(ValueError, match="^v: has shape"):
        c_transform_witness([0.0], [1.0], [0.0, 1.0], [1.0], [1.0])
    with pytest.raises(ValueError, match="^X: contains a non-finite"):
        w1_dual([np.nan], [1.0])


def test_lp_failure_is_uncertified_not_a_bad_input(monkeypatch):
    import scipy.optimize

    class Failed:
        status, message = 4, "numerical difficulties"

    monkeypatch.setattr(scipy.optimize, "linprog", lambda *args, **kwargs: Failed())
    with pytest.raises(UncertifiedError, match="the W_1 dual LP failed.*numerical difficulties"):
        w1_dual([0.0, 1.0], [3.0])


def test_single_point_and_constants():
    w = w1_dual([[1.0, 2.0]], [[1.0, 2.0]])
    assert w.value == 0.0 and w.gap == 0.0 and w.bound.tight
    assert 0 < HIGHS_FEAS_TOL < LP_TIGHT_GAP < 1e-6


def test_keyword_weights_are_never_reordered_here_or_in_solve_ot_1d():
    """The order detection is shared with solve_ot_1d (otcheck._validation.read_argument_order): weights
    passed by keyword say which reading is meant, so no warning is given."""
    from otcheck import solve_ot_1d

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        solve_ot_1d([0.5, 0.5], [0.2, 0.8], a=[0.4, 0.6], b=[0.5, 0.5])
        c_transform_witness([0.2, 0.8], [0.3, 0.7], [0.0, 0.0], a=[0.5, 0.5], b=[0.4, 0.6])
    with pytest.warns(FutureWarning, match="solve_ot_1d: these four arguments read both"):
        solve_ot_1d([0.5, 0.5], [0.2, 0.8], [0.4, 0.6], b=[0.5, 0.5])  # a positional: detected
