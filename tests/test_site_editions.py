"""The two built editions (issue 15): no solution or teaching-note text anywhere in the
student site, solutions and teaching notes in the instructor site, student notebooks.

Reads files only (no browser needed), after `make book` and `make instructor`; marked
`browser` so it runs with the browser suite (`make browser`), after the builds.
$SITE_DIR and $INSTRUCTOR_SITE_DIR point at other builds.
"""

from __future__ import annotations

import html
import os
import re
import sys
from pathlib import Path

import nbformat
import pytest
import site_checks as sc

sys.path.insert(0, str(sc.ROOT / "_ext"))

from student_notebook import solution_texts, student_notebook

pytestmark = pytest.mark.browser

CHAPTERS = [p for p in sc.toc_pages() if p.is_notebook and re.match(r"chapters/\d", p.docname)]
TEXT_SUFFIXES = {".html", ".js", ".txt", ".ipynb", ".json", ".md", ".py"}
MIN_WORDS = 6  # a run of six plain words is specific enough to identify a passage


def instructor_dir() -> Path:
    path = Path(os.environ.get("INSTRUCTOR_SITE_DIR", "_build/instructor/_build/html"))
    return path if path.is_absolute() else sc.ROOT / path


def fingerprints(secret: str) -> list[str]:
    """Runs of plain words from a solution's prose (outside code and maths), which the
    HTML renders verbatim: what must never appear in the student site."""
    secret = re.sub(r"^(```|~~~).*?^\1", " ", secret, flags=re.S | re.M)
    prints = []
    for line in secret.splitlines():
        if line.lstrip().startswith(("#", ">", "|")) and "```" not in line:
            line = line.lstrip("#>| ")
        for chunk in re.split(r"\$[^$]*\$|`[^`]*`|[^A-Za-z ,]+", line):
            words = chunk.replace(",", " ").split()
            if len(words) >= MIN_WORDS:
                prints.append(" ".join(words[:MIN_WORDS]))
    return prints


def site_text(site: Path) -> str:
    """Every text file of the site, tags stripped, entities decoded, whitespace squashed."""
    parts = []
    for path in site.rglob("*"):
        if path.suffix not in TEXT_SUFFIXES or not path.is_file() or "mathjax" in path.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".html":
            text = html.unescape(re.sub(r"<[^>]+>", " ", text))
        parts.append(" ".join(re.sub(r"[^A-Za-z ]+", " ", text).split()))
    return "\n".join(parts)


def _secrets(page) -> list[str]:
    """Fingerprints of the page's solutions, less those the student copy itself contains
    (a phrase shared with the exercise's statement or the prose is no secret)."""
    nb = nbformat.read(page.source, as_version=4)
    public = _squash(nbformat.writes(student_notebook(nb)))
    return [f for s in solution_texts(nb) for f in fingerprints(s) if _squash(f) not in public]


@pytest.fixture(scope="module")
def student_text() -> str:
    site = sc.site_dir()
    if not (site / "index.html").is_file():
        pytest.fail(f"no student site at {site}: run `make book`", pytrace=False)
    return site_text(site)


@pytest.fixture(scope="module")
def instructor_text() -> str:
    site = instructor_dir()
    if not (site / "index.html").is_file():
        pytest.fail(f"no instructor site at {site}: run `make instructor`", pytrace=False)
    return site_text(site)


def _squash(text: str) -> str:
    return " ".join(re.sub(r"[^A-Za-z ]+", " ", text).split())


@pytest.mark.parametrize("page", CHAPTERS, ids=[p.docname for p in CHAPTERS])
def test_student_site_contains_no_solution_text(student_text, page):
    prints = _secrets(page)
    leaked = [p for p in prints if _squash(p) in student_text]
    assert not leaked, f"solution text of {page.docname} in the student site: {leaked[:5]}"


@pytest.mark.parametrize("page", CHAPTERS, ids=[p.docname for p in CHAPTERS])
def test_instructor_site_shows_solutions_and_teaching_notes(instructor_text, page):
    prints = _secrets(page)
    if prints:
        shown = [p for p in prints if _squash(p) in instructor_text]
        assert len(shown) >= len(prints) // 2, (
            f"solutions missing: {sorted(set(prints) - set(shown))[:5]}"
        )
    html_page = (instructor_dir() / page.html).read_text(encoding="utf-8")
    assert "teaching-notes" in html_page and "Lecture plan" in html_page


@pytest.mark.parametrize("page", CHAPTERS, ids=[p.docname for p in CHAPTERS])
def test_instructor_site_launches_the_chapter_itself(page):
    """The instructor edition's Binder and Colab buttons open the chapter notebook (with
    its solutions); the student edition's open student/ (test_site_browser.py)."""
    html_page = html.unescape((instructor_dir() / page.html).read_text(encoding="utf-8"))
    expected = sc.launch_urls(sc.book_config(), page, edition="instructor")
    assert set(expected) == {"Binder", "Colab"}
    for name, url in expected.items():
        assert f'href="{url}"' in html_page, f"{name} button of {page.html} is not {url}"
    assert "/student/" not in " ".join(re.findall(r'href="(https://[^"]+)"', html_page))


@pytest.mark.parametrize("page", CHAPTERS, ids=[p.docname for p in CHAPTERS])
def test_student_notebook_is_served_and_has_no_solution(page):
    stem = Path(page.docname).name
    served = sc.site_dir() / "student" / f"{stem}.ipynb"
    assert served.is_file(), f"{served} missing: the student site must offer it"
    download = sc.site_dir() / "_sources" / f"{page.docname}.ipynb"
    for path in (served, download):
        text = _squash(nbformat.writes(nbformat.read(path, as_version=4)))
        leaked = [p for p in _secrets(page) if _squash(p) in text]
        assert not leaked, f"solution text in {path}: {leaked[:3]}"
    nb = nbformat.read(served, as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert not re.search(r"^[:`]{3,}\{", markdown, re.M), f"MyST directive left in {served}"
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    chapter = (sc.site_dir() / page.html).read_text(encoding="utf-8")
    assert f"student/{stem}.ipynb" in chapter, "the chapter page does not link its notebook"


@pytest.mark.parametrize("page", CHAPTERS, ids=[p.docname for p in CHAPTERS])
def test_chapter_page_has_its_self_check_quiz(page):
    from dlcore.checks import QUIZZES

    questions = QUIZZES.get(Path(page.docname).name[:2])
    if questions is None:
        pytest.skip(f"no quiz for {page.docname} in dlcore.checks.QUIZZES yet")
    text = (sc.site_dir() / page.html).read_text(encoding="utf-8")
    assert 'class="self-check-quiz"' in text
    quiz = text.split('class="self-check-quiz"', 1)[1].split("</section>", 1)[0]
    assert quiz.count("<details>") == len(questions)
