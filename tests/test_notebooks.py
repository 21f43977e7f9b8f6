"""Structure of the book: TOC completeness and the notebook output policy."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from notebook_policy import ROOT, apply_policy, notebooks, repository_url, violations
from site_checks import toc_pages

sys.path.insert(0, str(ROOT / "tools"))
from upgrade_notebooks import upgrade_setup

CHAPTERS = ROOT / "chapters"


def toc_files() -> set[str]:
    """Every file named in _toc.yml, without suffix, relative to the repo root."""
    return {page.docname for page in toc_pages()}


ALL_NOTEBOOKS = notebooks([str(CHAPTERS)])


def test_every_notebook_is_in_the_toc():
    listed = toc_files()
    missing = [
        str(p.relative_to(ROOT))
        for p in ALL_NOTEBOOKS
        if str(p.relative_to(ROOT).with_suffix("")) not in listed
    ]
    assert not missing, f"notebooks not in _toc.yml: {missing}"


# Pages the book build writes itself (_ext/), so they need not exist before it.
GENERATED = {"chapters/reference/conclusions"}


def test_every_toc_entry_exists():
    missing = [
        page.docname
        for page in toc_pages()
        if not page.source.exists() and page.docname not in GENERATED
    ]
    assert not missing, f"_toc.yml names files that do not exist: {missing}"


def test_there_are_chapter_notebooks():
    assert len(ALL_NOTEBOOKS) >= 1


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_follows_output_policy(path):
    assert violations(path) == []


def _write(tmp_path, cells, **meta) -> Path:
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata.update(meta)
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    return path


def _setup_cell():
    source = (
        "import os\nimport sys\n\n"
        'os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")\n'
        "if 'google.colab' in sys.modules:\n"
        f"    pip_install('dlcore[data] @ git+{repository_url()}')\n"
        "from dlcore import seed_everything\nrng = seed_everything(0)"
    )
    source = upgrade_setup(source)  # the quiet TensorFlow import and the figure formats
    return nbformat.v4.new_code_cell(source, metadata={"tags": ["remove-cell"]})


def _stream(text):
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def test_policy_accepts_a_compliant_notebook(tmp_path):
    checked = nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\n# why: pins the result\nprint(1)")
    checked.outputs = [_stream("1\n")]
    checked.execution_count = 1
    assert violations(_write(tmp_path, [_setup_cell(), checked])) == []


@pytest.mark.parametrize(
    "breakage, expected",
    [
        ("stored_output", "outputs must be stripped"),
        ("image_in_checked", "non-text output"),
        ("marker_without_reason", "must be followed by a '# why: ...'"),
        ("no_setup_tag", "must be tagged"),
        ("colab_without_data_extra", "on Colab"),
        ("execution_count", "execution_count must be cleared"),
        ("checked_without_output", "has no stored output"),
        ("checked_without_count", "must have execution_count 1"),
        ("widget_state", "widget state"),
        ("untagged_widget_cell", "a widget cell must be tagged"),
        ("widget_value_printed", "end the widget cell with ';'"),
    ],
)
def test_policy_rejects_each_breakage(tmp_path, breakage, expected):
    setup = _setup_cell()
    cell = nbformat.v4.new_code_cell("x = 1")
    meta = {}
    if breakage == "stored_output":
        cell.outputs = [_stream("1\n")]
    elif breakage == "image_in_checked":
        cell.source = "# NBVAL_CHECK_OUTPUT\n# why: pins the figure\nplot()"
        cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "AAAA"})]
    elif breakage == "marker_without_reason":
        cell.source = "# NBVAL_IGNORE_OUTPUT\nprint(time.time())"
    elif breakage == "no_setup_tag":
        setup.metadata["tags"] = []
    elif breakage == "colab_without_data_extra":
        setup.source = setup.source.replace("dlcore[data] @ ", "")
    elif breakage == "execution_count":
        cell.execution_count = 3
    elif breakage == "checked_without_output":
        cell.source = "# NBVAL_CHECK_OUTPUT\n# why: pins the result\nprint(1)"
        cell.execution_count = 1
    elif breakage == "checked_without_count":
        cell.source = "# NBVAL_CHECK_OUTPUT\n# why: pins the result\nprint(1)"
        cell.outputs = [_stream("1\n")]
    elif breakage == "untagged_widget_cell":
        cell.source = "import ipywidgets\nipywidgets.interact(f, x=1)"
        cell.metadata["tags"] = ["remove-output"]
    elif breakage == "widget_value_printed":
        cell.source = "import ipywidgets\nipywidgets.interact(f, x=1)"
        cell.metadata["tags"] = ["remove-output", "skip-execution"]
    elif breakage == "widget_state":
        meta["widgets"] = {"state": {}}
    problems = violations(_write(tmp_path, [setup, cell], **meta))
    assert any(expected in p for p in problems), problems


def test_apply_policy_strips_to_compliance(tmp_path):
    checked = nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\n# why: pins the result\n1 + 1")
    checked.execution_count = 2
    checked.outputs = [
        nbformat.v4.new_output(
            "execute_result", data={"text/plain": "2", "text/html": "<b>2</b>"}, execution_count=2
        )
    ]
    plain = nbformat.v4.new_code_cell("plot()")
    plain.execution_count = 3
    plain.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "AAAA"})]
    path = _write(tmp_path, [_setup_cell(), checked, plain], widgets={"state": {}})
    nb = nbformat.read(path, as_version=4)
    apply_policy(nb)
    nbformat.write(nb, path)
    assert violations(path) == []
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[1].outputs[0].data == {"text/plain": "2"}
    assert nb.cells[1].execution_count == 1
    assert nb.cells[2].outputs == []
    assert nb.cells[2].execution_count is None
