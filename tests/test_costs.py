"""cost_matrix against the definition, entry by entry."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from otcheck import cost_matrix
from otcheck import strategies as ots


def _brute(X, Y, p):
    return np.array([[np.linalg.norm(x - y) ** p for y in Y] for x in X])


@given(
    ots.measures(dim=3, max_atoms=5),
    ots.measures(dim=3, max_atoms=4),
    st.sampled_from([("sqeuclidean", 2.0), ("euclidean", 1.0), (1.0, 1.0), (0.5, 0.5), (3.0, 3.0), (2, 2.0)]),
)
def test_named_costs_and_powers_match_the_definition(mu, nu, cost_p):
    cost, p = cost_p
    C = cost_matrix(mu.atoms, nu.atoms, cost=cost)
    assert C.shape == (mu.n, nu.n) and C.dtype == np.float64
    np.testing.assert_allclose(C, _brute(mu.atoms, nu.atoms, p), rtol=1e-12, atol=1e-15)


@given(ots.measures(dim=2, max_atoms=6, scale=1e6))
def test_coinciding_points_cost_exactly_zero_at_any_scale(mu):
    C = cost_matrix(mu.atoms, mu.atoms)
    assert np.all(np.diag(C) == 0.0)
    assert np.all(C >= 0)


def test_nearby_points_far_from_the_origin_keep_their_distance():
    X = np.array([[1e8, 1e8]])
    Y = np.array([[1e8 + 1.0, 1e8]])
    assert cost_matrix(X, Y)[0, 0] == 1.0  # the Gram expansion would lose this to cancellation


def test_high_dimension_is_accurate():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5, 40))
    Y = rng.normal(size=(6, 40))
    np.testing.assert_allclose(cost_matrix(X, Y), _brute(X, Y, 2.0), rtol=1e-10)


def test_callable_cost_receives_two_dimensional_arrays():
    seen = {}

    def l1(X, Y):
        seen["shapes"] = (X.shape, Y.shape)
        return np.abs(X[:, None, :] - Y[None, :, :]).sum(-1)

    C = cost_matrix([0.0, 1.0], [3.0], cost=l1)
    assert seen["shapes"] == ((2, 1), (1, 1))
    assert C.tolist() == [[3.0], [2.0]]


def test_integer_callable_output_is_converted_to_float64():
    C = cost_matrix([[0.0]], [[1.0]], cost=lambda X, Y: np.ones((1, 1), dtype=int))
    assert C.dtype == np.float64


@pytest.mark.parametrize("d", [2, 40])
def test_squared_distances_far_from_the_origin_keep_their_precision(d):
    # coordinate sums in every dimension: no cancellation of the small distances far from the origin
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(5, d)), rng.normal(size=(4, d))
    ref = cost_matrix(X, Y)
    np.testing.assert_allclose(cost_matrix(X + 1e6, Y + 1e6), ref, rtol=1e-6)


@pytest.mark.parametrize("d", [1, 16, 17, 64])
def test_cost_matrix_is_the_sparse_engines_float_cost_bit_for_bit(d):
    """Both exact engines certify the same float problem in every dimension (found by an attack: in
    d = 17 the Gram expansion gave near-identical clouds costs 100 times their size, and the dense and
    sparse engines certified disjoint intervals for one wasserstein call)."""
    from otcheck.costs import as_cost_fn
    from otcheck.exact._sparse import PointCosts

    rng = np.random.default_rng(d)
    X = rng.normal(size=(30, d)) * 1e3
    Y = np.concatenate([X[:20] + 1e-6 * rng.normal(size=(20, d)), rng.normal(size=(15, d))])
    C = cost_matrix(X, Y)
    I, J = np.divmod(np.arange(C.size), C.shape[1])
    assert np.array_equal(PointCosts(X, Y, as_cost_fn("sqeuclidean")).entries(I, J), C.ravel())
    exact = ((X[:20] - Y[:20]) ** 2).sum(1)  # the small distances keep their relative precision
    np.testing.assert_allclose(np.diag(C[:20, :20]), exact, rtol=1e-12)


def test_powers_two_and_one_are_the_named_costs_bit_for_bit_and_overflows_name_the_cost():
    """The three ``||x - y||^p`` costs share one matrix routine: ``p = 2`` and ``p = 1`` give the named
    costs' floats exactly, and an overflow names the cost as the user wrote it."""
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(7, 3)) * 1e3, rng.normal(size=(5, 3)) * 1e3
    assert cost_matrix(X, Y, 2.0).tobytes() == cost_matrix(X, Y, "sqeuclidean").tobytes()
    assert cost_matrix(X, Y, 1).tobytes() == cost_matrix(X, Y, "euclidean").tobytes()
    far = np.array([[1e200]]), np.array([[-1e200]])
    for cost, named in [("sqeuclidean", "'sqeuclidean'"), (2, "2"), (3.5, "3.5")]:
        with pytest.raises(ValueError, match=f"the {named} cost of these points overflows"):
            cost_matrix(*far, cost)
