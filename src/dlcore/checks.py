"""Exercises that check themselves: pass, or a hint, without showing the solution.

A code exercise ends with a check cell, e.g. ``checks.run("ex-02-1", my_derivative)``.
The check compares the student's answer with the reference computed here (never
printed) and answers ``passed`` or a hint that says what is wrong: the sign, a missing
term, a scale. Pure NumPy: it works offline in JupyterLab, Binder and Colab (where the
set-up cell installs dlcore). Labels are the exercises' ``:label:`` in the chapter.

Example:
    >>> from dlcore import checks
    >>> checks.run("ex-01-1", (41, 9.3)).passed
    ✓ ex-01-1 passed
    True
    >>> checks.run("ex-01-1", (42, 9.3)).passed
    ✗ ex-01-1: at n = 42 a product beats 1e-18 in less than half of the runs: n is one too large.
    False
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dlcore._validation import lookup

__all__ = ["QUIZZES", "Question", "Result", "names", "quiz", "run"]


@dataclass(frozen=True)
class Result:
    """The outcome of a check: ``passed``, and the hint (empty when it passed)."""

    label: str
    passed: bool
    hint: str = ""

    def __str__(self) -> str:
        return f"✓ {self.label} passed" if self.passed else f"✗ {self.label}: {self.hint}"


def _prob_product_above(threshold: float, n: int) -> float:
    """P(U_1 ... U_n > threshold) for iid U(0, 1): the Gamma(n, 1) tail at -ln(threshold)."""
    t = -math.log(threshold)
    return 1.0 - sum(math.exp(-t + j * math.log(t) - math.lgamma(j + 1)) for j in range(n))


def _odds_of_beating(answer: object) -> str:
    """ex-01-1: (largest n with P >= 1/2, mean number of runs for n = 50)."""
    try:
        n, runs = answer  # type: ignore[misc]
        n, runs = int(n), float(runs)
    except (TypeError, ValueError):
        return "answer with a pair (n, runs), e.g. checks.run('ex-01-1', (n, runs))."
    if _prob_product_above(1e-18, n) < 0.5:
        extra = "n is one too large" if _prob_product_above(1e-18, n - 1) >= 0.5 else "n too large"
        return f"at n = {n} a product beats 1e-18 in less than half of the runs: {extra}."
    if _prob_product_above(1e-18, n + 1) >= 0.5:
        return f"at n = {n + 1} the product still beats 1e-18 in half the runs: look further."
    p50 = _prob_product_above(1e-18, 50)
    if abs(runs - p50) < 0.01:
        return (
            "that is the probability per run; the number of runs until the first "
            "success is geometric."
        )
    if abs(runs * p50 - 1) > 0.02:
        return "the number of runs until the first success is geometric: its mean is 1 / p."
    return ""


def _swish_derivative(answer: object) -> str:
    """ex-02-1: a function computing f'(x) for f(x) = x sigmoid(x)."""
    if not callable(answer):
        return "pass your derivative as a function of x, e.g. checks.run('ex-02-1', my_grad)."
    x = np.linspace(-6.0, 6.0, 241)
    s = 1.0 / (1.0 + np.exp(-x))
    reference = s + x * s * (1.0 - s)
    try:
        got = np.asarray(answer(x.copy()), dtype=float)
    except Exception as exc:  # the student's code failed: say how, not where the answer is
        return f"calling your function on an array raised {type(exc).__name__}: {exc}"
    if got.shape != x.shape:
        return f"your function returned shape {got.shape} for an input of shape {x.shape}."
    if np.allclose(got, reference, rtol=1e-6, atol=1e-9):
        return ""
    if np.allclose(got, s, atol=1e-6):
        return "that is sigma(x) alone: the product rule has a second term, x sigma'(x)."
    if np.allclose(got, x * s * (1 - s), atol=1e-6):
        return "that is only x sigma'(x): the product rule also differentiates the factor x."
    if np.allclose(got, x * s, atol=1e-6):
        return "that is f(x) itself, not its derivative."
    worst = float(x[np.argmax(np.abs(got - reference))])
    return f"not the derivative yet: the largest error is at x = {worst:+.2f}; try x = 0 by hand."


CHECKS: dict[str, Callable[[object], str]] = {
    "ex-01-1": _odds_of_beating,
    "ex-02-1": _swish_derivative,
}


def names() -> list[str]:
    """The exercise labels that have a check.

    Example:
        >>> "ex-02-1" in names()
        True
    """
    return sorted(CHECKS)


def run(label: str, answer: object, *, quiet: bool = False) -> Result:
    """Check ``answer`` for the exercise ``label``; print and return the ``Result``.

    Args:
        label: the exercise's label as the chapter shows it, e.g. ``"ex-02-1"``.
        answer: what the exercise asks for (a value, a tuple, or a function).
        quiet: do not print (the result is still returned).

    Raises:
        ValueError: ``label`` names no check (the message lists the labels that do).

    Example:
        >>> run("ex-02-1", lambda x: x, quiet=True).passed
        False
    """
    key = lookup(label, "exercise check", CHECKS, param="label")
    hint = CHECKS[key](answer)
    result = Result(label=key, passed=not hint, hint=hint)
    if not quiet:
        print(result)
    return result


# --------------------------------------------------------------------------- quizzes


@dataclass(frozen=True)
class Question:
    """A conceptual multiple-choice question: options lettered A, B, C, ...; ``answer``
    is the letter; ``why`` explains the answer; ``section`` is where the chapter says it."""

    text: str
    options: tuple[str, ...]
    answer: str
    why: str
    section: str


QUIZZES: dict[str, tuple[Question, ...]] = {
    "01": (
        Question(
            "In a 50-layer network every layer multiplies the backward signal by a gain of "
            "0.9. About how much weaker is the first layer's gradient than the last one's?",
            ("About 5 times", "About 175 times", "About a million times"),
            "B",
            "0.9 to the power 49 is about 0.0057, so the gradient is about 175 times weaker.",
            "Backpropagation multiplies local derivatives",
        ),
        Question(
            "Why is a saturated sigmoid unit slow to recover?",
            (
                "Its gradient is exactly zero, so it never moves",
                "Its slope is exponentially small in |z|, so each step moves it very little",
                "Gradient descent resets its weights",
            ),
            "B",
            "It is not dead: its slope is e^-|z|-small, so it needs exponentially many steps.",
            'Saturated units, and the "dead" sigmoid neuron',
        ),
        Question(
            "Gradients explode during training. Which change keeps every step bounded?",
            (
                "Clipping the global gradient norm",
                "A larger learning rate",
                "More layers",
            ),
            "A",
            "Clipping rescales the gradient to a norm of at most c, so a step is at most lr * c.",
            "Exploding gradients: training that blows up, and clipping",
        ),
    ),
    "02": (
        Question(
            "What does a deep network of linear layers without activation functions compute?",
            ("A polynomial of its input", "One linear map", "Any continuous function"),
            "B",
            "Linear layers compose to a single linear map, so depth adds nothing.",
            "What to remember",
        ),
        Question(
            "On MNIST-1D, which activations were within noise of ReLU?",
            ("Sigmoid and tanh", "Leaky ReLU, ELU and SELU", "GELU and swish"),
            "B",
            "GELU and swish beat ReLU (paired test); sigmoid failed; the rest tied.",
            "What to remember",
        ),
        Question(
            "What negative slope does Keras 3 use for Dense(..., activation='leaky_relu')?",
            ("0.01, the paper's value", "0.2", "0.3"),
            "B",
            "The function's default is 0.2 (the LeakyReLU layer's is 0.3); the paper used 0.01.",
            "Activations in Keras 3",
        ),
    ),
}


def quiz(chapter: str, answers: str | None = None, *, quiet: bool = False) -> list[bool]:
    """The self-check quiz of a chapter: print the questions, or check ``answers``.

    Args:
        chapter: the chapter number as in its file name, e.g. ``"01"``.
        answers: one letter per question, e.g. ``"BAC"``; None prints the questions.
        quiet: do not print.

    Returns:
        One bool per answered question (empty when only printing the questions).

    Example:
        >>> quiz("01", "BBA", quiet=True)
        [True, True, True]
    """
    key = lookup(chapter, "chapter quiz", QUIZZES, param="chapter")
    questions = QUIZZES[key]
    out: list[str] = []
    results: list[bool] = []
    if answers is None:
        for n, q in enumerate(questions, 1):
            out.append(f"{n}. {q.text}")
            out += [f"   {chr(65 + i)}) {o}" for i, o in enumerate(q.options)]
        out.append(f'Answer with checks.quiz("{key}", "{"?" * len(questions)}").')
    else:
        letters = [a.upper() for a in str(answers) if not a.isspace()]
        if len(letters) != len(questions):
            raise ValueError(
                f"answers must have one letter per question ({len(questions)}), got {answers!r}"
            )
        for n, (q, a) in enumerate(zip(questions, letters, strict=True), 1):
            ok = a == q.answer
            results.append(ok)
            out.append(
                f"✓ {n}. {q.why}" if ok else f"✗ {n}. not {a}: re-read the section '{q.section}'."
            )
    if not quiet:
        print("\n".join(out))
    return results
