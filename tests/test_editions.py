"""Student and instructor editions from one source (issue 15), without building the book:
the exercise converter, the student notebooks, the lecture plan, the notebook policy."""

from __future__ import annotations

import sys

import nbformat
import pytest
from notebook_policy import ROOT, violations

sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "_ext"))

import student_notebook as sn
import upgrade_notebooks as ce
from course_editions import lecture_plan

LEGACY = """## Exercises

**1. The odds of beating $10^{-18}$.** Using `prob_product_above`, find the largest
number of factors.

:::{admonition} Solution
:class: dropdown
The median of Gamma is close to n minus one third, hence forty one.

```python
[round(p, 3) for p in ps]
```
:::

**2. Second one?** Why does a piece that wins for no input get no gradient?

````{admonition} Solution
:class: dropdown
Because its slope multiplies an indicator that is always zero for it.
````
"""


def _notebook(markdown: str = LEGACY, hidden_after: bool = True):
    setup = nbformat.v4.new_code_cell("import dlcore", metadata={"tags": ["remove-cell"]})
    cells = [setup, nbformat.v4.new_markdown_cell("# Chapter\n\nText with {doc}`a link <x>`.")]
    cells.append(nbformat.v4.new_markdown_cell(markdown))
    if hidden_after:
        cells.append(
            nbformat.v4.new_code_cell("assert 41 == 41", metadata={"tags": ["remove-cell"]})
        )
    cells.append(nbformat.v4.new_markdown_cell("## References\n\n- A paper."))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def test_converter_writes_sphinx_exercise_directives(tmp_path):
    nb = _notebook()
    assert ce.convert(nb, tmp_path / "03_init.ipynb") == []
    text = nb.cells[2].source
    assert "{admonition} Solution" not in text
    assert ":::{exercise} The odds of beating $10^{-18}$\n:label: ex-03-1\n" in text
    assert ":::{solution} ex-03-1\n:class: dropdown\n" in text
    assert ":::{exercise} Second one?\n:label: ex-03-2" in text
    assert "```python\n[round(p, 3) for p in ps]\n```" in text  # code fences kept intact
    assert "solution" in nb.cells[3].metadata["tags"]  # the hidden check cell
    assert "solution" not in nb.cells[0].metadata["tags"]  # not the set-up cell


def test_converter_is_idempotent(tmp_path):
    path = tmp_path / "03_init.ipynb"
    nbformat.write(_notebook(), path)
    assert ce.main([str(path)]) == 0
    once = path.read_text()
    assert ce.main([str(path)]) == 0 and path.read_text() == once
    assert ce.main(["--check", str(path)]) == 0


def test_converter_check_mode_reports_and_changes_nothing(tmp_path, capsys):
    path = tmp_path / "03_init.ipynb"
    nbformat.write(_notebook(), path)
    before = path.read_text()
    assert ce.main(["--check", str(path)]) == 1
    assert path.read_text() == before and "not converted" in capsys.readouterr().out


def test_converter_warns_about_a_solution_without_an_exercise(tmp_path):
    nb = _notebook(":::{admonition} Solution\n:class: dropdown\nAlone.\n:::\n")
    warnings = ce.convert(nb, tmp_path / "x.ipynb")
    assert warnings and "no '**N. Title.**'" in warnings[0]
    assert "{admonition} Solution" in nb.cells[2].source  # left as it was


def test_converter_nests_fences_deeper_than_the_body(tmp_path):
    md = "**1. Nested.** Text.\n\n::::{admonition} Solution\n:::{note}\ninner\n:::\n::::\n"
    nb = _notebook(md)
    ce.convert(nb, tmp_path / "05_x.ipynb")
    assert "::::{solution} ex-05-1" in nb.cells[2].source
    assert ":::{note}\ninner\n:::\n::::" in nb.cells[2].source


def test_student_notebook_has_no_solution_and_plain_markdown(tmp_path):
    nb = _notebook()
    ce.convert(nb, tmp_path / "03_init.ipynb")
    nb.cells[2].source += "\n\n:::{teaching-note}\nAsk them to predict first.\n:::\n"
    secrets = sn.solution_texts(nb)
    assert len(secrets) == 4  # two solutions, the tagged cell, the teaching note
    student = sn.student_notebook(nb)
    dump = nbformat.writes(student)
    for phrase in ("hence forty one", "always zero for it", "assert 41 == 41", "predict first"):
        assert phrase not in dump
    text = "\n".join(c.source for c in student.cells if c.cell_type == "markdown")
    assert "**Exercise 1: The odds of beating $10^{-18}$**" in text
    assert "**Exercise 2: Second one?**" in text and "wins for no input" in text
    assert "{" + "exercise}" not in text and ":label:" not in text and ":::" not in text
    assert "Text with a link." in text  # {doc} role -> its text
    assert nb.cells[2].source.count("{solution}") == 2  # the source is untouched


def test_plain_markdown_turns_admonitions_and_roles_into_markdown():
    md = (
        "(sec-x)=\n## Title\n\n:::{note}\nRead {numref}`fig-a` and {math}`x^2`.\n:::\n\n"
        "```{math}\n:label: eq-1\na = b\n```\n\nSee {ref}`the section <sec-x>`."
    )
    out = sn.plain_markdown(md)
    assert "(sec-x)=" not in out
    assert "> **Note**\n>\n> Read the figure and $x^2$." in out
    assert "$$\na = b\n$$" in out and "See the section." in out


def test_lecture_plan_shares_the_lecture_by_load():
    plan = lecture_plan([("a", 1000, 2, 4), ("b", 100, 0, 0), ("c", 1000, 0, 0)])
    minutes = dict(plan)
    assert minutes["a"] > minutes["c"] > minutes["b"] >= 2
    assert abs(sum(minutes.values()) - 75) <= 3


def test_policy_rejects_legacy_solutions_and_accepts_converted(tmp_path):
    path = tmp_path / "03_init.ipynb"
    nb = _notebook()
    nbformat.write(nb, path)
    legacy = violations(path)
    assert any("not in a {solution} directive" in p for p in legacy), legacy
    assert any("must be tagged 'solution'" in p for p in legacy), legacy
    ce.main([str(path)])
    assert not [p for p in violations(path) if "solution" in p]


def test_policy_rejects_a_solution_for_an_unknown_exercise(tmp_path):
    path = tmp_path / "03_init.ipynb"
    md = ":::{exercise} A\n:label: ex-03-1\n\nQ.\n:::\n\n:::{solution} ex-03-9\n\nA.\n:::\n"
    nbformat.write(_notebook(md, hidden_after=False), path)
    assert any("ex-03-9 names no exercise" in p for p in violations(path))


@pytest.mark.parametrize("path", sorted((ROOT / "chapters").glob("[0-9]*.ipynb")), ids=str)
def test_every_chapter_converts_cleanly(path, tmp_path):
    """The converter finds an exercise for every legacy solution of every chapter."""
    nb = nbformat.read(path, as_version=4)
    assert ce.convert(nb, path) == []
    assert not any("{admonition} Solution" in c.source for c in nb.cells)
    student = nbformat.writes(sn.student_notebook(nb))
    assert "{solution}" not in student


SETUP = (
    "import os\nimport sys\n\n"
    'os.environ.setdefault("KERAS_BACKEND", "tensorflow")\n'
    'os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # quiet\n'
    "REPO = 1\nfrom dlcore import seed_everything\n"
)


def test_upgrade_puts_the_quiet_tensorflow_block_in_the_setup_cell(tmp_path):
    nb = _notebook()
    nb.cells[0].source = SETUP
    ce.convert(nb, tmp_path / "03_init.ipynb")
    src = nb.cells[0].source
    assert ce.SETUP_BLOCK in src and src.count("KERAS_BACKEND") == 1
    assert '"TF_CPP_MIN_LOG_LEVEL", "2"' not in src
    assert src.index("os.devnull") < src.index("from dlcore")
    assert src.endswith('%config InlineBackend.figure_formats = ["png", "svg"]')
    compile(src.replace("%config", "# %config"), "setup", "exec")  # still Python
    assert ce.upgrade_setup(src) == src  # idempotent


def test_upgrade_ends_a_widget_cell_with_a_semicolon():
    cell = "import ipywidgets as widgets\n\nwidgets.interact(\n    f,\n    x=1,\n)\n"
    assert ce.silence_widget_cell(cell).endswith(")\n".rstrip() + ";")
    assert ce.silence_widget_cell("import ipywidgets\nw = ipywidgets.interact(f)") == (
        "import ipywidgets\nw = ipywidgets.interact(f)"
    )
    done = ce.silence_widget_cell(cell)
    assert ce.silence_widget_cell(done) == done


# ------------------------------------------------- the committed student notebooks


def test_committed_student_notebooks_are_current():
    """student/ is what the student site's Binder and Colab buttons open on GitHub: it
    must be exactly what the chapters generate today."""
    from course_editions import stale_student_notebooks

    problems = stale_student_notebooks(ROOT, ROOT / sn.STUDENT_DIR)
    assert not problems, "\n".join([*problems, "run `make student-notebooks`, commit student/"])


def test_stale_check_reports_missing_changed_and_foreign_notebooks(tmp_path):
    from course_editions import stale_student_notebooks, write_student_notebooks

    written = write_student_notebooks(ROOT, tmp_path)
    assert stale_student_notebooks(ROOT, tmp_path) == []
    written[0].unlink()
    written[1].write_text(written[1].read_text(encoding="utf-8") + " ", encoding="utf-8")
    (tmp_path / "99_old_chapter.ipynb").write_text("{}", encoding="utf-8")
    assert stale_student_notebooks(ROOT, tmp_path) == [
        f"missing: {written[0]}",
        f"not a chapter's: {tmp_path / '99_old_chapter.ipynb'}",
        f"out of date: {written[1]}",
    ]


def _bound_and_read(source: str) -> tuple[set[str], set[str]]:
    """Names a code cell binds (assignments, defs, imports) and names it reads."""
    import ast

    code = "\n".join(ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!")))
    bound, read = set(), set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.arg):  # a parameter, of a def or a lambda
            bound.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
    return bound, read


def names_only_dropped_cells_define(nb) -> set[str]:
    """Names the student notebook reads that only the cells it drops define: a Run All
    there would stop with a NameError."""
    student = sn.student_notebook(nb)
    kept_ids = {c.get("id") for c in student.cells}
    bound_kept, read_kept, bound_dropped = set(), set(), set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        bound, read = _bound_and_read(cell.source)
        if cell.get("id") in kept_ids:
            bound_kept |= bound
            read_kept |= read
        else:
            bound_dropped |= bound
    return read_kept & (bound_dropped - bound_kept)


@pytest.mark.parametrize("path", sorted((ROOT / "chapters").glob("[0-9]*.ipynb")), ids=str)
def test_student_notebook_needs_nothing_from_the_dropped_cells(path):
    nb = nbformat.read(path, as_version=4)
    assert all(c.get("id") for c in nb.cells), "every cell needs an id (nbformat 4.5)"
    assert names_only_dropped_cells_define(nb) == set()


def test_a_name_defined_only_in_a_solution_cell_is_caught():
    nb = _notebook()
    ce.convert(nb, ROOT / "03_init.ipynb")
    nb.cells.append(nbformat.v4.new_code_cell("print(answer_41)"))
    nb.cells.insert(
        -1, nbformat.v4.new_code_cell("answer_41 = 41", metadata={"tags": ["solution"]})
    )
    assert names_only_dropped_cells_define(nb) == {"answer_41"}
