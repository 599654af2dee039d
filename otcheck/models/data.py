r"""Seeded data sets for the trained models (layer 5).

Every data set is generated from an explicit seed (nothing is downloaded): 2-D mixtures (a ring
and a grid of Gaussians), a swiss roll, two moons, linear-Gaussian data whose optimal decoders are
known in closed form, and the 8x8 digits that scikit-learn ships (``load_digits``), scaled to
``[0, 1]``. Arrays are float64 numpy; the trainer converts them to float32 tensors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence, Sized
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .._validation import as_generator, check_nonnegative, check_positive_int

__all__ = ["DATASETS", "LinearGaussian", "make_data", "split_data", "data_dim", "check_data_name"]

#: float64 numpy array (the type of every data set)
FloatArray = NDArray[np.float64]


def _ring(n: int, rng: np.random.Generator, *, modes: int = 8, radius: float = 2.0, std: float = 0.05) -> FloatArray:
    k = rng.integers(modes, size=n)
    angle = 2.0 * np.pi * k / modes
    centers = radius * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return centers + std * rng.standard_normal((n, 2))


def _grid(n: int, rng: np.random.Generator, *, side: int = 5, spacing: float = 1.0, std: float = 0.05) -> FloatArray:
    k = rng.integers(side * side, size=n)
    centers = spacing * (np.stack([k // side, k % side], axis=1) - (side - 1) / 2.0)
    return centers + std * rng.standard_normal((n, 2))


def _swissroll(n: int, rng: np.random.Generator, *, noise: float = 0.05) -> FloatArray:
    t = 1.5 * np.pi * (1.0 + 2.0 * rng.random(n))
    x = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / 5.0
    return x + noise * rng.standard_normal((n, 2))


def _moons(n: int, rng: np.random.Generator, *, noise: float = 0.05) -> FloatArray:
    upper = rng.random(n) < 0.5
    t = np.pi * rng.random(n)
    x = np.where(upper[:, None], np.stack([np.cos(t), np.sin(t)], 1), np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], 1))
    return x - np.array([0.5, 0.25]) + noise * rng.standard_normal((n, 2))


@dataclass(frozen=True)
class LinearGaussian:
    r"""Centred Gaussian data :math:`P_X = \mathcal N(0, \Sigma)` with closed-form optimal decoders.

    :math:`\Sigma = R\,\mathrm{diag}(\lambda_1 \ge \dots \ge \lambda_d)\,R^\top` with ``R`` the rotation
    by ``angle`` in the first two coordinates. With prior :math:`P_Z = \mathcal N(0, I_k)` and a
    linear decoder :math:`G(z) = Wz`, the decoder law is :math:`\mathcal N(0, WW^\top)` and

    .. math::

        WW^\top_{\mathrm{POT}} = U_k \Lambda_k U_k^\top, \qquad
        WW^\top_{\mathrm{VAE}} = U_k (\Lambda_k - \sigma^2 I)_+ U_k^\top .

    The first minimizes :math:`W_c^\dagger = d\sigma^2 + \inf E\|X - G(Z)\|^2` (Theorem 1 and
    Corollary 7: the POT optimum, independent of :math:`\sigma^2`; it is the rank-``k`` Bures
    projection of :math:`\Sigma`); the second is the maximum-likelihood (probabilistic PCA)
    decoder, which the VAE reaches with a Gaussian encoder because the posterior is Gaussian, and
    which also minimizes :math:`W_2(P_X, P_G^\sigma)` for ``k = d`` (Proposition 2, example B.3:
    :math:`a = \sqrt{1 - \sigma^2}` for :math:`P_X = P_Z = \mathcal N(0, 1)`).

    Parameters
    ----------
    eigenvalues : tuple of float
        :math:`\lambda_1, \dots, \lambda_d > 0`.
    angle : float
        Rotation (radians) of the first two coordinates.

    Examples
    --------
    >>> lg = LinearGaussian((1.0,))
    >>> float(lg.optimal_decoder_cov("vae", sigma2=0.36)[0, 0])
    0.64
    >>> float(lg.optimal_decoder_cov("pot", sigma2=0.36)[0, 0])
    1.0
    """

    eigenvalues: tuple[float, ...] = (1.0, 0.25)
    angle: float = np.pi / 6

    def __post_init__(self) -> None:
        ev = tuple(float(check_nonnegative(v, "eigenvalues", strict=True)) for v in self.eigenvalues)
        if not ev:
            raise ValueError("eigenvalues: need at least one")
        object.__setattr__(self, "eigenvalues", tuple(sorted(ev, reverse=True)))

    @property
    def dim(self) -> int:
        """The dimension ``d`` (the number of eigenvalues)."""
        return len(self.eigenvalues)

    @property
    def rotation(self) -> FloatArray:
        """The rotation ``R`` by ``angle`` in the first two coordinates, shape ``(d, d)``."""
        R = np.eye(self.dim)
        if self.dim >= 2:
            c, s = np.cos(self.angle), np.sin(self.angle)
            R[:2, :2] = [[c, -s], [s, c]]
        return R

    @property
    def cov(self) -> FloatArray:
        """The covariance :math:`\\Sigma`, shape ``(d, d)``."""
        R = self.rotation
        return R @ np.diag(self.eigenvalues) @ R.T

    def sample(self, n: int, seed: int | np.random.Generator) -> FloatArray:
        """``n`` draws of :math:`\\mathcal N(0, \\Sigma)`, shape ``(n, d)``."""
        rng = as_generator(seed)
        z = rng.standard_normal((check_positive_int(n, "n"), self.dim))
        return (z * np.sqrt(self.eigenvalues)) @ self.rotation.T

    def optimal_decoder_cov(self, objective: str, sigma2: float = 0.0, latent_dim: int | None = None) -> FloatArray:
        """Covariance :math:`WW^\\top` of the optimal linear decoder's law (see the class docstring).

        ``objective`` is ``"pot"`` (also WAE-MMD, AAE at the matched ``lambda``) or ``"vae"``.
        """
        sigma2 = check_nonnegative(sigma2, "sigma2")
        k = self.dim if latent_dim is None else check_positive_int(latent_dim, "latent_dim")
        lam = np.array(self.eigenvalues)
        keep = np.arange(self.dim) < k
        if objective == "pot":
            lam = np.where(keep, lam, 0.0)
        elif objective == "vae":
            lam = np.where(keep, np.maximum(lam - sigma2, 0.0), 0.0)
        else:
            raise ValueError(f"objective: expected 'pot' or 'vae', got {objective!r}")
        R = self.rotation
        return R @ np.diag(lam) @ R.T


def _linear_gaussian(
    n: int, rng: np.random.Generator, *, eigenvalues: Sequence[float] = (1.0, 0.25), angle: float = np.pi / 6
) -> FloatArray:
    return LinearGaussian(tuple(eigenvalues), angle).sample(n, rng)


_DIGITS: FloatArray | None = None


def _digits_array() -> FloatArray:
    global _DIGITS
    if _DIGITS is None:
        from .._optional import require

        arr = require("sklearn.datasets", "the 'digits' data set").load_digits().data.astype(np.float64) / 16.0
        arr.setflags(write=False)
        _DIGITS = arr
    return _DIGITS


#: Data set name -> (generator, dimension, short description).
DATASETS: dict[str, tuple[Callable[..., FloatArray] | None, int | None, str]] = {
    "ring": (_ring, 2, "8 Gaussians (std 0.05) on a circle of radius 2"),
    "grid": (_grid, 2, "5x5 grid of Gaussians (std 0.05), spacing 1"),
    "swissroll": (_swissroll, 2, "2-D swiss roll, scaled by 1/5, noise 0.05"),
    "moons": (_moons, 2, "two interleaved half circles, noise 0.05"),
    "linear-gaussian": (_linear_gaussian, None, "N(0, Sigma), Sigma = R diag(1, 0.25) R^T (closed-form decoders)"),
    "linear-gaussian-1d": (
        lambda n, rng: _linear_gaussian(n, rng, eigenvalues=(1.0,)),
        1,
        "N(0, 1), the example of Prop. 2 (App. B.3)",
    ),
    "digits": (None, 64, "scikit-learn's 1797 8x8 digits, pixels scaled to [0, 1]"),
}


def check_data_name(name: object) -> str:
    """Return ``name`` if it is a known data set, else raise ``ValueError`` listing the valid ones."""
    if not isinstance(name, str) or name not in DATASETS:
        raise ValueError(f"data: unknown data set {name!r}; valid names: {', '.join(sorted(DATASETS))}")
    return name


def data_dim(name: str, **params: object) -> int:
    """Dimension of the points of data set ``name``."""
    check_data_name(name)
    if name == "linear-gaussian":
        eigenvalues = params.get("eigenvalues", (1.0, 0.25))
        if not isinstance(eigenvalues, Sized):
            raise TypeError(f"eigenvalues: expected a sequence of numbers, got {type(eigenvalues).__name__}")
        return len(eigenvalues)
    if name == "linear-gaussian-1d":
        return 1
    dim = DATASETS[name][1]
    if dim is None:  # only "linear-gaussian" (above) has a dimension set by its parameters
        raise AssertionError(f"data set {name!r} has no fixed dimension")
    return dim


def make_data(name: str, n: int, seed: int | np.random.Generator, **params: object) -> FloatArray:
    r"""``n`` points of data set ``name``, drawn with ``seed``; float64 array of shape ``(n, d)``.

    .. math::

        X_1, \dots, X_n \overset{iid}{\sim} P_X \quad(\text{digits: } n \text{ images drawn without replacement})

    Parameters
    ----------
    name : str
        One of :data:`DATASETS`.
    n : int
        Number of points (digits: at most 1797).
    seed : int or numpy.random.Generator
        All randomness.
    **params
        Passed to the generator (``std``, ``radius``, ``noise``, ``eigenvalues``, ...).

    Returns
    -------
    ndarray, shape (n, d), float64
        Row ``i`` is :math:`X_i`, in the data set's dimension ``d`` (:func:`data_dim`: 2 for the planar sets,
        64 for digits, whose pixels lie in [0, 1]).

    Raises
    ------
    ValueError
        Unknown name (the message lists the valid ones), or too many digits.

    Examples
    --------
    >>> X = make_data("ring", 4, seed=0)
    >>> X.shape, bool(abs(np.linalg.norm(X, axis=1).mean() - 2.0) < 0.2)
    ((4, 2), True)
    >>> bool(make_data("digits", 3, seed=0).max() <= 1.0)
    True
    """
    check_data_name(name)
    n = check_positive_int(n, "n")
    rng = as_generator(seed)
    if name == "digits":
        arr = _digits_array()
        if n > arr.shape[0]:
            raise ValueError(f"n: the digits data set has {arr.shape[0]} images, asked for {n}")
        return arr[rng.permutation(arr.shape[0])[:n]].copy()
    generate = DATASETS[name][0]
    if generate is None:  # only "digits" (above) has no generator
        raise AssertionError(f"data set {name!r} has no generator")
    return generate(n, rng, **params)


def split_data(
    name: str, n_train: int, n_test: int, seed: int | np.random.Generator, **params: object
) -> tuple[FloatArray, FloatArray]:
    """Disjoint training and held-out sets ``(X_train, X_test)`` drawn with ``seed``.

    For synthetic data both are fresh i.i.d. draws; for digits a random permutation of the 1797
    images is split, so the two sets never share an image.

    Examples
    --------
    >>> tr, te = split_data("moons", 10, 5, seed=1)
    >>> tr.shape, te.shape
    ((10, 2), (5, 2))
    """
    n_train = check_positive_int(n_train, "n_train")
    n_test = check_positive_int(n_test, "n_test")
    X = make_data(name, n_train + n_test, seed, **params)
    return X[:n_train], X[n_train:]
