"""dlcore.checks: each exercise check passes the reference solution and gives a hint,
not the answer, for the typical wrong ones."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore import activations, checks


def test_reference_answers_pass(capsys):
    s = activations.sigmoid
    assert checks.run("ex-01-1", (41, 1 / 0.1077)).passed
    assert checks.run(
        "ex-02-1", lambda x: activations.swish(x) + s(x) * (1 - activations.swish(x))
    ).passed
    assert capsys.readouterr().out.count("passed") == 2


@pytest.mark.parametrize(
    "label, answer, hint",
    [
        ("ex-01-1", (42, 9.3), "one too large"),
        ("ex-01-1", (30, 9.3), "look further"),
        ("ex-01-1", (41, 0.108), "probability per run"),
        ("ex-01-1", (41, 5.0), "geometric"),
        ("ex-01-1", 41, "pair (n, runs)"),
        ("ex-02-1", activations.sigmoid, "second term"),
        (
            "ex-02-1",
            lambda x: x * activations.sigmoid(x) * (1 - activations.sigmoid(x)),
            "factor x",
        ),
        ("ex-02-1", activations.swish, "f(x) itself"),
        ("ex-02-1", lambda x: np.ones_like(x), "largest error"),
        ("ex-02-1", lambda x: x[:3], "shape"),
        ("ex-02-1", lambda x: undefined_name, "NameError"),  # noqa: F821
        ("ex-02-1", lambda x: "sigmoid", "array of numbers"),
        ("ex-02-1", 0.5, "as a function"),
    ],
)
def test_typical_wrong_answers_get_a_hint(label, answer, hint):
    result = checks.run(label, answer, quiet=True)
    assert not result.passed and hint in result.hint, result.hint
    assert ("0.28" not in result.hint and "41" not in str(result)) or label != "ex-01-1"


def test_hints_never_state_the_reference():
    hint = checks.run("ex-02-1", lambda x: np.zeros_like(x), quiet=True).hint
    assert "sigma(x) + x sigma" not in hint and "1 - f" not in hint


def test_labels_follow_the_name_rule():
    assert checks.names() == [
        "ex-01-1",
        "ex-02-1",
        "ex-03-3",
        "ex-04-3",
        "ex-04-5",
        "ex-05-3",
        "ex-06-4",
    ]
    assert checks.run("EX-02-1", activations.swish, quiet=True).label == "ex-02-1"
    with pytest.raises(ValueError, match="ex-01-1"):
        checks.run("ex-09-9", 1)
    assert str(checks.Result("ex-02-1", True)) == "✓ ex-02-1 passed"


def test_every_quiz_has_three_to_five_well_formed_questions():
    for chapter, questions in checks.QUIZZES.items():
        assert 3 <= len(questions) <= 5, chapter
        for q in questions:
            assert q.answer in "ABCDE"[: len(q.options)] and q.why and q.section


def test_quiz_checks_answers_without_giving_them_away(capsys):
    assert checks.quiz("01", "BBA") == [True, True, True]
    assert checks.quiz("01", "ab c") == [False, True, False]
    out = capsys.readouterr().out
    assert "not A: re-read the section" in out and "175 times weaker" in out.split("✗")[0]
    assert checks.quiz("02") == []
    printed = capsys.readouterr().out
    assert "A) A polynomial" in printed and 'checks.quiz("02", "???")' in printed
    with pytest.raises(ValueError, match="one letter per question"):
        checks.quiz("02", "AB")
    with pytest.raises(ValueError, match="01"):
        checks.quiz("09", "A")


def test_every_quiz_points_to_a_section_of_its_chapter():
    import json
    from pathlib import Path

    chapters = Path(__file__).resolve().parents[1] / "chapters"
    for key, questions in checks.QUIZZES.items():
        (path,) = chapters.glob(f"{key}_*.ipynb")
        cells = json.loads(path.read_text())["cells"]
        headings = {
            line[3:].strip()
            for c in cells
            if c["cell_type"] == "markdown"
            for line in "".join(c["source"]).splitlines()
            if line.startswith("## ")
        }
        for q in questions:
            assert q.section in headings, (key, q.section)


def test_every_check_is_offered_to_the_student_next_to_its_exercise():
    import json
    from pathlib import Path

    chapters = Path(__file__).resolve().parents[1] / "chapters"
    for label in checks.names():
        chapter = label.split("-")[1]
        (path,) = chapters.glob(f"{chapter}_*.ipynb")
        cells = json.loads(path.read_text())["cells"]
        text = {c["cell_type"]: "" for c in cells}
        for c in cells:
            if "solution" not in c["metadata"].get("tags", []):
                text[c["cell_type"]] += "".join(c["source"])
        assert f":label: {label}" in text["markdown"], label
        assert f'checks.run("{label}"' in text["code"], f"no check cell for {label}"


def test_code_checks_of_chapters_3_to_6_pass_the_reference_and_hint_at_typical_errors(capsys):
    """The reference solutions pass; a typical wrong answer gets its specific hint."""
    import math

    from dlcore import optimizers

    # reference solutions pass
    assert checks.run("ex-03-3", lambda a: math.sqrt(2 / (1 + a * a)), quiet=True).passed
    assert not checks.run("ex-03-3", lambda a: math.sqrt(2), quiet=True).passed
    print(checks.run("ex-03-3", lambda a: 1 / math.sqrt(1 + a * a)).hint)

    def mm(a, b):
        lo, hi = a.min(0), a.max(0)
        return (b - lo) / (hi - lo)

    assert checks.run("ex-04-3", mm, quiet=True).passed
    print(checks.run("ex-04-3", lambda a, b: mm(b, b)).hint)

    def my_bn_backward(dout, z, gamma, eps=1e-3):
        n = z.shape[0]
        mu = z.mean(axis=0)
        zc = z - mu
        var = (zc**2).mean(axis=0)
        s = 1.0 / np.sqrt(var + eps)
        zhat = zc * s
        dgamma, dbeta = (dout * zhat).sum(axis=0), dout.sum(axis=0)
        dzhat = dout * gamma
        ds = (dzhat * zc).sum(axis=0)
        dvar = ds * (-0.5) * (var + eps) ** -1.5
        dzc = dzhat * s + dvar * 2 * zc / n
        dmu = -dzc.sum(axis=0)
        dz = dzc + dmu / n
        return dz, dgamma, dbeta

    assert checks.run("ex-05-3", my_bn_backward, quiet=True).passed

    def naive(dout, z, gamma, eps=1e-3):
        _, dg, db = my_bn_backward(dout, z, gamma, eps)
        s = 1 / np.sqrt(z.var(0) + eps)
        return dout * gamma * s, dg, db

    print(checks.run("ex-05-3", naive).hint)

    class Adamax(optimizers.Optimizer):
        _slots = ("m", "u")

        def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
            super().__init__(learning_rate)
            self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

        def _update(self, param, grad, state, lr):
            t = self.iterations + 1
            m, u = state["m"], state["u"]
            m += (grad - m) * (1 - self.beta_1)
            np.maximum(self.beta_2 * u, np.abs(grad), out=u)
            param -= lr / (1 - self.beta_1**t) * m / (u + self.epsilon)

    assert checks.run("ex-06-4", Adamax, quiet=True).passed

    class Bad(Adamax):
        def _update(self, param, grad, state, lr):
            t = self.iterations + 1
            m, u = state["m"], state["u"]
            m += (grad - m) * (1 - self.beta_1)
            u += grad**2
            param -= lr / (1 - self.beta_1**t) * m / (np.sqrt(u) + self.epsilon)

    print(checks.run("ex-06-4", Bad).hint)
    print(checks.run("ex-06-4", Adamax()).hint)

    out = capsys.readouterr().out
    for hint in (
        "He's sqrt(2)",
        "fit them on x_train only",
        "treated the batch mean and variance as constants",
        "not a sum of squares",
        "not an instance",
    ):
        assert hint in out, hint


def test_pca_reconstruction_check(capsys):
    from dlcore import preprocessing as pp

    def error(x, k):
        p = pp.PCA(k).fit(x)
        r = x - p.inverse_transform(p.transform(x))
        return np.mean(np.sum(r**2, axis=1))

    assert checks.run("ex-04-5", error, quiet=True).passed
    assert not checks.run("ex-04-5", lambda x, k: error(x, k) / x.shape[1]).passed
    assert not checks.run("ex-04-5", lambda x, k: error(x, k + 1)).passed
    out = capsys.readouterr().out
    assert "sum over the features" in out and "for k = 1 the error is off" in out
