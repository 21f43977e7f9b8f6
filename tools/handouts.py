"""Print each chapter of the student site to a PDF handout with headless Chromium.

Offline: the built site (`make book`) is served on 127.0.0.1 and every other request is
blocked; the page is printed with its print stylesheet (navigation, launch buttons and
the download line left out, ``_static/print.css``), A4, after MathJax and the images
have settled. Each handout is checked: its page count is within bounds, and no figure is
wider than the printed page and no printed output is cut off at its right edge.

Usage::

    .venv/bin/python tools/handouts.py [--site _build/html] [--out _build/handouts]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import site_checks as sc  # noqa: E402

MAX_PAGES = 60
PRINTED_WIDTH_PX = round((210 - 2 * 12) / 25.4 * 96)  # A4 width less 12 mm margins, CSS px
CLIPPED_JS = """() => {
  const main = document.querySelector('article.bd-article') || document.body;
  const limit = document.documentElement.clientWidth + 1;  // the printed page's width
  const shown = (el) => el.checkVisibility();
  const wide = [...main.querySelectorAll('img, svg, mjx-container[display="true"]')]
    .filter((el) => { const r = el.getBoundingClientRect();
      return shown(el) && (r.right > limit || r.left < -1 || r.width > limit); })
    .map((el) => el.getAttribute('src') || el.tagName);
  const cut = [...main.querySelectorAll('pre')]
    .filter((el) => shown(el) && el.scrollWidth > el.clientWidth + 1)
    .map((el) => 'text: ' + el.textContent.trim().slice(0, 60));
  return wide.concat(cut);
}"""


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def print_handouts(site: Path, out: Path) -> dict[str, dict]:
    """{docname: {"pages": n, "clipped": [...], "path": ...}} for each chapter page."""
    from playwright.sync_api import sync_playwright

    executable, why = sc.find_browser()
    if executable is None:
        raise SystemExit(f"no Chromium for the handouts: {why}")
    out.mkdir(parents=True, exist_ok=True)
    chapters = [p for p in sc.toc_pages() if p.is_notebook and re.match(r"chapters/\d", p.docname)]
    found = {}
    with sc.serve(site) as base, sync_playwright() as playwright:
        browser = sc.launch(playwright, executable)
        for page_info in chapters:
            context = browser.new_context(viewport=sc.DESKTOP)
            context.route(lambda url: not url.startswith(base), lambda route: route.abort())
            page = context.new_page()
            page.goto(base + page_info.html, wait_until="load", timeout=60_000)
            page.evaluate(sc.SETTLE_JS)
            page.emulate_media(media="print")
            # lay the page out at the printed width (A4 less the margins) to measure it
            page.set_viewport_size({"width": PRINTED_WIDTH_PX, "height": 1000})
            clipped = page.evaluate(CLIPPED_JS)
            target = out / f"{Path(page_info.docname).name}.pdf"
            pdf = page.pdf(
                path=str(target),
                format="A4",
                print_background=True,
                margin={"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"},
            )
            found[page_info.docname] = {
                "pages": page_count(pdf),
                "clipped": clipped,
                "path": str(target),
            }
            context.close()
        browser.close()
    return found


def problems(report: dict[str, dict]) -> list[str]:
    found = []
    for name, r in report.items():
        if not 1 <= r["pages"] <= MAX_PAGES:
            found.append(f"{name}: {r['pages']} pages (expected 1 to {MAX_PAGES})")
        found += [f"{name}: figure wider than the printed page: {c}" for c in r["clipped"]]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "handouts")
    args = parser.parse_args(argv)
    report = print_handouts(args.site, args.out)
    for r in report.values():
        print(f"{r['path']}: {r['pages']} pages")
    bad = problems(report)
    for line in bad:
        print(line, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
