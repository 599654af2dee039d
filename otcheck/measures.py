"""Finitely supported probability measures (layer 1)."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import NoReturn

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import (
    MASS_TOL,
    ArrayInput,
    as_generator,
    as_points,
    as_weights,
    check_nonnegative,
    check_positive_int,
    rationals,
)

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
        The support points :math:`x_i`, one per row (a 1-D input as one column), duplicates kept; read-only.
    weights : ndarray, shape (n,), float64
        The float values (for rational input, each the nearest float).
    exact_weights : tuple of Fraction or None
        The weights as given, when every one is an ``int`` or a :class:`~fractions.Fraction`
        (rescaled exactly to total one when their exact total is within ``tol`` of 1); ``None``
        for float weights. :func:`otcheck.wasserstein` then certifies in rational arithmetic.
    exact_atoms : tuple of tuples of Fraction or None
        The atoms as given, when every coordinate is an ``int`` or a ``Fraction``.

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
    >>> from fractions import Fraction
    >>> DiscreteMeasure([0, 1, 3], [Fraction(1, 3), Fraction(1, 6), Fraction(1, 2)]).exact_weights
    (Fraction(1, 3), Fraction(1, 6), Fraction(1, 2))
    """

    __slots__ = ("atoms", "weights", "exact_weights", "exact_atoms")

    atoms: NDArray[np.float64]
    weights: NDArray[np.float64]
    exact_weights: tuple[Fraction, ...] | None
    exact_atoms: tuple[tuple[Fraction, ...], ...] | None

    def __init__(self, atoms: ArrayInput, weights: ArrayInput | None = None, *, tol: float = MASS_TOL) -> None:
        X = as_points(atoms, "atoms").copy()
        tol = check_nonnegative(tol, "tol")
        flat_atoms = rationals(atoms)
        exact_atoms: tuple[tuple[Fraction, ...], ...] | None = None
        if flat_atoms is not None:
            d = X.shape[1]
            exact_atoms = tuple(tuple(flat_atoms[i * d : (i + 1) * d]) for i in range(X.shape[0]))
        if weights is None:
            w = np.full(X.shape[0], 1.0 / X.shape[0])
            has_fraction = (
                exact_atoms is not None
                and any(x.denominator != 1 for row in exact_atoms for x in row)
                or (
                    exact_atoms is not None
                    and any(isinstance(v, Fraction) for v in np.asarray(atoms, dtype=object).ravel())
                )
            )
            exact_w = tuple(Fraction(1, X.shape[0]) for _ in range(X.shape[0])) if has_fraction else None
        else:
            w = as_weights(weights, "weights", n=X.shape[0], tol=tol).copy()
            exact_w = rationals(weights)
            if exact_w is not None:
                total = sum(exact_w)
                exact_w = tuple(x / total for x in exact_w)  # within tol of 1 (checked above): rescaled exactly
                w = np.array([float(x) for x in exact_w])
        X.setflags(write=False)
        w.setflags(write=False)
        object.__setattr__(self, "atoms", X)
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "exact_weights", exact_w)
        object.__setattr__(self, "exact_atoms", exact_atoms)

    @property
    def is_rational(self) -> bool:
        """True when both the atoms and the weights are exact rationals."""
        return self.exact_atoms is not None and self.exact_weights is not None

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("DiscreteMeasure is immutable")

    @property
    def n(self) -> int:
        """Number of atoms (duplicates counted)."""
        return self.atoms.shape[0]

    @property
    def dim(self) -> int:
        """Dimension ``d`` of the atoms."""
        return self.atoms.shape[1]

    def __len__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        """Replayable: ``DiscreteMeasure(atoms, weights)`` with every number, exact ones as Fractions."""

        def num(x: Fraction) -> int | Fraction:
            return int(x) if x.denominator == 1 else x

        if self.exact_atoms is not None:
            atoms = [[num(x) for x in row] if self.dim > 1 else num(row[0]) for row in self.exact_atoms]
        else:
            atoms = self.atoms.tolist() if self.dim > 1 else self.atoms[:, 0].tolist()
        weights = [num(x) for x in self.exact_weights] if self.exact_weights is not None else self.weights.tolist()
        return f"DiscreteMeasure({atoms!r}, {weights!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DiscreteMeasure):
            return NotImplemented
        return (
            self.atoms.shape == other.atoms.shape
            and np.array_equal(self.atoms, other.atoms)
            and np.array_equal(self.weights, other.weights)
        )

    # Unhashable (equality is by value): a class that defines ``__eq__`` and not ``__hash__`` gets
    # ``__hash__ = None`` from Python itself.

    def mean(self) -> NDArray[np.float64]:
        r"""Mean :math:`\sum_i w_i x_i`, shape ``(d,)``."""
        return self.weights @ self.atoms

    def merged(self) -> DiscreteMeasure:
        """The same measure with coinciding atoms combined (weights added), atoms sorted lexicographically."""
        uniq, inverse = np.unique(self.atoms, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        if self.exact_weights is not None:
            ws = [Fraction(0)] * uniq.shape[0]
            for k, x in zip(inverse.tolist(), self.exact_weights):
                ws[k] += x
            atoms = uniq
            if self.exact_atoms is not None:
                first: dict[int, int] = {}
                for i, k in enumerate(inverse.tolist()):
                    first.setdefault(k, i)
                atoms = np.array([list(self.exact_atoms[first[k]]) for k in range(uniq.shape[0])], dtype=object)
            return DiscreteMeasure(atoms, ws)
        w = np.bincount(inverse, weights=self.weights, minlength=uniq.shape[0])
        return DiscreteMeasure(uniq, w)

    def pushforward(self, f: Callable[[NDArray[np.float64]], ArrayLike]) -> DiscreteMeasure:
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
        weights = list(self.exact_weights) if self.exact_weights is not None else self.weights
        return DiscreteMeasure(Y, weights).merged()

    def sample(self, size: int, seed: int | np.random.Generator) -> NDArray[np.float64]:
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
            Row ``k`` is an atom drawn with probability its weight, independently of the other rows (a copy,
            not a view of ``atoms``).
        """
        size = check_positive_int(size, "size")
        rng = as_generator(seed)
        idx = rng.choice(self.n, size=size, p=self.weights)
        return self.atoms[idx].copy()
