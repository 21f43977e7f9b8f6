"""dlcore.experiment (budget and seed switches, conclusion vs pinned asserts) and the
generated conclusions page (_ext/conclusions_page.py)."""

from __future__ import annotations

import sys

import nbformat
import pytest

from dlcore import experiment
from dlcore.experiment import BUDGET_VAR, SEED_OFFSET_VAR, ConclusionError


@pytest.fixture
def env(monkeypatch):
    monkeypatch.delenv(BUDGET_VAR, raising=False)
    monkeypatch.delenv(SEED_OFFSET_VAR, raising=False)
    return monkeypatch


def test_defaults_leave_everything_unchanged(env):
    assert experiment.budget() == 1.0 and experiment.seed_offset() == 0
    assert experiment.is_default()
    assert experiment.scaled(30) == 30 and experiment.seeds(3) == (0, 1, 2)
    assert experiment.seed(5) == 5


def test_budget_scales_and_offset_moves_seeds(env):
    env.setenv(BUDGET_VAR, "2")
    env.setenv(SEED_OFFSET_VAR, "1000")
    assert not experiment.is_default()
    assert experiment.scaled(30) == 60
    assert experiment.scaled(3, minimum=10) == 10
    assert experiment.seeds(3, start=4) == (1004, 1005, 1006)
    env.setenv(BUDGET_VAR, "0.5")
    assert experiment.scaled(3) == 2 and experiment.scaled(1) == 1  # rounds, floor of 1


@pytest.mark.parametrize("raw", ["0", "-1", "nan", "inf", "two", "1e999"])
def test_bad_budget_names_the_variable(env, raw):
    env.setenv(BUDGET_VAR, raw)
    with pytest.raises(ValueError, match=BUDGET_VAR):
        experiment.budget()


@pytest.mark.parametrize("raw", ["-3", "1.5", "x"])
def test_bad_offset_names_the_variable(env, raw):
    env.setenv(SEED_OFFSET_VAR, raw)
    with pytest.raises(ValueError, match=SEED_OFFSET_VAR):
        experiment.seed_offset()


def test_bad_arguments_name_the_parameter(env):
    with pytest.raises(ValueError, match="n"):
        experiment.scaled(-1)
    with pytest.raises(ValueError, match="n"):
        experiment.seeds(0)
    with pytest.raises(TypeError, match="claim"):
        experiment.conclusion(True, "")
    with pytest.raises(TypeError, match="what"):
        experiment.pinned(True, None)


def test_conclusion_raises_with_claim_and_settings(env):
    experiment.conclusion(True, "holds")
    env.setenv(SEED_OFFSET_VAR, "7")
    with pytest.raises(ConclusionError, match=r"ReLU wins.*DLCORE_SEED_OFFSET=7"):
        experiment.conclusion(1 > 2, "ReLU wins")


def test_pinned_checks_only_at_default_settings(env):
    assert experiment.pinned(True, "x") is True
    with pytest.raises(AssertionError, match="pinned number changed: acc"):
        experiment.pinned(False, "acc")
    env.setenv(BUDGET_VAR, "2")
    assert experiment.pinned(False, "acc") is False  # skipped, not failed


def _notebook(tmp_path, sources):
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# My chapter\n\ntext")]
        + [nbformat.v4.new_code_cell(s) for s in sources]
    )
    (tmp_path / "chapters").mkdir(exist_ok=True)
    path = tmp_path / "chapters" / "c1.ipynb"
    nbformat.write(nb, path)
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: chapters/intro\nparts:\n  - caption: Chapters\n"
        "    chapters:\n      - file: chapters/c1\n"
    )
    return path


def test_conclusions_page_lists_each_claim_with_its_cell(tmp_path):
    sys.path.insert(0, str(experiment.__file__).rsplit("/src/", 1)[0] + "/_ext")
    try:
        import conclusions_page
    finally:
        sys.path.pop(0)
    path = _notebook(
        tmp_path,
        [
            "%matplotlib inline\nx = 1",
            'experiment.conclusion(a < b, "A | B trains faster")\nconclusion(c, claim="C")',
            "experiment.pinned(x == 1, 'not a conclusion')",
        ],
    )
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(
        nbformat.v4.new_code_cell(
            'conclusion(ok, "the answer to exercise 1")', metadata={"tags": ["solution"]}
        )
    )
    nbformat.write(nb, path)
    assert conclusions_page.conclusions_of(path) == [(2, "A | B trains faster"), (2, "C")]
    text = conclusions_page.render(tmp_path, ((2.0, 1000),))
    assert "## My chapter" in text and "| 2 | A \\| B trains faster |" in text
    assert "budget 2 with seed offset 1000" in text and "not a conclusion" not in text
    assert "exercise 1" not in text  # solution checks stay out of the student edition
