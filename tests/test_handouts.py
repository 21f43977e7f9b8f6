"""Printable PDF handouts (tools/handouts.py): one per chapter, printed by headless
Chromium from the built student site, offline; checked for page count and clipping."""

from __future__ import annotations

import shutil
import sys

import pytest
import site_checks as sc

sys.path.insert(0, str(sc.ROOT / "tools"))

import handouts

pytestmark = pytest.mark.browser

if sc.find_browser()[0] is None:
    pytest.skip("HANDOUTS NOT CHECKED - no Chromium", allow_module_level=True)


def test_page_count_reads_the_pdf():
    pdf = b"<< /Type /Pages /Count 2 >> << /Type /Page >> << /Type/Page/Parent 1 >>"
    assert handouts.page_count(pdf) == 2


def test_every_chapter_prints_to_a_handout(tmp_path, request):
    site = sc.site_dir()
    if not (site / "index.html").is_file():
        pytest.fail("the site is not built: run `make book`", pytrace=False)
    report = handouts.print_handouts(site, tmp_path)
    chapters = [p for p in sc.toc_pages() if p.is_notebook and p.docname.startswith("chapters/0")]
    assert set(report) >= {p.docname for p in chapters}
    sc.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (sc.ARTIFACTS / "handouts.txt").write_text(
        "".join(f"{name}: {r['pages']} pages\n" for name, r in report.items())
    )
    assert not handouts.problems(report), handouts.problems(report)


def test_a_clipped_figure_is_caught(tmp_path):
    site = sc.site_dir()
    chapters = [p for p in sc.toc_pages() if p.is_notebook and p.docname.startswith("chapters/0")]
    if not chapters or not (site / chapters[0].html).is_file():
        pytest.skip("no built chapter")
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    page = copy / chapters[0].html
    rect = '<rect width="3000" height="20"/>'
    wide = f'<svg width="3000" height="20" role="img" aria-label="wide">{rect}</svg>'
    page.write_text(
        page.read_text().replace(
            '<article class="bd-article">', '<article class="bd-article">' + wide, 1
        )
    )
    report = handouts.print_handouts(copy, tmp_path / "pdf")
    found = handouts.problems(report)
    assert any("wider than the printed page" in p for p in found), (report, found)
