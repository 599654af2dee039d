"""Input validation shared by every public entry point.

Every function here raises ``TypeError`` (wrong kind of object) or ``ValueError`` (right kind,
wrong value) with a message that starts with the argument's name, so a user sees which
argument was bad and why. Inner functions trust what these return: float64, C-contiguous
arrays of the documented shape.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Literal, SupportsIndex, TypeAlias, TypeVar, cast, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Default tolerance on ``|sum(weights) - 1|`` for probability vectors.
MASS_TOL = 1e-9

#: What the validators read as an array: numpy's array-likes (torch tensors included: they are
#: converted at the boundary), or (nested) sequences of exact rationals (``int``,
#: :class:`~fractions.Fraction`), kept exact where a function says so. Entries are checked at run time.
ArrayInput: TypeAlias = ArrayLike | Sequence[object]

#: A float64 numpy array: what the validators return.
FloatArray: TypeAlias = NDArray[np.float64]


def _to_numpy(x: object, name: str) -> np.ndarray:
    """Turn array-likes (including torch tensors) into a numpy array without silent coercion."""
    if x is None:
        raise TypeError(f"{name}: expected an array, got None")
    if hasattr(x, "tocsr") and hasattr(x, "toarray") and hasattr(x, "nnz"):  # a scipy.sparse matrix or array
        raise TypeError(
            f"{name}: a scipy sparse {type(x).__name__} is not accepted (its missing entries would read "
            f"as 0, not as forbidden pairs); pass a dense array ({name}.toarray()) with explicit costs"
        )
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # torch tensor, converted at the boundary
        t = x.detach().cpu()
        if getattr(t, "is_floating_point", lambda: False)() and str(t.dtype) in ("torch.bfloat16", "torch.float16"):
            t = t.double()  # numpy has no bfloat16; widening to float64 is exact
        x = t.numpy()
    if isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{name}: expected real numbers, got a bool {x!r}")
    if isinstance(x, (str, bytes, dict, set)):
        raise TypeError(f"{name}: expected an array of numbers, got {type(x).__name__}")
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and similar
        raise ValueError(f"{name}: could not be read as an array ({exc})") from exc
    if arr.dtype == object:
        # Exact rationals (int, Fraction) are allowed; bools and everything else are rejected.
        if arr.size and all(
            isinstance(v, (numbers.Rational, Fraction)) and not isinstance(v, (bool, np.bool_)) for v in arr.ravel()
        ):
            return arr
        raise TypeError(f"{name}: expected numbers, got an array of dtype object")
    if arr.dtype.kind == "b":
        raise TypeError(
            f"{name}: expected real numbers, got a boolean array (convert it explicitly, e.g. "
            "x.astype(float), if 0/1 values are meant)"
        )
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name}: expected real numbers, got dtype {arr.dtype}")
    return arr


def rationals(x: object) -> tuple[Fraction, ...] | None:
    """``x`` as a flat tuple of :class:`~fractions.Fraction` when every entry is an ``int`` or a
    ``Fraction`` (not a bool, not a float) and some entry is not a numpy integer type's float twin;
    ``None`` otherwise (floats, or anything the float validators will report)."""
    if isinstance(x, np.ndarray) and x.dtype != object:
        return None
    try:
        arr = np.asarray(x, dtype=object)
    except Exception:  # noqa: BLE001 - the float validators report it
        return None
    flat = arr.reshape(-1)
    if not flat.size:
        return None
    out: list[Fraction] = []
    for v in flat:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (numbers.Rational, np.integer)):
            return None
        out.append(Fraction(int(v)) if isinstance(v, np.integer) else Fraction(int(v.numerator), int(v.denominator)))
    return tuple(out)


def as_float_array(x: object, name: str, *, ndim: int | None = None, check_finite: bool = True) -> NDArray[np.float64]:
    """Return ``x`` as a C-contiguous float64 array, checking it is finite and (optionally) its rank.

    A scalar stays a 0-d array (``ndim=0``); callers that accept scalars test ``arr.ndim == 0``.
    Booleans, complex numbers, strings and objects other than exact rationals are refused.
    """
    arr = _to_numpy(x, name)
    if arr.dtype == object:
        try:
            arr = np.array([float(v) for v in arr.ravel()], dtype=np.float64).reshape(arr.shape)
        except OverflowError as exc:  # an int or Fraction beyond float64
            raise ValueError(f"{name}: a value does not fit in float64 ({exc})") from exc
    else:
        # np.asarray(order="C") keeps a 0-d array 0-d (np.ascontiguousarray would make it 1-d)
        arr = np.asarray(arr, dtype=np.float64, order="C")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-D array, got shape {arr.shape}")
    if not check_finite:
        return arr
    # A finite sum proves every entry finite (a NaN or inf entry makes the sum NaN or inf); only when
    # it is not (a bad entry, or an overflow of huge finite values) is the entrywise test run.
    with np.errstate(over="ignore", invalid="ignore"):  # huge finite entries may overflow the sum
        total = np.add.reduce(arr, axis=None) if arr.size else 0.0
    if not np.isfinite(total) and not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(
            f"{name}: contains a non-finite value ({arr[tuple(bad)]}) at index {tuple(int(i) for i in bad)}"
        )
    return arr


def as_points(x: object, name: str) -> NDArray[np.float64]:
    """Return points as an ``(n, d)`` float64 array; a 1-D array means ``d = 1``."""
    arr = as_float_array(x, name)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{name}: expected shape (n, d) or (n,), got {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name}: is empty (no points)")
    if arr.shape[1] == 0:
        raise ValueError(f"{name}: points have dimension 0")
    return arr


def as_weights(w: object, name: str, *, n: int | None = None, tol: float = MASS_TOL) -> NDArray[np.float64]:
    """Return a probability vector as float64, checking it is non-negative and sums to one.

    Parameters
    ----------
    w : array_like, shape (n,)
        The weights.
    name : str
        The argument name used in error messages.
    n : int, optional
        Required length.
    tol : float
        Tolerance on ``|sum(w) - 1|``.
    """
    arr = as_float_array(w, name, ndim=1)
    if arr.size == 0:
        raise ValueError(f"{name}: is empty (a measure needs at least one atom)")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{name}: has length {arr.shape[0]}, expected {n}")
    if np.any(arr < 0):
        i = int(np.argmin(arr))
        raise ValueError(f"{name}: has a negative weight {float(arr[i])!r} at index {i}")
    total = float(arr.sum())
    if abs(total - 1.0) > tol:
        hint = (
            "; float32 weights round like this: convert to float64 and divide by their sum explicitly"
            if abs(total - 1.0) < 1e-5
            else ""
        )
        raise ValueError(f"{name}: weights sum to {total!r}, not 1 (tolerance {tol:g}){hint}")
    return arr


@overload
def as_cost(
    C: object, name: str, *, shape: Sequence[SupportsIndex] | None = ..., extremes: Literal[False] = ...
) -> NDArray[np.float64]: ...


@overload
def as_cost(
    C: object, name: str, *, shape: Sequence[SupportsIndex] | None = ..., extremes: Literal[True]
) -> tuple[NDArray[np.float64], tuple[float, float]]: ...


def as_cost(
    C: object, name: str, *, shape: Sequence[SupportsIndex] | None = None, extremes: bool = False
) -> NDArray[np.float64] | tuple[NDArray[np.float64], tuple[float, float]]:
    """Return a cost matrix as a finite float64 ``(n, m)`` array (and ``(min, max)`` with ``extremes``).

    Finiteness is read off the minimum and maximum (a NaN makes both NaN, an infinity shows in one of
    them), so the two passes that give the extremes are the only ones made.
    """
    arr = as_float_array(C, name, ndim=2, check_finite=False)
    if arr.size == 0:
        raise ValueError(f"{name}: is empty, shape {arr.shape}")
    if shape is not None and arr.shape != tuple(shape):
        raise ValueError(f"{name}: has shape {arr.shape}, expected {tuple(shape)} (len(a), len(b))")
    cmin, cmax = float(arr.min()), float(arr.max())
    if not (np.isfinite(cmin) and np.isfinite(cmax)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(
            f"{name}: contains a non-finite value ({arr[tuple(bad)]}) at index {tuple(int(i) for i in bad)}"
        )
    return (arr, (cmin, cmax)) if extremes else arr


def check_positive_int(value: object, name: str, *, minimum: int = 1) -> int:
    """Check ``value`` is an integer (not bool) ``>= minimum`` and return it as ``int``."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral,)):
        raise TypeError(f"{name}: expected an integer, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name}: must be >= {minimum}, got {value}")
    return int(value)


def check_nonnegative(value: object, name: str, *, strict: bool = False) -> float:
    """Check ``value`` is a finite real number ``>= 0`` (``> 0`` when ``strict``) and return a float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name}: must be finite, got {value}")
    if value < 0 or (strict and value == 0):
        raise ValueError(f"{name}: must be {'> 0' if strict else '>= 0'}, got {value}")
    return value


def as_generator(seed: object, name: str = "seed") -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from an int seed or a Generator; anything else is an error.

    ``None`` is refused on purpose: every random choice in otcheck flows from an explicit seed.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name}: expected an int seed or a numpy.random.Generator, got {type(seed).__name__} {seed!r}")
    if seed < 0:
        raise ValueError(f"{name}: must be a non-negative integer, got {seed}")
    return np.random.default_rng(int(seed))


def looks_like_weights(w: object, n: int | None = None) -> bool:
    """True when ``w`` reads as a probability vector (of length ``n`` when given); never raises."""
    try:
        as_weights(w, "w", n=n)
    except (TypeError, ValueError):
        return False
    return True


def count_points(x: object) -> int | None:
    """Number of points ``x`` holds as :func:`as_points` reads it, or None when it is not points."""
    try:
        return as_points(x, "x").shape[0]
    except (TypeError, ValueError):
        return None


def _same_arguments(new: Sequence[object], old: Sequence[object]) -> bool:
    """True when the two readings pass the same values in every slot (so the order does not matter)."""
    for p, q in zip(new, old):
        if p is q:
            continue
        try:
            if not np.array_equal(np.asarray(p, dtype=float), np.asarray(q, dtype=float)):
                return False
        except (TypeError, ValueError):
            return False
    return True


def read_argument_order(
    func: str,
    new_sig: str,
    old_sig: str,
    new: tuple[object, ...],
    old: tuple[object, ...],
    *,
    new_ok: bool,
    old_ok: bool,
    stacklevel: int = 3,
) -> tuple[object, ...]:
    """Read a positional call in POT's argument order or, when only that reads, in the deprecated one.

    ``new`` and ``old`` are the call's arguments rearranged into the new signature's order under
    each reading; ``new_ok`` and ``old_ok`` say whether each reading gives valid weights (the
    caller knows which slots hold weights). Returns the arguments in the new order:

    * only the old reading is valid: the old one, with a ``DeprecationWarning``
      ``"{func}({old_sig}) is deprecated: ..."``;
    * both are valid and differ: the new one, with a ``FutureWarning`` saying how it was read;
    * otherwise the new one, silently (the validators then name a bad argument).

    ``stacklevel`` is that of :func:`warnings.warn` as seen from this function (3: the caller's caller).
    """
    import warnings

    if old_ok and not new_ok:
        warnings.warn(
            f"{func}({old_sig}) is deprecated: the order is now POT's, {func}({new_sig}); "
            "this call was read in the old order",
            DeprecationWarning,
            stacklevel=stacklevel,
        )
        return tuple(old)
    if old_ok and new_ok and not _same_arguments(new, old):
        words = {4: "four", 5: "five"}.get(len(new), str(len(new)))
        warnings.warn(
            f"{func}: these {words} arguments read both as ({new_sig}) and as the deprecated ({old_sig});"
            f" they were read as ({new_sig}). Pass a= and b= by keyword to say which.",
            FutureWarning,
            stacklevel=stacklevel,
        )
    return tuple(new)


_F = TypeVar("_F", bound=Callable[..., object])


def positional_order(
    first_weight: int, reorder: Callable[[tuple[object, ...]], tuple[object, ...]]
) -> Callable[[_F], _F]:
    """Decorator for functions taking POT's ``(..., a=None, b=None)`` whose old order put weights elsewhere.

    When the call passes the first weight slot (index ``first_weight``) positionally and ``b`` in
    any way, the ``first_weight + 2`` leading arguments go through ``reorder`` (which returns them in
    the new order, warning through :func:`read_argument_order` with ``stacklevel=4``). Weights
    passed by keyword (``a=``, ``b=``) are never reordered: that is how a caller says which reading
    is meant.
    """
    n = first_weight + 2

    def decorate(fn: _F) -> _F:
        @functools.wraps(fn)
        def wrapper(*args: object, **kwargs: object) -> object:
            if len(args) > first_weight and (len(args) >= n or "b" in kwargs):
                head = args[:n] if len(args) >= n else args + (kwargs.pop("b"),)
                args = tuple(reorder(head)) + args[n:]
            return fn(*args, **kwargs)

        return cast(_F, wrapper)

    return decorate
