"""Argument checks shared by every dlcore module.

Each helper raises ``TypeError`` (wrong kind of object) or ``ValueError`` (right
kind, wrong value) with a message that names the parameter and what was expected,
so a student sees *which* argument is wrong, not a NumPy broadcasting trace.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Iterable, Mapping
from typing import TypeVar

import numpy as np

T = TypeVar("T")


def as_float_array(x: object, name: str, *, ndim: int | Iterable[int] | None = None) -> np.ndarray:
    """Return ``x`` as a floating-point array, checking its rank.

    Integer and boolean input is converted to float64; float16/32/64 keep their dtype.
    Raises ``TypeError`` for non-numeric input and ``ValueError`` for a wrong rank.

    Example:
        >>> as_float_array([1, 2], "x").dtype
        dtype('float64')
        >>> as_float_array([[1.0]], "x", ndim=1)
        Traceback (most recent call last):
        ...
        ValueError: x must be 1-dimensional, got shape (1, 1)
    """
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be an array of numbers, got {type(x).__name__}")
    try:
        arr = np.asarray(x)
    except Exception as exc:  # pragma: no cover - numpy raises many kinds
        raise TypeError(f"{name} must be array-like, got {type(x).__name__}") from exc
    if arr.dtype.kind in "biu":
        arr = arr.astype(np.float64)
    elif arr.dtype.kind != "f":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(str(a) for a in allowed)
            raise ValueError(f"{name} must be {want}-dimensional, got shape {arr.shape}")
    return arr


def check_shape(arr: np.ndarray, shape: tuple[int | None, ...], name: str) -> None:
    """Check ``arr.shape`` against ``shape``, where ``None`` matches any length.

    Example:
        >>> check_shape(np.zeros((3, 2)), (None, 3), "W")
        Traceback (most recent call last):
        ...
        ValueError: W must have shape (any, 3), got (3, 2)
    """
    ok = len(arr.shape) == len(shape) and all(
        want is None or want == got for want, got in zip(shape, arr.shape, strict=True)
    )
    if not ok:
        pretty = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
        raise ValueError(f"{name} must have shape {pretty}, got {arr.shape}")


def check_real(value: object, name: str) -> float:
    """Return ``value`` as a float, rejecting booleans, non-numbers and NaN/inf.

    Example:
        >>> check_real(3, "momentum")
        3.0
        >>> check_real(float("nan"), "momentum")
        Traceback (most recent call last):
        ...
        ValueError: momentum must be finite, got nan
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def check_positive(value: object, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float, requiring ``value > 0`` (or ``>= 0``).

    Example:
        >>> check_positive(0.0, "learning_rate")
        Traceback (most recent call last):
        ...
        ValueError: learning_rate must be > 0, got 0.0
    """
    value = check_real(value, name)
    if value < 0 or (value == 0 and not allow_zero):
        want = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {want}, got {value}")
    return value


def check_in_range(
    value: object,
    name: str,
    low: float,
    high: float,
    *,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> float:
    """Return ``value`` as a float, requiring it to lie in the given interval.

    Example:
        >>> check_in_range(1.0, "beta_1", 0.0, 1.0, high_inclusive=False)
        Traceback (most recent call last):
        ...
        ValueError: beta_1 must lie in [0.0, 1.0), got 1.0
    """
    value = check_real(value, name)
    above = value >= low if low_inclusive else value > low
    below = value <= high if high_inclusive else value < high
    if not (above and below):
        lo = "[" if low_inclusive else "("
        hi = "]" if high_inclusive else ")"
        raise ValueError(f"{name} must lie in {lo}{low}, {high}{hi}, got {value}")
    return value


def check_positive_int(value: object, name: str, *, allow_zero: bool = False) -> int:
    """Return ``value`` as an int, requiring a (non-negative or) positive integer.

    Example:
        >>> check_positive_int(2.0, "epochs")
        Traceback (most recent call last):
        ...
        TypeError: epochs must be an integer, got float
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    value = int(value)
    if value < 0 or (value == 0 and not allow_zero):
        want = ">= 0" if allow_zero else ">= 1"
        raise ValueError(f"{name} must be {want}, got {value}")
    return value


def check_rng(rng: object, name: str = "rng") -> np.random.Generator:
    """Require a ``numpy.random.Generator`` (as made by ``np.random.default_rng``).

    Example:
        >>> check_rng(np.random.default_rng(0)) is not None
        True
        >>> check_rng(0)
        Traceback (most recent call last):
        ...
        TypeError: rng must be a numpy.random.Generator (use np.random.default_rng(seed)), got int
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{name} must be a numpy.random.Generator (use np.random.default_rng(seed)), "
            f"got {type(rng).__name__}"
        )
    return rng


def check_choice(value: object, name: str, choices: Iterable[str]) -> str:
    """Require ``value`` to be one of the strings in ``choices``.

    Example:
        >>> check_choice("batch", "normalization", ("batch", "layer"))
        'batch'
    """
    choices = tuple(choices)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {choices}, got {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


def check_same_keys(a: dict, b: dict, name_a: str, name_b: str) -> None:
    """Require two dicts (e.g. params and grads) to have exactly the same keys.

    Example:
        >>> check_same_keys({"W": 1, "b": 2}, {"W": 1}, "params", "grads")
        Traceback (most recent call last):
        ...
        ValueError: grads must have the same keys as params: missing ['b'], unexpected []
    """
    for d, n in ((a, name_a), (b, name_b)):
        if not isinstance(d, dict):
            raise TypeError(f"{n} must be a dict of name -> array, got {type(d).__name__}")
    if a.keys() != b.keys():
        missing = sorted(set(a) - set(b))
        extra = sorted(set(b) - set(a))
        raise ValueError(
            f"{name_b} must have the same keys as {name_a}: missing {missing}, unexpected {extra}"
        )


def check_finite(arr: np.ndarray, name: str) -> None:
    """Raise ``ValueError`` if ``arr`` holds NaN or infinity.

    Example:
        >>> check_finite(np.array([1.0, np.nan]), "logits")
        Traceback (most recent call last):
        ...
        ValueError: logits contains NaN or infinity
    """
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity")


def check_bool(value: object, name: str) -> bool:
    """Return ``value`` if it is a ``bool``; ``TypeError`` naming ``name`` otherwise.

    ``0``/``1``, ``None`` and NumPy booleans are refused: a flag is ``True`` or ``False``.

    Example:
        >>> check_bool(True, "residual")
        True
        >>> check_bool(1, "residual")
        Traceback (most recent call last):
        ...
        TypeError: residual must be True or False, got 1
    """
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def _squash(name: str) -> str:
    """Lower case without underscores, dashes or spaces: ``"LeakyReLU"`` -> ``"leakyrelu"``."""
    return re.sub(r"[_\-\s]", "", name).lower()


def lookup(value: object, kind: str, registry: Mapping[str, T], *, param: str = "name") -> str:
    """The registry key that ``value`` names; the one name rule of every ``get`` in dlcore.

    Rule: case, underscores and surrounding spaces do not matter, so Keras' function
    names (``"he_normal"``, ``"leaky_relu"``) and class names (``"HeNormal"``,
    ``"LeakyReLU"``, ``"RMSprop"``) both work.

    Raises:
        TypeError: ``value`` is not a string (the message lists the valid names).
        ValueError: no such name (the message lists the valid names).

    Example:
        >>> lookup("HeNormal", "initializer", {"he_normal": 1, "glorot_uniform": 2})
        'he_normal'
    """
    names = sorted(registry)
    if not isinstance(value, str):
        article = "an" if kind[0] in "aeiou" else "a"
        raise TypeError(
            f"{param} must be {article} {kind} name (one of {names}) or {article} {kind} "
            f"object, got {type(value).__name__}"
        )
    by_squashed = {_squash(k): k for k in registry}
    key = _squash(value)
    if key in by_squashed:
        return by_squashed[key]
    raise ValueError(f"unknown {kind}: {param} must be one of {names}, got {value!r}")


def bind_params(kind: str, name: str, defaults: Mapping[str, object], params: Mapping) -> dict:
    """``defaults`` updated with ``params``; ``TypeError`` listing the valid parameters.

    Example:
        >>> bind_params("activation", "elu", {"alpha": 1.0}, {"alpha": 0.5})
        {'alpha': 0.5}
    """
    unknown = sorted(set(params) - set(defaults))
    if unknown:
        takes = sorted(defaults) or "no parameters"
        raise TypeError(
            f"{kind} {name!r} got unexpected parameter(s) {unknown}; valid parameters: {takes}"
        )
    return {**defaults, **params}


def no_params_with_instance(kind: str, params: Mapping) -> None:
    """``get(obj, **params)`` with an object already built: refuse the parameters.

    Example:
        >>> no_params_with_instance("optimizer", {"learning_rate": 0.1})  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        TypeError: parameters ['learning_rate'] cannot be applied to an existing optimizer ...
    """
    if params:
        raise TypeError(
            f"parameters {sorted(params)} cannot be applied to an existing {kind} object; "
            f"pass its name instead"
        )
