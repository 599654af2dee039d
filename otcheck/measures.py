"""Finitely supported probability measures (layer 1)."""

from __future__ import annotations

import numpy as np

from ._validation import MASS_TOL, as_generator, as_points, as_weights, check_nonnegative, check_positive_int

__all__ = ["DiscreteMeasure"]


class DiscreteMeasure:
    r"""A finitely supported probability measure :math:`\mu = \sum_{i=1}^n w_i \delta_{x_i}`.

    Validated once at construction; instances are immutable (the arrays are read-only).

    Parameters
    ----------
    atoms : array_like, shape (n, d) or (n,)
        Support points; a 1-D array means ``d = 1``. Duplicate atoms are allowed (use
        :meth:`merged` to combine them).
    weights : array_like, shape (n,), optional
        Non-negative weights summing to one within ``tol``. Uniform ``1/n`` when omitted.
    tol : float, default 1e-9
        Tolerance on ``|sum(weights) - 1|``. Weights are *not* renormalized: a vector outside
        the tolerance is an error, never silently rescaled.

    Attributes
    ----------
    atoms : ndarray, shape (n, d), float64
    weights : ndarray, shape (n,), float64

    Examples
    --------
    >>> mu = DiscreteMeasure([[0.0], [1.0], [1.0]])
    >>> mu.n, mu.dim
    (3, 1)
    >>> nu = mu.merged()
    >>> nu.atoms.ravel().tolist(), nu.weights.round(3).tolist()
    ([0.0, 1.0], [0.333, 0.667])
    >>> mu.pushforward(lambda x: 0 * x).weights.tolist()
    [1.0]
    """

    __slots__ = ("atoms", "weights")

    def __init__(self, atoms, weights=None, *, tol=MASS_TOL):
        X = as_points(atoms, "atoms").copy()
        tol = check_nonnegative(tol, "tol")
        if weights is None:
            w = np.full(X.shape[0], 1.0 / X.shape[0])
        else:
            w = as_weights(weights, "weights", n=X.shape[0], tol=tol).copy()
        X.setflags(write=False)
        w.setflags(write=False)
        object.__setattr__(self, "atoms", X)
        object.__setattr__(self, "weights", w)

    def __setattr__(self, name, value):
        raise AttributeError("DiscreteMeasure is immutable")

    @property
    def n(self):
        """Number of atoms (duplicates counted)."""
        return self.atoms.shape[0]

    @property
    def dim(self):
        """Dimension ``d`` of the atoms."""
        return self.atoms.shape[1]

    def __len__(self):
        return self.n

    def __repr__(self):
        return f"DiscreteMeasure(n={self.n}, dim={self.dim})"

    def __eq__(self, other):
        if not isinstance(other, DiscreteMeasure):
            return NotImplemented
        return (self.atoms.shape == other.atoms.shape and np.array_equal(self.atoms, other.atoms)
                and np.array_equal(self.weights, other.weights))

    __hash__ = None

    def mean(self):
        r"""Mean :math:`\sum_i w_i x_i`, shape ``(d,)``."""
        return self.weights @ self.atoms

    def merged(self):
        """The same measure with coinciding atoms combined (weights added), atoms sorted lexicographically."""
        uniq, inverse = np.unique(self.atoms, axis=0, return_inverse=True)
        w = np.bincount(inverse.ravel(), weights=self.weights, minlength=uniq.shape[0])
        return DiscreteMeasure(uniq, w)

    def pushforward(self, f):
        r"""Image measure :math:`f_\#\mu = \sum_i w_i \delta_{f(x_i)}`, coinciding images merged.

        Parameters
        ----------
        f : callable
            Vectorized map: receives the ``(n, d)`` atoms and returns ``(n, d')`` (or ``(n,)``)
            images, one per atom.

        Returns
        -------
        DiscreteMeasure
            Atoms are the distinct images (sorted), each weighted by the total weight mapped to it.

        Raises
        ------
        ValueError
            If ``f`` does not return one finite image per atom.
        """
        if not callable(f):
            raise TypeError(f"f: expected a callable, got {type(f).__name__}")
        Y = np.asarray(f(self.atoms))
        if Y.ndim == 1:
            Y = Y[:, None]
        if Y.ndim != 2 or Y.shape[0] != self.n:
            raise ValueError(f"f: returned shape {Y.shape}; expected one image per atom, shape ({self.n}, d')")
        Y = as_points(Y, "f(atoms)")
        return DiscreteMeasure(Y, self.weights).merged()

    def sample(self, size, seed):
        """Draw ``size`` i.i.d. atoms.

        Parameters
        ----------
        size : int
            Number of draws (>= 1).
        seed : int or numpy.random.Generator
            Source of randomness; required.

        Returns
        -------
        ndarray, shape (size, d)
        """
        size = check_positive_int(size, "size")
        rng = as_generator(seed)
        idx = rng.choice(self.n, size=size, p=self.weights)
        return self.atoms[idx].copy()
