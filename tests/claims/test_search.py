"""otcheck.claims._search: the seeded pair search of the appendix proof steps."""

import math

import numpy as np
import pytest

from otcheck import divergences as D
from otcheck.claims._search import PairSearch, search_pairs


def test_search_finds_the_smallest_counterexample_of_a_false_inequality():
    # ||p - q||_1 <= sqrt(KL(p || q)) is false (Pinsker has a factor sqrt 2): two atoms, one decimal
    res = search_pairs(lambda p, q: np.abs(p - q).sum() - math.sqrt(D.kl(p, q)), draws=200)
    assert isinstance(res, PairSearch) and res.worst > 0 and res.checked > 0
    p, q, v = res.counterexample
    assert p.size == 2 and v > 0 and np.allclose(p * 10, np.round(p * 10)) and np.allclose(q * 10, np.round(q * 10))
    assert res.bound.contains(res.worst)


def test_search_of_a_true_inequality_finds_nothing():
    res = search_pairs(lambda p, q: D.tv(p, q) - 1.0, draws=50)
    assert res.counterexample is None and res.worst <= 0


def test_search_is_seeded():
    f = lambda p, q: D.js(p, q) - 0.5 * D.tv(p, q)  # noqa: E731
    a, b = search_pairs(f, seed=4, draws=30), search_pairs(f, seed=4, draws=30)
    assert a.worst == b.worst and np.array_equal(a.p, b.p)


def test_search_pairs_bad_inputs():
    with pytest.raises(TypeError, match="violation"):
        search_pairs(1.0)
    with pytest.raises(ValueError, match="sizes"):
        search_pairs(lambda p, q: 0.0, sizes=(1,))
    with pytest.raises(TypeError, match="draws"):
        search_pairs(lambda p, q: 0.0, draws=2.5)
