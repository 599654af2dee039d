"""Each strategy of otcheck.strategies delivers what its docstring promises, and rejects bad arguments."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from otcheck import DiscreteMeasure
from otcheck import strategies as ots


def _is_probability(w):
    return w.dtype == np.float64 and w.ndim == 1 and np.all(w >= 0) and abs(w.sum() - 1.0) <= 1e-12


@given(ots.weights(st.integers(1, 8)))
def test_weights_are_probability_vectors_with_positive_entries(w):
    assert _is_probability(w)
    assert np.all(w > 0)


@given(ots.weights(5, min_weight=0.1))
def test_weights_respect_min_weight(w):
    assert _is_probability(w)
    assert w.min() >= 0.1 - 1e-15


@given(ots.weights(4, zeros=True))
def test_weights_with_zeros_keep_some_mass(w):
    assert _is_probability(w)
    assert w.max() > 0


@given(ots.weights(st.integers(1, 7), dyadic=True, zeros=True))
def test_dyadic_weights_sum_to_one_exactly(w):
    assert sum(Fraction(float(x)) for x in w) == 1  # exact rational sum, no rounding
    assert np.all(w * 2**ots.DYADIC_BITS == np.round(w * 2**ots.DYADIC_BITS))


def test_weights_shrink_to_uniform():
    from hypothesis import find

    w = find(ots.weights(4), lambda w: True)
    np.testing.assert_array_equal(w, np.full(4, 0.25))


@given(ots.measures(dim=2, min_atoms=2, max_atoms=5))
def test_measures_have_requested_shape(mu):
    assert isinstance(mu, DiscreteMeasure)
    assert mu.dim == 2 and 2 <= mu.n <= 5
    assert np.all(np.abs(mu.atoms) <= 1.0)


@given(ots.measures(dim=1, scale=1e6, integer=True))
def test_measures_scale_and_integer(mu):
    t = mu.atoms / 1e6
    np.testing.assert_array_equal(t, np.round(t))
    assert np.all(np.abs(t) <= 10)
    assert sum(Fraction(float(x)) for x in mu.weights) == 1


@given(ots.measures(dim=1, scale=1e-6))
def test_measures_tiny_scale(mu):
    assert np.all(np.abs(mu.atoms) <= 1e-6)


@pytest.mark.parametrize("kwargs", [dict(dim=1), dict(dim=2), dict(dim=1, integer=True), dict(dim=1, scale=1e-100)])
def test_measures_without_duplicates_have_distinct_atoms(kwargs):
    # the minimal 2-atom example used to be two atoms at the origin (rows drawn independently)
    @given(ots.measures(min_atoms=2, max_atoms=6, **kwargs))
    def check(mu):
        assert mu.merged().n == mu.n

    check()


def test_measures_duplicates_and_zero_weights_occur():
    from hypothesis import find

    mu = find(ots.measures(min_atoms=3, duplicates=True), lambda mu: mu.merged().n < mu.n)
    assert mu.merged().n < mu.n
    mu = find(ots.measures(min_atoms=2, zero_weights=True), lambda mu: mu.weights.min() == 0)
    assert mu.weights.min() == 0 and mu.weights.sum() == pytest.approx(1.0)


@given(ots.cost_matrices(st.integers(1, 4), 3, integer=True, max_value=7))
def test_integer_cost_matrices(C):
    assert C.dtype == np.float64 and C.shape[1] == 3 and 1 <= C.shape[0] <= 4
    np.testing.assert_array_equal(C, np.round(C))
    assert C.min() >= 0 and C.max() <= 7


@given(ots.cost_matrices(3, 4, max_value=2.5))
def test_float_cost_matrices_in_range(C):
    assert C.shape == (3, 4) and np.all(np.isfinite(C)) and C.min() >= 0 and C.max() <= 2.5


@given(ots.cost_matrices(4, 4, ties=True))
def test_tied_cost_matrices_have_few_values(C):
    assert len(np.unique(C)) <= 3


@given(st.data())
def test_couplings_are_feasible(data):
    a = data.draw(ots.weights(st.integers(1, 5), zeros=True))
    b = data.draw(ots.weights(st.integers(1, 5)))
    P = data.draw(ots.couplings(a, b))
    assert P.shape == (a.size, b.size)
    assert P.min() >= 0
    np.testing.assert_allclose(P.sum(1), a, atol=1e-14)
    np.testing.assert_allclose(P.sum(0), b, atol=1e-14)


def test_couplings_reach_vertices():
    from hypothesis import find

    # a vertex of Pi(a, b) has at most n + m - 1 positive entries; the product coupling has n m
    P = find(ots.couplings([0.5, 0.5], [0.5, 0.5]), lambda P: np.count_nonzero(P) <= 3)
    assert np.count_nonzero(P) <= 3
    np.testing.assert_allclose(P.sum(0), [0.5, 0.5])


@given(ots.encoders(st.integers(1, 4), st.integers(1, 4), zeros=True))
def test_encoders_are_row_stochastic(Q):
    assert Q.min() >= 0
    np.testing.assert_allclose(Q.sum(1), 1.0, atol=1e-12)


@given(ots.encoders(3, 4, deterministic=True))
def test_deterministic_encoders_are_one_hot(Q):
    assert np.all((Q == 0) | (Q == 1))
    np.testing.assert_array_equal(Q.sum(1), np.ones(3))


@given(ots.ot_problems(max_n=4, max_m=5, integer=True, zero_weights=True))
def test_integer_problems_are_rational_and_balanced(problem):
    a, b, C = problem
    assert C.shape == (a.size, b.size) and 1 <= a.size <= 4 and 1 <= b.size <= 5
    assert sum(Fraction(float(x)) for x in a) == 1 == sum(Fraction(float(x)) for x in b)
    np.testing.assert_array_equal(C, np.round(C))


@given(ots.log_uniform(1e-6, 1e4))
def test_log_uniform_stays_in_range(x):
    assert isinstance(x, float) and 1e-6 <= x <= 1e4


def test_log_uniform_reaches_both_ends_exactly_and_shrinks_to_one():
    from hypothesis import find

    assert find(ots.log_uniform(1e-6, 1e4), lambda x: x < 1e-5) == 1e-6
    assert find(ots.log_uniform(1e-6, 1e4), lambda x: x > 1e3) == 1e4
    assert find(ots.log_uniform(1e-6, 1e4), lambda x: True) == 1.0
    assert 2.0 <= find(ots.log_uniform(2.0, 8.0), lambda x: True) <= 8.0
    assert find(ots.log_uniform(3.0, 3.0), lambda x: True) == 3.0


@given(ots.lambda_grids(min_size=2, max_size=5, lo=1e-3, hi=1e4))
def test_lambda_grids_are_strictly_increasing_and_in_range(grid):
    assert 2 <= len(grid) <= 5
    assert all(x < y for x, y in zip(grid, grid[1:]))
    assert all(x == 0.0 or 1e-3 <= x <= 1e4 for x in grid)


def test_lambda_grids_reach_zero_and_the_top():
    from hypothesis import find

    assert find(ots.lambda_grids(), lambda g: g[0] == 0.0 and g[-1] == 1e4)[-1] == 1e4
    assert 0.0 not in find(ots.lambda_grids(zero=False, min_size=3), lambda g: True)


@pytest.mark.parametrize("rows", ["mixed", "dirac", "spread"])
def test_decoders_are_row_stochastic_of_the_requested_kind(rows):
    @given(ots.decoders(st.integers(1, 4), st.integers(1, 4), rows=rows))
    def check(D):
        assert D.min() >= 0 and 1 <= D.shape[0] <= 4 and 1 <= D.shape[1] <= 4
        np.testing.assert_allclose(D.sum(1), 1.0, atol=1e-12)
        support = (D > 0).sum(1)
        if rows == "dirac" or D.shape[1] == 1:
            assert np.all(support == 1)
        elif rows == "spread":
            assert np.all(support >= 2)

    check()


@given(ots.decoders(3, 4, dyadic=True))
def test_dyadic_decoders_are_exact_rationals(D):
    assert all(sum(Fraction(float(x)) for x in row) == 1 for row in D)


def test_mixed_decoders_mix_dirac_and_spread_rows():
    from hypothesis import find

    D = find(ots.decoders(2, 3), lambda D: sorted((D > 0).sum(1).tolist())[0] == 1 and (D > 0).sum() >= 3)
    assert sorted((D > 0).sum(1).tolist())[0] == 1 and sorted((D > 0).sum(1).tolist())[-1] >= 2


@given(ots.decoder_instances(st.integers(1, 3), min_n=2, max_n=3, max_m=5, scale=10.0, zero_weights=True))
def test_decoder_instances_have_matching_shapes(inst):
    a, X, b, G = inst
    assert X.ndim == 2 and G.ndim == 2 and X.shape[1] == G.shape[1] and 1 <= X.shape[1] <= 3
    assert a.shape == (X.shape[0],) and 2 <= a.size <= 3 and b.shape == (G.shape[0],) and 1 <= b.size <= 5
    assert _is_probability(a) and _is_probability(b)
    assert np.abs(X).max() <= 10.0 and np.abs(G).max() <= 10.0


def test_decoder_instances_have_decoded_points_on_data_points_and_repeated():
    from hypothesis import find

    on_data = find(ots.decoder_instances(2, min_n=2), lambda i: any((g == i.X).all(1).any() for g in i.G))
    assert any((g == on_data.X).all(1).any() for g in on_data.G)
    repeated = find(ots.decoder_instances(1, min_m=3), lambda i: len(set(i.G[:, 0].tolist())) < 3)
    assert len(set(repeated.G[:, 0].tolist())) < 3
    # with coincide=False every G(z) is a fresh point: no data point, no repeat (zero is never drawn twice here)
    fresh = find(ots.decoder_instances(1, min_m=2, coincide=False), lambda i: len(set(i.G[:, 0].tolist())) == 2)
    assert fresh.G.shape == (2, 1)


@pytest.mark.parametrize(
    "build, argument",
    [
        (lambda: ots.weights(0), "n"),
        (lambda: ots.weights(2.5), "n"),
        (lambda: ots.weights(3, min_weight=0.5), "min_weight"),
        (lambda: ots.weights(3, min_weight=-0.1), "min_weight"),
        (lambda: ots.weights(3, min_weight=0.1, zeros=True), "zeros"),
        (lambda: ots.weights(3, zeros="yes"), "zeros"),
        (lambda: ots.measures(dim=0), "dim"),
        (lambda: ots.measures(min_atoms=4, max_atoms=2), "max_atoms"),
        (lambda: ots.measures(scale=0.0), "scale"),
        (lambda: ots.measures(scale=float("inf")), "scale"),
        (lambda: ots.measures(min_atoms=22, max_atoms=30, integer=True), "min_atoms"),
        (lambda: ots.cost_matrices(2, 0), "m"),
        (lambda: ots.cost_matrices(2, 2, max_value=-1), "max_value"),
        (lambda: ots.cost_matrices(2, 2, integer=True, max_value=2.5), "max_value"),
        (lambda: ots.couplings([0.5, 0.6], [1.0]), "a"),
        (lambda: ots.couplings([1.0], [-0.5, 1.5]), "b"),
        (lambda: ots.couplings([1.0], ots.weights(2)), "b"),
        (lambda: ots.encoders(2, 2, deterministic=1), "deterministic"),
        (lambda: ots.ot_problems(min_n=3, max_n=2), "max_n"),
        (lambda: ots.ot_problems(max_m=0), "max_m"),
        (lambda: ots.log_uniform(0.0, 1.0), "lo"),
        (lambda: ots.log_uniform(1.0, float("inf")), "hi"),
        (lambda: ots.log_uniform(2.0, 1.0), "hi"),
        (lambda: ots.lambda_grids(min_size=0), "min_size"),
        (lambda: ots.lambda_grids(min_size=3, max_size=2), "max_size"),
        (lambda: ots.lambda_grids(lo=1.0, hi=1.0, min_size=3), "min_size"),
        (lambda: ots.lambda_grids(zero=1), "zero"),
        (lambda: ots.decoders(0, 2), "m"),
        (lambda: ots.decoders(2, 0), "k"),
        (lambda: ots.decoders(2, 2, rows="gaussian"), "rows"),
        (lambda: ots.decoders(2, 2, dyadic="no"), "dyadic"),
        (lambda: ots.decoder_instances(0), "dim"),
        (lambda: ots.decoder_instances(min_n=3, max_n=2), "max_n"),
        (lambda: ots.decoder_instances(min_m=0), "min_m"),
        (lambda: ots.decoder_instances(scale=0.0), "scale"),
        (lambda: ots.decoder_instances(coincide=None), "coincide"),
    ],
)
def test_bad_arguments_fail_when_the_strategy_is_built(build, argument):
    with pytest.raises(InvalidArgument) as info:
        build()  # no example drawn: validation happens at build time
    assert str(info.value).startswith(argument + ":")
