"""What a student sees in a live session, read from the outputs the book build stored in
its execution cache (`_build/.jupyter_cache`, written by `make book`; nothing is executed
again).

In JupyterLab, Binder and Colab the kernel forwards everything written to the process's
stderr (including TensorFlow's C++ log lines) into the notebook, under the cell that
caused it: in red. So every cell of every chapter, hidden ones included, must write
nothing to stderr. The fix for TensorFlow's logging is in the set-up cell
(CONTRIBUTING.md, "Set-up cell"); a Python warning is fixed where it arises.

Marked `browser` so it runs with the browser suite, after the book build
(`make browser`); $EXECUTION_CACHE points at another build's cache.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import pytest
import site_checks as sc

sys.path.insert(0, str(sc.ROOT / "_ext"))

from course_editions import executed_notebook

pytestmark = pytest.mark.browser

NOTEBOOKS = [p for p in sc.toc_pages() if p.is_notebook]


def cache_dir() -> Path:
    path = Path(os.environ.get("EXECUTION_CACHE", "_build/.jupyter_cache"))
    return path if path.is_absolute() else sc.ROOT / path


def stderr_of(nb) -> list[str]:
    """'cell N: first line' for every stderr stream and error output in ``nb``."""
    found = []
    for n, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type == "stream" and out.name == "stderr":
                text = out.text.strip().splitlines() or [""]
                more = f" (+{len(text) - 1} more lines)" if len(text) > 1 else ""
                found.append(f"cell {n}: {text[0][:160]}{more}")
            elif out.output_type == "error":
                found.append(f"cell {n}: {out.ename}: {out.evalue[:160]}")
    return found


@pytest.mark.parametrize("page", NOTEBOOKS, ids=[p.docname for p in NOTEBOOKS])
def test_a_live_session_shows_no_stderr(page):
    run = executed_notebook(sc.ROOT, page.docname, cache_dir())
    if run is None:
        pytest.fail(
            f"{cache_dir()} holds no run of {page.source.name} as it is now: run `make book`",
            pytrace=False,
        )
    problems = stderr_of(run)
    assert not problems, (
        f"{page.docname} writes to stderr (shown in red to a student):\n" + "\n".join(problems)
    )


def test_the_check_sees_stderr_and_errors():
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("x"), nbformat.v4.new_code_cell("y")]
    )
    nb.cells[0].outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="fine\n"),
        nbformat.v4.new_output("stream", name="stderr", text="E0000 cuInit failed\nmore\n"),
    ]
    nb.cells[1].outputs = [
        nbformat.v4.new_output("error", ename="ValueError", evalue="bad", traceback=[])
    ]
    assert stderr_of(nb) == [
        "cell 0: E0000 cuInit failed (+1 more lines)",
        "cell 1: ValueError: bad",
    ]
