"""DiscreteMeasure: validated once, immutable, merging and push-forward preserve mass."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from otcheck import DiscreteMeasure
from otcheck import strategies as ots


def test_uniform_by_default_and_one_dimensional_atoms():
    mu = DiscreteMeasure([3.0, 1.0, 2.0, 0.0])
    assert mu.dim == 1 and mu.n == 4 and len(mu) == 4
    np.testing.assert_array_equal(mu.weights, np.full(4, 0.25))
    assert mu.atoms.shape == (4, 1) and mu.atoms.dtype == np.float64


def test_immutable_and_read_only():
    mu = DiscreteMeasure([[0.0, 1.0]])
    with pytest.raises(AttributeError):
        mu.weights = np.ones(1)
    with pytest.raises(ValueError):
        mu.atoms[0, 0] = 5.0


def test_inputs_are_copied():
    X = np.array([[0.0], [1.0]])
    mu = DiscreteMeasure(X)
    X[0, 0] = 7.0
    assert mu.atoms[0, 0] == 0.0


def test_weights_are_not_renormalized_but_tolerance_is_respected():
    DiscreteMeasure([0.0, 1.0], [0.5, 0.5 + 5e-10])  # within 1e-9
    with pytest.raises(ValueError, match=r"weights: weights sum to 1\.0000010+1?, not 1 \(tolerance 1e-09\)"):
        DiscreteMeasure([0.0, 1.0], [0.5, 0.500001])
    DiscreteMeasure([0.0, 1.0], [0.5, 0.500001], tol=1e-5)


@given(ots.measures(dim=2, max_atoms=8, duplicates=True, zero_weights=True))
def test_merged_keeps_mass_and_mean(mu):
    nu = mu.merged()
    assert nu.weights.sum() == pytest.approx(1.0, abs=1e-12)
    assert len(np.unique(nu.atoms, axis=0)) == nu.n  # distinct atoms
    np.testing.assert_allclose(nu.mean(), mu.mean(), atol=1e-12)
    # each distinct atom carries the total weight of its copies
    for x, w in zip(nu.atoms, nu.weights):
        same = np.all(mu.atoms == x, axis=1)
        assert w == pytest.approx(mu.weights[same].sum(), abs=1e-15)


@given(
    ots.measures(dim=1, max_atoms=8),
    st.sampled_from([lambda x: x**2, lambda x: np.floor(x * 2), lambda x: np.hstack([x, -x])]),
)
def test_pushforward_merges_coinciding_images(mu, f):
    img = mu.pushforward(f)
    Y = np.asarray(f(mu.atoms)).reshape(mu.n, -1)
    assert img.n == len(np.unique(Y, axis=0))
    np.testing.assert_allclose(img.mean(), mu.weights @ Y, atol=1e-12)


def test_pushforward_of_a_constant_map_is_a_dirac():
    mu = DiscreteMeasure([[0.0], [1.0], [2.0]], [0.2, 0.3, 0.5])
    d = mu.pushforward(lambda x: np.zeros_like(x))
    assert d.n == 1 and d.weights.tolist() == [1.0]


def test_pushforward_rejects_wrong_images():
    mu = DiscreteMeasure([0.0, 1.0])
    with pytest.raises(ValueError, match=r"f: returned shape \(3, 1\); expected one image per atom"):
        mu.pushforward(lambda x: np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"f\(atoms\): contains a non-finite value"):
        mu.pushforward(lambda x: np.full_like(x, np.nan))
    with pytest.raises(TypeError, match=r"f: expected a callable, got int"):
        mu.pushforward(3)


def test_sampling_is_reproducible_and_needs_a_seed():
    mu = DiscreteMeasure([0.0, 1.0, 2.0], [0.0, 0.5, 0.5])
    s1 = mu.sample(200, seed=5)
    s2 = mu.sample(200, seed=np.random.default_rng(5))
    np.testing.assert_array_equal(s1, s2)
    assert s1.shape == (200, 1) and 0.0 not in s1  # a zero-weight atom is never drawn
    with pytest.raises(TypeError, match=r"seed: expected an int seed or a numpy.random.Generator, got NoneType"):
        mu.sample(3, seed=None)
    with pytest.raises(ValueError, match=r"size: must be >= 1, got 0"):
        mu.sample(0, seed=1)


def test_equality_by_value():
    assert DiscreteMeasure([0.0, 1.0]) == DiscreteMeasure([[0.0], [1.0]], [0.5, 0.5])
    assert DiscreteMeasure([0.0, 1.0]) != DiscreteMeasure([0.0, 2.0])
