r"""One certified-number type for every layer: :class:`Bound` (layer 0).

Every number otcheck reports is a :class:`Bound`: a value with an interval that contains the true
quantity, and a statement of *why* it does.

================ ===================================================================================
``guarantee``    what the interval ``[lower, upper]`` means
================ ===================================================================================
``"proof"``      the true value lies in it, rounding included: a certified LP optimum
                 (:attr:`otcheck.OTResult.bound`), an exact rational (``lower == upper``), an
                 interval computed with outward rounding
``"confidence"`` a random interval that covers the true value with probability at least
                 ``confidence`` (a Student-t interval over samples, widened by a stated bias bound)
``"estimate"``   the error is estimated, not bounded: a quadrature's error estimate, a float64
                 evaluation of a closed form (:meth:`Bound.floating`), an iterative solver stopped at
                 a tolerance
================ ===================================================================================

``tight`` says whether the producer met its own stated precision (a certificate that is ``ok``, a
quadrature within its tolerance). The comparison rule of the claims layer (:func:`otcheck.claims.decide`)
lets two *tight* bounds that overlap count as agreeing, and never lets a wide or one-sided bound
decide anything but what it proves.

Arithmetic (``+``, ``-``, negation, multiplication by an exact number) keeps the guarantee: the
endpoints are rounded outward, rationals stay rationals (a :class:`fractions.Fraction` in, a
Fraction out), and the difference of two confidence intervals holds at level
:math:`1 - (\alpha_1 + \alpha_2)` (Bonferroni; no independence needed). For paired samples,
:meth:`Bound.paired_difference` is sharper.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import SupportsFloat, SupportsIndex

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["Bound", "GUARANTEES", "FLOAT_REL_ERROR", "student_t_interval"]

#: The kinds of guarantee, strongest first.
GUARANTEES = ("proof", "confidence", "estimate")

#: Relative error assumed for a float64 evaluation of a closed-form expression
#: (:meth:`Bound.floating`): :math:`2^{-40} \approx 9.1\cdot 10^{-13}`, i.e. about 4000 units of
#: rounding of the size of the numbers it was computed from. An *estimate* (such formulas are
#: short, well-conditioned sums, logs and products), never called a proof.
FLOAT_REL_ERROR = 2.0**-40


def _is_exact(x: object) -> bool:
    return isinstance(x, (Fraction, int)) and not isinstance(x, bool)


def _num(x: object, name: str) -> Fraction | float:
    """A real number: ``Fraction``/``int`` kept exact, everything else as float."""
    if isinstance(x, bool) or isinstance(x, np.bool_):
        raise TypeError(f"{name}: expected a real number, got a bool")
    if isinstance(x, Fraction):
        return x
    if isinstance(x, (int, np.integer)):
        return Fraction(int(x))
    if isinstance(x, numbers.Rational):
        return Fraction(int(x.numerator), int(x.denominator))
    if isinstance(x, numbers.Real):
        return float(x)
    raise TypeError(f"{name}: expected a real number, got {type(x).__name__}")


def _down(x: float) -> float:
    return math.nextafter(x, -math.inf) if math.isfinite(x) else x


def _up(x: float) -> float:
    return math.nextafter(x, math.inf) if math.isfinite(x) else x


def _add_round(x: Fraction | float, y: Fraction | float, direction: int) -> Fraction | float:
    """``x + y`` rounded towards ``direction`` (-1 down, +1 up); exact when both are Fractions."""
    fx, fy = float(x), float(y)
    if (isinstance(x, Fraction) or isinstance(y, Fraction)) and math.isfinite(fx) and math.isfinite(fy):
        return Fraction(x) + Fraction(y)  # a float is an exact dyadic rational: the sum stays exact
    if math.isnan(fx) or math.isnan(fy):
        return math.nan
    if math.isinf(fx) or math.isinf(fy):
        s = fx + fy
        return s
    exact = Fraction(x) + Fraction(y)
    f = float(exact) if abs(exact) < Fraction(np.finfo(float).max) else (math.inf if exact > 0 else -math.inf)
    if direction < 0 and math.isfinite(f) and Fraction(f) > exact:
        f = _down(f)
    if direction > 0 and math.isfinite(f) and Fraction(f) < exact:
        f = _up(f)
    return f


def student_t_interval(samples: ArrayLike, confidence: float) -> tuple[float, float]:
    r"""Mean and half-width of the Student-t interval :math:`\bar x \pm t_{k-1, (1+c)/2}\, s / \sqrt k`.

    The one interval helper of otcheck: every sampled interval is made here.

    Parameters
    ----------
    samples : array_like, shape (k,), k >= 2
        Independent replicates (finite).
    confidence : float
        Level in (0, 1).

    Returns
    -------
    mean, half : float
        The sample mean :math:`\bar x` and the half-width :math:`t_{k-1, (1+c)/2}\, s / \sqrt k \ge 0`
        (:math:`s` the sample standard deviation): the interval is ``[mean - half, mean + half]``.
    """
    from scipy.stats import t as student_t

    x = np.asarray(samples, dtype=np.float64).ravel()
    if x.size < 2:
        raise ValueError(f"samples: need at least 2 replicates for an interval, got {x.size}")
    if not np.all(np.isfinite(x)):
        raise ValueError("samples: contains NaN or inf")
    if not 0.0 < float(confidence) < 1.0:
        raise ValueError(f"confidence: must be in (0, 1), got {confidence!r}")
    half = float(student_t.ppf(0.5 + confidence / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return float(x.mean()), half


@dataclass(frozen=True)
class Bound:
    r"""A number with an interval that contains the true value, and why it does.

    Attributes
    ----------
    value : float or Fraction
        The reported number (a Fraction when exact and rational).
    lower, upper : float or Fraction
        The interval, ``lower <= value <= upper`` (``-inf``/``inf`` for a one-sided bound).
    method : str
        How it was obtained, e.g. ``"exact OT (emd), certified"``, ``"rational"``,
        ``"closed form (float64)"``, ``"quadrature"``, ``"sampled (64 replicates)"``.
    guarantee : {"proof", "confidence", "estimate"}
        What the interval means (see the module docstring).
    confidence : float or None
        The coverage level, for ``guarantee="confidence"`` only.
    tight : bool
        True when the producer met its own stated precision (so that overlapping tight bounds may
        count as equal); always False for an interval with an infinite end.

    Examples
    --------
    >>> from fractions import Fraction
    >>> third = Bound.exact(Fraction(1, 3))
    >>> (third - Bound.exact(Fraction(1, 6))).value
    Fraction(1, 6)
    >>> b = Bound.from_samples([1.0, 1.2, 0.9, 1.1], confidence=0.95)
    >>> b.guarantee, b.lower < 1.05 < b.upper
    ('confidence', True)
    """

    value: float | Fraction
    lower: float | Fraction
    upper: float | Fraction
    method: str
    guarantee: str = "proof"
    confidence: float | None = None
    tight: bool = True

    def __post_init__(self) -> None:
        for name in ("value", "lower", "upper"):
            object.__setattr__(self, name, _num(getattr(self, name), name))
        if self.guarantee not in GUARANTEES:
            raise ValueError(f"guarantee: expected one of {GUARANTEES}, got {self.guarantee!r}")
        if not isinstance(self.method, str) or not self.method:
            raise TypeError("method: expected a non-empty string saying how the number was obtained")
        if self.guarantee == "confidence":
            if self.confidence is None or not 0.0 < float(self.confidence) < 1.0:
                raise ValueError(f"confidence: a confidence bound needs a level in (0, 1), got {self.confidence!r}")
        elif self.confidence is not None:
            raise ValueError(f"confidence: only a 'confidence' bound has a level, this one is a {self.guarantee!r}")
        lo, hi, v = self.lower, self.upper, self.value
        if any(isinstance(x, float) and math.isnan(x) for x in (lo, hi)):
            object.__setattr__(self, "tight", False)
        elif not lo <= hi:
            raise ValueError(f"lower, upper: need lower <= upper, got [{lo}, {hi}]")
        elif not (isinstance(v, float) and math.isnan(v)) and not lo <= v <= hi:
            raise ValueError(f"value: {v} is outside its interval [{lo}, {hi}]")
        if not (math.isfinite(float(lo)) and math.isfinite(float(hi))):
            object.__setattr__(self, "tight", False)

    # ---------------------------------------------------------------------------- constructors

    @classmethod
    def exact(cls, value: Fraction | float, method: str | None = None) -> Bound:
        """An exactly known number: ``lower == value == upper``, a proof (a Fraction stays a Fraction).

        ``method`` defaults to ``"rational"`` for ints and Fractions, ``"exact float"`` for a float.
        """
        v = _num(value, "value")
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError(f"value: an exact number must be finite, got {v}")
        return cls(v, v, v, method=method or ("rational" if isinstance(v, Fraction) else "exact float"))

    @classmethod
    def interval(
        cls,
        lower: Fraction | float,
        upper: Fraction | float,
        value: Fraction | float | None = None,
        *,
        method: str,
        guarantee: str = "proof",
        confidence: float | None = None,
        tight: bool = True,
    ) -> Bound:
        """A bound from its two ends (``value`` defaults to the midpoint, rounded into the interval)."""
        lo, hi = _num(lower, "lower"), _num(upper, "upper")
        if value is None:
            if isinstance(lo, Fraction) and isinstance(hi, Fraction):
                value = (lo + hi) / 2
            elif math.isfinite(float(lo)) and math.isfinite(float(hi)):
                value = min(max(0.5 * float(lo) + 0.5 * float(hi), float(lo)), float(hi))
            else:
                value = float(lo) if math.isfinite(float(lo)) else float(hi)
        return cls(value, lo, hi, method=method, guarantee=guarantee, confidence=confidence, tight=tight)

    @classmethod
    def floating(cls, value: float, *, scale: float | None = None, method: str = "closed form (float64)") -> Bound:
        r"""A float64 evaluation of a closed-form expression: :math:`v \pm` :data:`FLOAT_REL_ERROR` :math:`\cdot s`.

        ``scale`` is the size of the numbers the value was computed from (default ``|value|``): a
        difference of two numbers of size 1 that cancels to 1e-17 is known to about 1e-16, not
        to 1e-33. An ``"estimate"``: the rounding error is estimated, not bounded.
        """
        v = float(value)
        if not math.isfinite(v):
            raise ValueError(f"value: must be finite, got {v}")
        s = abs(v) if scale is None else float(scale)
        if not math.isfinite(s) or s < 0:
            raise ValueError(f"scale: must be a finite number >= 0, got {scale!r}")
        err = FLOAT_REL_ERROR * max(s, abs(v))
        return cls(v, _down(v - err) if err else v, _up(v + err) if err else v, method=method, guarantee="estimate")

    @classmethod
    def estimate(cls, value: float, error: float, *, method: str) -> Bound:
        """A value with an *estimated* absolute error (a quadrature's, an iterative solver's)."""
        v, e = float(value), float(error)
        if not (math.isfinite(v) and e >= 0):
            raise ValueError(f"value, error: need a finite value and an error >= 0, got {value!r}, {error!r}")
        return cls(v, _down(v - e), _up(v + e), method=method, guarantee="estimate")

    @classmethod
    def from_samples(
        cls,
        samples: ArrayLike,
        *,
        confidence: float = 0.95,
        method: str | None = None,
        bias: float | Sequence[float] = (0.0, 0.0),
    ) -> Bound:
        r"""Student-t interval of the mean of independent replicates, widened by a bias bound.

        With :math:`\mathbb E[\bar x] - \theta \in [\beta_-, \beta_+]` (``bias``), the interval for
        :math:`\theta` is :math:`[\bar x - h - \beta_+,\ \bar x + h - \beta_-]`, covering at level
        ``confidence``; the value is the bias-corrected mean :math:`\bar x - (\beta_- + \beta_+)/2`.
        ``bias`` may be a number ``b`` (meaning ``[-b, b]``) or a pair.
        """
        mean, half = student_t_interval(samples, confidence)
        lo_b, hi_b = (-float(bias), float(bias)) if isinstance(bias, (float, numbers.Real)) else map(float, bias)
        if not (math.isfinite(lo_b) and math.isfinite(hi_b) and lo_b <= hi_b):
            raise ValueError(f"bias: expected a finite (low, high) with low <= high, got {bias!r}")
        k = np.asarray(samples).size
        lo, hi = _down(mean - half - hi_b), _up(mean + half - lo_b)
        value = min(max(mean - 0.5 * (lo_b + hi_b), lo), hi)  # the bias-corrected centre
        return cls(
            value,
            lo,
            hi,
            method=method or f"sampled ({k} replicates)",
            guarantee="confidence",
            confidence=float(confidence),
            tight=False,
        )

    @classmethod
    def paired_difference(
        cls, x: ArrayLike, y: ArrayLike, *, confidence: float = 0.95, method: str | None = None
    ) -> Bound:
        """Interval of ``mean(x - y)`` from paired replicates (same seeds).

        Sharper than ``from_samples(x) - from_samples(y)``: the pairing removes what both share.
        """
        x = np.asarray(x, dtype=np.float64).ravel()
        y = np.asarray(y, dtype=np.float64).ravel()
        if x.shape != y.shape:
            raise ValueError(f"x, y: paired replicates need the same length, got {x.size} and {y.size}")
        return cls.from_samples(x - y, confidence=confidence, method=method or f"paired difference ({x.size} pairs)")

    # ------------------------------------------------------------------------------ properties

    @property
    def width(self) -> Fraction | float:
        """``upper - lower`` (exact for Fractions)."""
        return self.upper - self.lower

    @property
    def is_exact(self) -> bool:
        """True for a proven point: ``lower == upper``."""
        return self.guarantee == "proof" and self.lower == self.upper

    def contains(self, x: Fraction | float) -> bool:
        """True when ``lower <= x <= upper``."""
        x = _num(x, "x")
        return bool(self.lower <= x <= self.upper)

    @property
    def alpha(self) -> float:
        """The non-coverage probability: ``1 - confidence`` for a confidence bound, else 0."""
        # a confidence bound has a level (checked at construction)
        return 1.0 - self.confidence if self.guarantee == "confidence" and self.confidence is not None else 0.0

    # ------------------------------------------------------------------------------ arithmetic

    def _combine(
        self, other: Bound, lo: Fraction | float, hi: Fraction | float, value: Fraction | float, method: str
    ) -> Bound:
        gs = (self.guarantee, other.guarantee)
        if "estimate" in gs:
            g, conf = "estimate", None
        elif "confidence" in gs:
            g = "confidence"
            conf = 1.0 - (self.alpha + other.alpha)
            if conf <= 0.0:
                raise ValueError("confidence: combining these intervals leaves no coverage (alphas sum to >= 1)")
        else:
            g, conf = "proof", None
        return Bound(value, lo, hi, method=method, guarantee=g, confidence=conf, tight=self.tight and other.tight)

    @staticmethod
    def _coerce(other: Bound | Fraction | float) -> Bound:
        if isinstance(other, Bound):
            return other
        return Bound.exact(other)

    def _method_with(self, other: Bound, op: str) -> str:
        return self.method if self.method == other.method else f"{self.method} {op} {other.method}"

    def __add__(self, other: Bound | Fraction | float) -> Bound:
        o = self._coerce(other)
        lo = _add_round(self.lower, o.lower, -1)
        hi = _add_round(self.upper, o.upper, 1)
        v = _add_round(self.value, o.value, 0)
        if not (isinstance(v, float) and math.isnan(v)) and not any(
            isinstance(x, float) and math.isnan(x) for x in (lo, hi)
        ):
            v = min(max(v, lo), hi)
        return self._combine(o, lo, hi, v, self._method_with(o, "+"))

    __radd__ = __add__

    def __neg__(self) -> Bound:
        return replace(self, value=-self.value, lower=-self.upper, upper=-self.lower)

    def __sub__(self, other: Bound | Fraction | float) -> Bound:
        return self + (-self._coerce(other))

    def __rsub__(self, other: Bound | Fraction | float) -> Bound:
        return self._coerce(other) - self

    def __mul__(self, k: Fraction | float) -> Bound:
        """Multiplication by an exact number (int, Fraction, or a float taken at its value)."""
        if isinstance(k, Bound):
            raise TypeError("Bound * Bound is not supported; multiply by an exact number")
        k = _num(k, "k")
        lo, hi = (self.lower, self.upper) if k >= 0 else (self.upper, self.lower)
        return replace(
            self, value=_mul_round(self.value, k, 0), lower=_mul_round(lo, k, -1), upper=_mul_round(hi, k, 1)
        )

    __rmul__ = __mul__

    # ------------------------------------------------------------------------------- printing

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: Fractions as exact strings ``"p/q"``, infinities as ``"inf"``/``"-inf"``."""
        return {
            "value": encode_number(self.value),
            "lower": encode_number(self.lower),
            "upper": encode_number(self.upper),
            "method": self.method,
            "guarantee": self.guarantee,
            "confidence": self.confidence,
            "tight": self.tight,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, object]) -> Bound:
        """Inverse of :meth:`to_dict` (exact strings become Fractions again)."""
        value, lower, upper = (_num(decode_number(d[k]), k) for k in ("value", "lower", "upper"))
        method, guarantee, confidence = d["method"], d["guarantee"], d.get("confidence")
        if not isinstance(guarantee, str):
            raise ValueError(f"guarantee: expected one of {GUARANTEES}, got {guarantee!r}")
        if not isinstance(method, str):
            raise TypeError("method: expected a non-empty string saying how the number was obtained")
        if confidence is not None and not isinstance(confidence, (int, float)):
            raise TypeError(f"confidence: expected a number or None, got {type(confidence).__name__}")
        return cls(
            value,
            lower,
            upper,
            method=method,
            guarantee=guarantee,
            confidence=confidence,
            tight=bool(d.get("tight", True)),
        )

    def __str__(self) -> str:
        if self.is_exact:
            return f"{_fmt(self.value)} (exact, {self.method})"
        kind = f"{self.confidence:.0%} confidence" if self.guarantee == "confidence" else self.guarantee
        return f"{_fmt(self.value)} in [{_fmt(self.lower)}, {_fmt(self.upper)}] ({kind}, {self.method})"


def _mul_round(x: Fraction | float, k: Fraction | float, direction: int) -> Fraction | float:
    fx = float(x)
    if isinstance(x, Fraction) or (isinstance(k, Fraction) and math.isfinite(fx)):
        return Fraction(x) * k if not isinstance(k, float) else Fraction(x) * Fraction(k)
    if not math.isfinite(fx):
        return fx * float(k) if float(k) != 0 else 0.0
    exact = Fraction(x) * Fraction(k)
    f = float(exact)
    if direction < 0 and Fraction(f) > exact:
        f = _down(f)
    if direction > 0 and Fraction(f) < exact:
        f = _up(f)
    return f


def _fmt(x: Fraction | float) -> str:
    if isinstance(x, Fraction):
        return str(x) if x.denominator < 10**6 and abs(x.numerator) < 10**12 else f"{float(x):.10g}"
    return f"{x:.10g}"


def encode_number(x: Fraction | float | None) -> str | int | float | None:
    """A number for JSON: an int stays an int, a Fraction becomes the exact string ``"p/q"``,
    a float stays a float (``"nan"``, ``"inf"``, ``"-inf"`` as strings)."""
    if isinstance(x, Fraction):
        return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"
    if isinstance(x, bool) or x is None:
        return x
    if isinstance(x, (int, np.integer)):
        return int(x)
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def decode_number(x: object) -> Fraction | float | bool | None:
    """Inverse of :func:`encode_number`: ``"p/q"`` and integer strings become Fractions."""
    if isinstance(x, str):
        if x in ("nan", "inf", "-inf"):
            return float(x)
        return Fraction(x)
    if isinstance(x, bool) or x is None:
        return x
    if isinstance(x, int):
        return Fraction(x)
    if isinstance(x, (SupportsFloat, SupportsIndex)):
        return float(x)
    raise TypeError(f"float() argument must be a string or a real number, not '{type(x).__name__}'")
