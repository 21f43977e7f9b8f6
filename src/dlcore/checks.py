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
    """P(U_1 ... U_n > threshold) for iid U(0, 1).

    With t = -ln(threshold), this is P(E_1 + ... + E_n < t) for iid Exp(1): the Gamma(n, 1)
    CDF at t, which equals P(Poisson(t) >= n) = 1 - sum_{j<n} e^-t t^j / j!.
    """
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
    from dlcore import activations

    x = np.linspace(-6.0, 6.0, 241)
    s = activations.sigmoid(x)
    reference = s + x * s * (1.0 - s)
    got, hint = _call(answer, x.copy())
    if hint:
        return hint
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return "return an array of numbers, one f'(x) per x."
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


def _call(answer: Callable, *args: object) -> tuple[object, str]:
    """Call the student's function; on failure return the hint instead of raising."""
    try:
        return answer(*args), ""
    except Exception as exc:  # the student's code failed: say how, not where the answer is
        return None, f"calling your code raised {type(exc).__name__}: {exc}"


def _leaky_relu_gain(answer: object) -> str:
    """ex-03-3: a function c(alpha), the gain that keeps leaky ReLU's second moment."""
    if not callable(answer):
        return "pass your gain as a function of alpha, e.g. checks.run('ex-03-3', c)."
    alphas = (0.0, 0.2, 0.5, 1.0)
    got = []
    for a in alphas:
        value, hint = _call(answer, a)
        if hint:
            return hint
        try:
            got.append(float(value))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return f"c({a}) should be a number, got {type(value).__name__}."
    want = [math.sqrt(2.0 / (1.0 + a * a)) for a in alphas]
    if all(math.isclose(g, w, rel_tol=1e-9) for g, w in zip(got, want, strict=True)):
        return ""
    if not math.isclose(got[0], math.sqrt(2.0), rel_tol=1e-9):
        return "at alpha = 0 leaky ReLU is ReLU: your gain must be He's sqrt(2) there."
    if not math.isclose(got[3], 1.0, rel_tol=1e-9):
        return "at alpha = 1 the unit is linear and keeps the whole second moment: c must be 1."
    return "the unit keeps (1 + alpha^2)/2 of the second moment; c^2 times that must be 1."


def _bn_backward(answer: object) -> str:
    """ex-05-3: my_bn_backward(dout, z, gamma, eps) -> (dz, dgamma, dbeta), training mode."""
    from dlcore import normalization

    if not callable(answer):
        return "pass your function, e.g. checks.run('ex-05-3', my_bn_backward)."
    rng = np.random.default_rng(5)
    z, dout = rng.normal(1.0, 2.0, size=(16, 3)), rng.normal(size=(16, 3))
    gamma, eps = rng.uniform(0.5, 2.0, size=3), 1e-3
    state = normalization.batchnorm_state(3)
    _, cache = normalization.batchnorm_forward(
        z, gamma, np.zeros(3), state, training=True, epsilon=eps
    )
    dz, dgamma, dbeta = normalization.batchnorm_backward(dout, cache)
    got, hint = _call(answer, dout.copy(), z.copy(), gamma.copy(), eps)
    if hint:
        return hint
    try:
        gz, gg, gb = (np.asarray(g, dtype=float) for g in got)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return "return three arrays: (dz, dgamma, dbeta)."
    if gz.shape != z.shape or gg.shape != (3,) or gb.shape != (3,):
        got_shapes = f"{gz.shape}, {gg.shape}, {gb.shape}"
        return f"shapes: dz must be {z.shape}, dgamma and dbeta (3,); got {got_shapes}."
    if not np.allclose(gb, dbeta, atol=1e-9):
        return "dbeta is off: beta is added to every example, so sum dout over the batch."
    if not np.allclose(gg, dgamma, atol=1e-9):
        return "dgamma is off: gamma multiplies the normalized input z_hat, so sum dout * z_hat."
    if np.allclose(gz, dz, rtol=1e-6, atol=1e-9):
        return ""
    s = 1.0 / np.sqrt(z.var(axis=0) + eps)
    if np.allclose(gz, dout * gamma * s, atol=1e-9):
        return (
            "you treated the batch mean and variance as constants: they depend on every example."
        )
    return (
        "dz is off: check the variance branch (d var / d z_i = 2 (z_i - mu) / N) and the mean's."
    )


def _adamax(answer: object) -> str:
    """ex-06-4: an Optimizer subclass implementing Keras' Adamax."""
    from dlcore.optimizers import Optimizer

    if not (isinstance(answer, type) and issubclass(answer, Optimizer)):
        return (
            "pass your class itself (a subclass of dlcore.optimizers.Optimizer), not an instance."
        )
    opt, hint = _call(answer, 0.01)
    if hint:
        return hint
    rng = np.random.default_rng(6)
    grads = rng.normal(size=(6, 4)) * np.array([1.0, 0.1, 10.0, 1.0])
    theta = {"w": np.zeros(4)}
    want = np.zeros(4)
    m, u = np.zeros(4), np.zeros(4)
    for t, g in enumerate(grads, 1):
        _, hint = _call(opt.step, theta, {"w": g.copy()})  # type: ignore[union-attr]
        if hint:
            return hint
        m = 0.9 * m + 0.1 * g
        u = np.maximum(0.999 * u, np.abs(g))
        want = want - 0.01 / (1 - 0.9**t) * m / (u + 1e-7)
        if not np.allclose(theta["w"], want, rtol=1e-9, atol=1e-12):
            if t == 1:
                return (
                    "the first step is off: check the bias correction 1/(1 - beta_1^t), t from 1."
                )
            return (
                f"step {t} is off: u keeps a decayed maximum, u_t = max(beta_2 u_(t-1), |g_t|), "
                "not a sum of squares."
            )
    return ""


def _min_max(answer: object) -> str:
    """ex-04-3: minmax(x_train, x_test) -> x_test scaled with the training minimum and maximum."""
    if not callable(answer):
        return "pass a function minmax(x_train, x_test), e.g. checks.run('ex-04-3', minmax)."
    rng = np.random.default_rng(4)
    x_train = rng.normal(3.0, [1.0, 50.0, 0.1], size=(40, 3))
    x_test = rng.normal(3.0, [1.0, 50.0, 0.1], size=(10, 3))
    got, hint = _call(answer, x_train.copy(), x_test.copy())
    if hint:
        return hint
    got = np.asarray(got, dtype=float)
    lo, hi = x_train.min(axis=0), x_train.max(axis=0)
    if got.shape != x_test.shape:
        return f"return the scaled x_test, shape {x_test.shape}; got {got.shape}."
    if np.allclose(got, (x_test - lo) / (hi - lo)):
        return ""
    t_lo, t_hi = x_test.min(axis=0), x_test.max(axis=0)
    if np.allclose(got, (x_test - t_lo) / (t_hi - t_lo)):
        return "that fits the minimum and maximum on the test set: fit them on x_train only."
    if np.allclose(got, (x_test - x_train.min()) / (x_train.max() - x_train.min())):
        return "one minimum and maximum for all features: take them per feature (axis=0)."
    return "not min-max scaling yet: (x - min) / (max - min), with both taken from x_train."


def _pca_reconstruction(answer: object) -> str:
    """ex-04-5: error(x, k), the mean over examples of the squared reconstruction error,
    summed over features, after keeping the top k principal components of x."""
    if not callable(answer):
        return "pass a function error(x, k), e.g. checks.run('ex-04-5', error)."
    rng = np.random.default_rng(45)
    x = rng.normal(size=(300, 6)) @ rng.normal(size=(6, 6)) + 3.0
    centred = x - x.mean(axis=0)
    _, sv, vt = np.linalg.svd(centred, full_matrices=False)
    eig = sv**2 / len(x)  # eigenvalues of the (1/N) covariance, descending
    for k in (1, 3):
        got, hint = _call(answer, x.copy(), k)
        if hint:
            return hint
        try:
            got = float(got)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return f"error(x, {k}) should be a number, got {type(got).__name__}."
        residual = centred - centred @ vt[:k].T @ vt[:k]
        want = float(np.mean(np.sum(residual**2, axis=1)))
        if math.isclose(got, want, rel_tol=1e-6):
            continue
        if math.isclose(got, want / x.shape[1], rel_tol=1e-6):
            return (
                "that is the mean over features too: sum over the features, average over examples."
            )
        if math.isclose(got, float(eig[:k].sum()), rel_tol=1e-6):
            return (
                "that is the variance kept by the top k components; the error is what is dropped."
            )
        return (
            f"for k = {k} the error is off: project onto the top k directions, map back, compare."
        )
    return ""


CHECKS: dict[str, Callable[[object], str]] = {
    "ex-01-1": _odds_of_beating,
    "ex-02-1": _swish_derivative,
    "ex-03-3": _leaky_relu_gain,
    "ex-04-3": _min_max,
    "ex-04-5": _pca_reconstruction,
    "ex-05-3": _bn_backward,
    "ex-06-4": _adamax,
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
            "A deep sigmoid network and a deep ReLU network, side by side",
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
            "Which property lets a ReLU unit die?",
            (
                "Its output saturates at 1",
                "Its derivative is exactly zero for every negative input",
                "Its derivative is at most 1/4",
            ),
            "B",
            "A unit whose pre-activation is negative for every input gets no gradient at all.",
            "The property table",
        ),
        Question(
            "What negative slope does Keras 3 use for Dense(..., activation='leaky_relu')?",
            ("0.01, the paper's value", "0.2", "0.3"),
            "B",
            "The function's default is 0.2 (the LeakyReLU layer's is 0.3); the paper used 0.01.",
            "Activations in Keras 3",
        ),
    ),
    "02b": (
        Question(
            "With each activation's learning rate tuned on a validation split, which one was "
            "ahead of ReLU on MNIST-1D with a paired 95 % interval above zero?",
            ("Sigmoid", "Swish", "Leaky ReLU"),
            "B",
            "Swish was about 5 points ahead with an interval above zero; sigmoid was far "
            "behind; for leaky ReLU no difference was detected at n = 5.",
            "Paired differences against ReLU",
        ),
        Question(
            "A paired t-test at n = 5 finds no significant difference between two activations. "
            "What may you conclude?",
            (
                "They perform the same",
                "Not that they are equal: a tie needs an equivalence test with a stated margin",
                "The one with the higher mean is better",
            ),
            "B",
            "Absence of evidence is not evidence of equality; only an equivalence test with a "
            "margin can support a tie.",
            "A fair comparison",
        ),
        Question(
            "What is the smallest two-sided p-value an exact permutation (sign-flip) test on "
            "5 paired seeds can give?",
            ("0.0625", "0.001", "0.05"),
            "A",
            "There are 2^5 = 32 sign patterns; the two most extreme give p = 2/32 = 0.0625.",
            "Paired differences against ReLU",
        ),
    ),
    "03": (
        Question(
            "Every weight of a layer starts at the same constant. What happens in training?",
            (
                "The units become different after the first step",
                "The units of the layer stay identical at every step",
                "Training diverges",
            ),
            "B",
            "Identical units receive identical gradients, so they stay identical for ever.",
            "Symmetry: why the weights must be random",
        ),
        Question(
            "Which weight variance keeps the forward second moment constant through ReLU layers?",
            ("1/fan_in (LeCun)", "2/fan_in (He)", "2/(fan_in + fan_out) (Glorot)"),
            "B",
            "ReLU halves the second moment, so the weights must double it: Var(w) = 2/fan_in.",
            "How the variance propagates: the derivation",
        ),
        Question(
            "What does Glorot initialization do for a 50-layer sigmoid network?",
            (
                "It keeps the gradients stable",
                "The gradient still loses more than 20 orders of magnitude",
                "The activations explode",
            ),
            "B",
            "Sigmoid's slope is at most 1/4 and its mean is not zero: no scale fixes it.",
            "Fifty layers: theory against measurement",
        ),
    ),
    "04": (
        Question(
            "Why does centring the inputs help gradient descent?",
            (
                "With all-positive inputs, all weights of a unit move the same way each step",
                "It removes parameters",
                "It makes the data Gaussian",
            ),
            "A",
            "The update of a unit's weights is its error times the input, so one sign for all.",
            "Why centring helps (1): every weight of a unit moves the same way",
        ),
        Question(
            "Where should the mean and standard deviation for standardization come from?",
            ("All the data, test set included", "The training split only", "Each batch"),
            "B",
            "Statistics fitted on the test set leak it into the model and bias the score.",
            "Fit on the training data only",
        ),
        Question(
            "Gradient descent on least squares: what does standardizing the features change?",
            (
                "The minimum it finds",
                "The Hessian's condition number, and with it the number of steps",
                "Nothing",
            ),
            "B",
            "The steps grow with the condition number; standardizing can shrink it by orders.",
            "Why centring and scaling help (2): the condition number counts the steps",
        ),
    ),
    "05": (
        Question(
            "What does Keras' BatchNormalization use at inference?",
            (
                "The test batch's own statistics",
                "Moving averages of training batch statistics (momentum 0.99 weights the old)",
                "The exact statistics of the whole training set",
            ),
            "B",
            "Inference uses the running averages, updated with weight 0.99 on the old value.",
            "Training and inference are different computations",
        ),
        Question(
            "Why is batch norm's backward pass not elementwise?",
            (
                "Because gamma and beta are learned",
                "Each output depends on the batch mean and variance, hence on every example",
                "Because of epsilon",
            ),
            "B",
            "The gradient flows through the batch statistics, which couple the examples.",
            "The backward pass: the batch is coupled",
        ),
        Question(
            "Which normalization works with a batch of one and computes the same thing in "
            "training and at inference?",
            ("Batch normalization", "Layer normalization", "Neither"),
            "B",
            "Layer norm's statistics are over the features of one example.",
            "Layer normalization, RMSNorm and group normalization",
        ),
    ),
    "06": (
        Question(
            "Gradient descent on a quadratic whose largest curvature is lambda_max converges for "
            "which learning rates?",
            ("eta < 2 / lambda_max", "eta < 1 / lambda_min", "Any eta"),
            "A",
            "Each eigen-direction is multiplied by 1 - eta lambda per step; |1 - eta lambda| < 1.",
            "1. Gradient descent and the learning rate",
        ),
        Question(
            "What does Adam's bias correction fix?",
            (
                "The first steps, when the moving averages start at zero",
                "Weight decay",
                "Exploding gradients late in training",
            ),
            "A",
            "Both moments start at 0; dividing by 1 - beta^t removes that bias early on.",
            "5. Adaptive methods",
        ),
        Question(
            "Each optimizer's learning rate tuned: how did Adam compare with SGD with momentum "
            "on MNIST-1D?",
            ("Adam was far more accurate", "Adam was not more accurate", "SGD diverged"),
            "B",
            "Tuned, the optimizers ended close together; the learning rate mattered more.",
            "8. Which optimizer? A tuned comparison on MNIST-1D",
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
