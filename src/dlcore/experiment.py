"""Experiment settings every chapter reads, and the two kinds of assert a chapter makes.

Two environment variables move every experiment of the course at once, so that a
chapter's conclusions can be re-checked at a larger budget and with new seeds
(``make robustness``) without editing a notebook:

``DLCORE_BUDGET`` (default ``1``)
    multiplies epochs or steps, sweep sizes and numbers of trials, wherever a chapter
    passes them through :func:`scaled`.
``DLCORE_SEED_OFFSET`` (default ``0``)
    is added to every seed a chapter draws through :func:`seed` or :func:`seeds`.

With both unset, every notebook behaves exactly as before.

A chapter asserts two kinds of thing:

* a **conclusion** (:func:`conclusion`): what the prose teaches, for example "ReLU
  reaches the target before sigmoid". It must hold at any budget >= 1 and any seed
  offset; ``make robustness`` checks it at ``DLCORE_BUDGET=2`` with two new offsets.
* a **pinned number** (:func:`pinned`): a value that only holds for the default budget
  and seeds, for example "the printed accuracy is 0.395". It is checked under
  ``make test`` and skipped when either setting moves. A conclusion is never asserted
  only through a pinned number.

Example:
    >>> from dlcore import experiment
    >>> experiment.budget(), experiment.seed_offset()
    (1.0, 0)
    >>> experiment.scaled(30), experiment.seeds(3)
    (30, (0, 1, 2))
    >>> experiment.conclusion(0.1 < 0.2, "a small gain beats a large one")
"""

from __future__ import annotations

import math
import os

from dlcore._validation import check_positive_int

BUDGET_VAR = "DLCORE_BUDGET"
SEED_OFFSET_VAR = "DLCORE_SEED_OFFSET"

#: The settings ``make robustness`` runs every chapter under: (budget, seed offset).
ROBUSTNESS_RUNS: tuple[tuple[float, int], ...] = ((2.0, 1000), (2.0, 2000))


class ConclusionError(AssertionError):
    """A conclusion that the chapter's text states did not hold in this run."""


def budget() -> float:
    """The budget multiplier, read from ``DLCORE_BUDGET`` (default 1).

    Raises:
        ValueError: the variable is set but is not a finite number > 0.
    """
    raw = os.environ.get(BUDGET_VAR, "").strip()
    if not raw:
        return 1.0
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ValueError(
            f"the environment variable {BUDGET_VAR} must be a number > 0 "
            f"(e.g. 1 or 2), got {raw!r}"
        )
    return value


def seed_offset() -> int:
    """The seed offset, read from ``DLCORE_SEED_OFFSET`` (default 0).

    Raises:
        ValueError: the variable is set but is not a whole number >= 0.
    """
    raw = os.environ.get(SEED_OFFSET_VAR, "").strip()
    if not raw:
        return 0
    if not raw.isdigit():
        raise ValueError(
            f"the environment variable {SEED_OFFSET_VAR} must be a whole number >= 0, got {raw!r}"
        )
    return int(raw)


def is_default() -> bool:
    """True when budget and seed offset are both at their defaults (``make test``)."""
    return budget() == 1.0 and seed_offset() == 0


def scaled(n: int, *, minimum: int = 1) -> int:
    """``n`` (epochs, steps, trials, grid points) times the budget, rounded, at least ``minimum``.

    Example:
        >>> scaled(25)
        25
    """
    n = check_positive_int(n, "n", allow_zero=True)
    minimum = check_positive_int(minimum, "minimum", allow_zero=True)
    return max(minimum, round(n * budget()))


def seed(base: int) -> int:
    """The seed to use where a chapter would write ``base``: ``base + DLCORE_SEED_OFFSET``.

    Example:
        >>> seed(7)
        7
    """
    base = check_positive_int(base, "base", allow_zero=True)
    return base + seed_offset()


def seeds(n: int, *, start: int = 0) -> tuple[int, ...]:
    """``n`` consecutive seeds from ``start``, each moved by the offset (not scaled by budget).

    Use ``seeds(scaled(5))`` where the number of trials should grow with the budget.

    Example:
        >>> seeds(3, start=10)
        (10, 11, 12)
    """
    n = check_positive_int(n, "n")
    start = check_positive_int(start, "start", allow_zero=True)
    return tuple(seed(start + i) for i in range(n))


def conclusion(holds: object, claim: str) -> None:
    """Assert a conclusion of the text; it must hold at any budget >= 1 and seed offset.

    Args:
        holds: the evidence, usually a comparison; anything ``bool()`` accepts, except
            an array of more than one element (reduce it with ``.all()`` first).
        claim: the conclusion in words, as the text states it. Keep it a plain string
            literal in the notebook: the book's list of conclusions is read from it.

    Raises:
        ConclusionError: ``holds`` is false; the message quotes ``claim`` and the settings.
        TypeError: ``claim`` is not a non-empty string.
    """
    if not isinstance(claim, str) or not claim.strip():
        raise TypeError(f"claim must be a non-empty string, got {claim!r}")
    if not bool(holds):
        raise ConclusionError(
            f"conclusion failed: {claim} "
            f"(DLCORE_BUDGET={budget():g}, DLCORE_SEED_OFFSET={seed_offset()})"
        )


def pinned(holds: object, what: str) -> bool:
    """Assert a pinned number, but only at the default budget and seeds.

    Returns True when it was checked, False when skipped (budget or offset moved).

    Raises:
        AssertionError: at the default settings, ``holds`` is false.
        TypeError: ``what`` is not a non-empty string.
    """
    if not isinstance(what, str) or not what.strip():
        raise TypeError(f"what must be a non-empty string, got {what!r}")
    if not is_default():
        return False
    if not bool(holds):
        raise AssertionError(f"pinned number changed: {what}")
    return True
