"""The built website, checked in headless Chromium as a reader sees it (issue 5).

Serves the built site ($SITE_DIR, default _build/html; build it with `make book`) on
127.0.0.1 and loads every page of _toc.yml in a fresh browser context, with every
request that would leave 127.0.0.1 aborted and recorded (the site must work offline).
What each page must show is derived from its source (maths, figures, removed cells,
checked outputs, launch links from _config.yml), so new chapters are covered as soon
as they are in the TOC. Page weights and load times go to
tests/browser-artifacts/site-report.json, external links to external-links.json, and a
full-page screenshot of any page that fails a check next to them.

Run: `make browser` (after `make book`), or
`SITE_DIR=/path/to/html .venv/bin/python -m pytest tests/test_site_browser.py -m browser`.
"""

from __future__ import annotations

import html as html_lib
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import site_checks as sc

pytestmark = pytest.mark.browser

EXECUTABLE, BROWSER = sc.find_browser()
if EXECUTABLE is None:  # one loud line; conftest.py keeps this from failing `make browser`
    pytest.skip(
        f"BROWSER SUITE SKIPPED - the site was NOT checked in a browser: {BROWSER}",
        allow_module_level=True,
    )

CONFIG = sc.book_config()
PAGES = sc.toc_pages()
NOTEBOOK_PAGES = [p for p in PAGES if p.is_notebook]
IDS = [p.docname for p in PAGES]
CONFIG_ROOT = PAGES[0].docname  # _toc.yml's root (listed first): index.html redirects there
# Terms a reader might search for, and the chapter that should come up: checked for each
# term that the site's prose contains (Nesterov arrives with the optimizer chapter).
KNOWN_TERMS = ("Nesterov", "vanishing", "prerequisites")


@pytest.fixture(scope="module")
def site() -> Path:
    path = sc.site_dir()
    missing = sc.missing_pages(path, PAGES) if path.is_dir() else [str(path)]
    if missing:
        pytest.fail(
            f"the site is not built (or is stale) at {path}: missing {missing}. "
            "Run `make book`, or set SITE_DIR to the built HTML folder.",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="module")
def base_url(site):
    with sc.serve(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = sc.launch(playwright, EXECUTABLE)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def report(request):
    """Collects every visit; written to JSON and printed as a table at the end."""
    for stale in sc.ARTIFACTS.glob("*.png"):  # a screenshot here means a failure in this run
        stale.unlink()
    data: dict = {"browser": BROWSER, "visits": {}}
    yield data
    sc.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (sc.ARTIFACTS / "site-report.json").write_text(json.dumps(data, indent=2) + "\n")
    lines = [
        f"site in the browser ({BROWSER}); details in {sc.ARTIFACTS / 'site-report.json'}",
        f"{'page':44} {'view':7} {'MB':>6} {'req':>4} {'load ms':>8} {'ready ms':>9} "
        f"{'maths':>5} {'imgs':>4}  problems",
    ]
    for key, v in data["visits"].items():
        page, view = key.rsplit(" ", 1)
        lines.append(
            f"{page:44} {view:7} {(v['bytes'] or 0) / 1e6:6.2f} {v['requests'] or 0:4d} "
            f"{v['load_ms'] or 0:8d} {v['ready_ms'] or 0:9d} {v['mathjax_nodes'] or 0:5d} "
            f"{v['images']:4d}  {', '.join(v['problems']) or '-'}"
        )
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            for line in lines:
                reporter.write_line(line)


@pytest.fixture(scope="module")
def visits(browser, base_url, report):
    """visits(page, mobile=False) -> site_checks.Visit, loaded once per page and view."""
    cache: dict[tuple[str, bool], sc.Visit] = {}

    def get(page: sc.TocPage, mobile: bool = False) -> sc.Visit:
        key = (page.docname, mobile)
        if key not in cache:
            expect = sc.expectations(page, CONFIG)
            cache[key] = sc.visit(browser, base_url, page.html, mobile=mobile, expect=expect)
            report["visits"][f"{page.docname} {'mobile' if mobile else 'desktop'}"] = cache[
                key
            ].summary()
        return cache[key]

    return get


def check(visit: sc.Visit, *names: str) -> None:
    found = [f"[{n}] {p}" for n in names for p in visit.problems[n]]
    shot = f"\nscreenshot: {visit.screenshot}" if visit.screenshot else ""
    assert not found, f"{visit.url}:\n" + "\n".join(found) + shot


# --------------------------------------------------------------------------- every page


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_page_loads_without_console_errors(visits, page):
    check(visits(page), "http", "console")


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_page_needs_nothing_from_outside(visits, page):
    check(visits(page), "offline")


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_maths_is_typeset(visits, page):
    check(visits(page), "maths")


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_images_and_figures_load(visits, page):
    check(visits(page), "images")


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_figures_are_numbered_captioned_and_described(visits, page):
    check(visits(page), "figures")


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_no_serious_accessibility_violations(visits, page):
    visit = visits(page)
    assert visit.a11y is not None, "axe-core did not run"
    check(visit, "a11y")


def test_first_visit_finds_a_favicon(base_url):
    from urllib.request import urlopen

    with urlopen(base_url + "favicon.ico", timeout=10) as response:
        assert response.status == 200 and response.read(4) == b"\x00\x00\x01\x00"


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_code_cells_and_outputs_render(visits, page):
    check(visits(page), "cells")


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_hidden_cells_stay_hidden(visits, page):
    check(visits(page), "hidden")


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_exercise_solutions_are_collapsed(visits, page):
    check(visits(page), "solutions")


@pytest.mark.parametrize("page", NOTEBOOK_PAGES, ids=[p.docname for p in NOTEBOOK_PAGES])
def test_launch_buttons_open_this_notebook(visits, page):
    """A chapter's buttons open its student notebook (student/, no solutions, plain
    Markdown), which must be in the repository; other notebook pages open themselves."""
    expected = sc.launch_urls(CONFIG, page)
    assert set(expected) == {"Binder", "Colab"}, f"_config.yml launch_buttons: {expected}"
    opened = expected["Colab"].split(f"/blob/{CONFIG['repository']['branch']}/", 1)[1]
    assert (sc.ROOT / opened).is_file(), f"the launch buttons open {opened}: not in the repo"
    check(visits(page), "launch")


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_page_weight_is_recorded_and_small(visits, page):
    visit = visits(page)
    assert visit.perf["bytes"] > 0 and visit.perf["load_ms"] > 0, visit.perf
    check(visit, "weight")


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_mobile_width_has_no_horizontal_scroll(visits, page):
    check(visits(page, mobile=True), "layout", "images", "maths")


# --------------------------------------------------------------------------- the site


@pytest.fixture(scope="module")
def links(base_url):
    return sc.crawl(base_url, ["index.html", *(p.html for p in PAGES)])


def test_internal_links_and_anchors_resolve(links):
    assert links.pages_crawled >= len(PAGES)
    assert not links.broken, "broken internal links:\n" + "\n".join(links.broken)


def test_external_links_are_listed_not_fetched(links):
    sc.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = sc.ARTIFACTS / "external-links.json"
    listing = {url: sorted(set(pages)) for url, pages in sorted(links.external.items())}
    out.write_text(json.dumps(listing, indent=2) + "\n")
    # The launch buttons and the repository button are external by nature.
    repo = CONFIG["repository"]["url"]
    assert any(url.startswith(repo) for url in listing), f"no link to {repo} in {out}"


def _links_on(browser, base_url: str, path: str, selector: str) -> set[str]:
    """Site-relative targets of the links matching ``selector`` once ``path`` has loaded."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{base_url}/{path}", wait_until="load")
        page.wait_for_url(re.compile(r".*/chapters/.*\.html.*"))  # index.html redirects
        hrefs = page.eval_on_selector_all(selector, "els => els.map(a => a.href)")
    finally:
        context.close()
    return {h.split("#")[0].removeprefix(base_url + "/") for h in hrefs}


def test_home_page_links_every_chapter(browser, base_url):
    """index.html (a redirect to the intro) links every TOC page, and the intro's text
    (its chapter map) links every numbered chapter."""
    anywhere = _links_on(browser, base_url, "index.html", "a[href]")
    missing = [p.html for p in PAGES if p.html not in anywhere and p.docname != CONFIG_ROOT]
    assert not missing, f"the home page does not link {missing}"
    in_text = _links_on(browser, base_url, "index.html", "article a[href]")
    chapters = [p.html for p in NOTEBOOK_PAGES if re.match(r"chapters/\d", p.docname)]
    unmapped = [c for c in chapters if c not in in_text]
    assert chapters and not unmapped, f"the intro's chapter map does not link {unmapped}"


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_search_finds_the_page_by_its_title(browser, base_url, visits, page):
    title = visits(page).dom["title"]
    words = re.findall(r"[A-Za-z][A-Za-z0-9_]{2,}", title)
    assert words, f"page {page.docname} has no searchable title: {title!r}"
    hits, errors = sc.search(browser, base_url, " ".join(words))
    assert not errors, f"search page errors: {errors}"
    assert page.html in hits, f"searching {' '.join(words)!r} listed {hits}"


def test_search_finds_known_terms(browser, base_url, visits):
    searched = 0
    for term in KNOWN_TERMS:
        pattern = re.compile(rf"\b{term}\b", re.I)
        counts = Counter({p.html: len(pattern.findall(visits(p).dom["text"])) for p in PAGES})
        best, n = counts.most_common(1)[0]
        if n == 0:
            continue
        hits, errors = sc.search(browser, base_url, term)
        assert not errors, f"search page errors: {errors}"
        assert best in hits, f"searching {term!r} should list {best} ({n} mentions): {hits}"
        searched += 1
    assert searched >= 1, f"none of {KNOWN_TERMS} is in the site's text"


# --------------------------------------------------------------------------- the checks


MATHJAX_TAGS = re.compile(r"<script[^>]*mathjax[^>]*>\s*</script>", re.I)
TOGGLE_JS = re.compile(r"<script[^>]*togglebutton\.js[^>]*>\s*</script>")
SOLUTION = (
    '<div class="admonition dropdown"><p class="admonition-title">Solution</p>'
    "<p>The answer is 42.</p></div>"
)
THEBE_LINE = '<script>const THEBE_JS_URL = "https://unpkg.com/thebe@0.8.2/lib/index.js"</script>'


def _inject(html: str, body: str, head: str = "") -> str:
    html = html.replace("</head>", head + "</head>", 1)
    return re.sub(r'(<article class="bd-article">)', lambda m: m.group(1) + body, html, count=1)


def test_checks_catch_a_broken_page(site, browser, tmp_path):
    """A page with raw maths, a missing image and a duplicated `const` must fail; the
    same page with proper maths and the site's own MathJax must pass (offline)."""
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    page = PAGES[0]
    html = (copy / page.html).read_text()
    folder = (copy / page.html).parent
    up = "../" * page.html.count("/")
    mathjax = CONFIG["sphinx"]["config"]["mathjax_path"]
    assert (copy / "_static" / mathjax).is_file(), "the site has no local MathJax"

    broken = _inject(
        MATHJAX_TAGS.sub("", html),
        body="<p>Raw: $$x^2$$ and \\frac{a}{b}.</p>"
        '<div class="math notranslate nohighlight">\\[\\sum_i x_i\\]</div>'
        '<img src="missing.png" alt="a figure that is not there">',
        head=THEBE_LINE * 2,
    )
    (folder / "zz-broken.html").write_text(broken)
    fixed = _inject(
        MATHJAX_TAGS.sub("", html),
        body='<div class="math notranslate nohighlight">\\[\\frac{a}{b}\\]</div>'
        '<p>Inline <span class="math notranslate nohighlight">\\(x^2\\)</span>.</p>' + SOLUTION,
        head='<script>window.MathJax = {"options": {"processHtmlClass": "math"}}</script>'
        f'<script defer src="{up}_static/{mathjax}"></script>',
    )
    (folder / "zz-fixed.html").write_text(fixed)
    rel = str(Path(page.html).parent / "zz-")

    with sc.serve(copy) as url:
        bad = sc.visit(browser, url, rel + "broken.html", shot_name="deliberately-broken")
        good = sc.visit(browser, url, rel + "fixed.html", shot_name="deliberately-fixed")

    maths = "\n".join(bad.problems["maths"])
    assert "'$$'" in maths and "'\\\\frac'" in maths, maths
    assert "not typeset" in maths, maths
    assert any("missing.png" in p for p in bad.problems["images"]), bad.problems["images"]
    console = "\n".join(bad.problems["console"])
    assert "THEBE_JS_URL" in console and "missing.png" in console, console
    assert bad.screenshot is not None and bad.screenshot.is_file()

    assert good.dom["mjx"] == 2, good.dom["mjx"]
    assert [s["collapsed"] for s in good.dom["solutions"]] == [True]
    for name in ("maths", "images", "console", "offline", "http", "solutions"):
        assert not good.problems[name], (name, good.problems[name])


def _show_removed_cell(html: str, expect: sc.Expect, up: str) -> str:
    source = html_lib.escape(expect.removed_sources[0])
    cell = f'<div class="cell"><div class="cell_input"><pre>{source}</pre></div></div>'
    return _inject(html, body=cell)


def _wide_figure(html: str, expect: sc.Expect, up: str) -> str:
    # The theme scales a plain <img width="800"> down to the screen; this one refuses.
    style = "width: 800px; max-width: none"
    img = f'<img src="{up}_static/images/logo_colab.png" style="{style}" alt="Colab logo">'
    return _inject(html, body=img)


def _figure_named_by_hash(html: str, expect: sc.Expect, up: str) -> str:
    # what myst-nb writes for a figure cell without mystnb.image.alt: the hashed file name
    tag = re.search(r'<img[^>]*src="[^"]*_images/([0-9a-f]+\.png)"[^>]*>', html)
    assert tag, "the page has no output figure"
    img = re.sub(r'\salt="[^"]*"', "", tag.group(0)).replace("<img", f'<img alt="{tag.group(1)}"')
    return html[: tag.start()] + img + html[tag.end() :]


def _image_without_alt(html: str, expect: sc.Expect, up: str) -> str:
    return _inject(html, body=f'<p><img src="{up}_static/images/logo_colab.png"></p>')


NOTEBOOK_BREAKS = {  # name: (check that must flag it, mobile view?, how to break the page)
    "removed-cell-shown": ("hidden", False, _show_removed_cell),
    "launch-link-wrong": ("launch", False, lambda h, e, up: h.replace("urlpath=", "urlpath=x")),
    "solution-open": (
        "solutions",
        False,
        lambda h, e, up: _inject(TOGGLE_JS.sub("", h), SOLUTION),
    ),
    "figure-too-wide": ("layout", True, _wide_figure),
    "figure-alt-is-file-name": ("figures", False, _figure_named_by_hash),
    "image-without-alt": ("a11y", False, _image_without_alt),
}


@pytest.mark.skipif(not NOTEBOOK_PAGES, reason="no notebook in _toc.yml")
@pytest.mark.parametrize("name", NOTEBOOK_BREAKS)
def test_checks_catch_a_broken_notebook_page(site, browser, tmp_path, name):
    """The first notebook page, broken one way, fails exactly the check for that."""
    key, mobile, breaks = NOTEBOOK_BREAKS[name]
    page = NOTEBOOK_PAGES[0]
    expect = sc.expectations(page, CONFIG)
    assert expect.removed_sources, f"{page.source} has no remove-cell set-up cell"
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    original = (copy / page.html).read_text()
    broken = breaks(original, expect, "../" * page.html.count("/"))
    assert broken != original, f"{name}: the page did not change"
    (copy / page.html).write_text(broken)
    with sc.serve(copy) as url:
        shot = f"deliberately-{name}"
        visit = sc.visit(browser, url, page.html, mobile=mobile, expect=expect, shot_name=shot)
    assert visit.problems[key], f"{name} was not caught by the {key!r} check"
    others = {k: v for k, v in visit.problems.items() if v and k not in (key, "cells")}
    assert not others, f"{name} tripped other checks too: {others}"


# --------------------------------------------------------------------------- slides

CHAPTER_PAGES = [p for p in NOTEBOOK_PAGES if re.match(r"chapters/\d", p.docname)]


@pytest.mark.parametrize("page", CHAPTER_PAGES, ids=[p.docname for p in CHAPTER_PAGES])
def test_slide_deck_steps_through_cleanly(site, browser, base_url, report, page):
    """Every slide of the chapter's deck at 1280x720: no console errors, nothing from
    outside, images loaded, maths typeset, nothing overflowing; axe-core clean."""
    deck = f"slides/{Path(page.docname).name}.html"
    assert (site / deck).is_file(), f"{deck} missing (make book writes it; make slides too)"
    assert deck in (site / page.html).read_text(), f"{page.html} does not link {deck}"
    result = sc.visit_deck(browser, base_url, deck)
    report.setdefault("decks", {})[deck] = {
        "slides": result.get("total"),
        "images": sum(s["images"] for s in result.get("slides", [])),
        "maths": sum(s["maths"] for s in result.get("slides", [])),
    }
    problems = sc.deck_problems(result)
    assert not problems, f"{deck}:\n" + "\n".join(problems)
    assert result["total"] >= 3 and any(s["images"] for s in result["slides"]), result["total"]


def test_deck_check_catches_overflow_and_broken_images(site, browser, tmp_path):
    if not CHAPTER_PAGES:
        pytest.skip("no chapter")
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    deck = copy / "slides" / f"{Path(CHAPTER_PAGES[0].docname).name}.html"
    tall = "<section><h2>Too long</h2>" + "<p>line</p>" * 60 + "</section>"
    broken = '<section><img src="../_images/missing.png" alt="gone"></section>'
    text = deck.read_text().replace('<div class="slides">', '<div class="slides">' + tall + broken)
    deck.write_text(text)
    with sc.serve(copy) as url:
        problems = "\n".join(sc.deck_problems(sc.visit_deck(browser, url, f"slides/{deck.name}")))
    assert "overflows" in problems and "missing.png" in problems, problems
