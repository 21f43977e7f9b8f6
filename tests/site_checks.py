"""Check the built website as a reader's browser sees it (used by test_site_browser.py).

Pure helpers, no pytest: where the site is, which pages the TOC promises, what each
page's source says it must show (maths, figures, hidden cells, launch links), a local
HTTP server, the Chromium launcher, one `visit` that loads a page in a fresh browser
context and measures it, and `problems`, which turns a visit into a list of findings
per check. The broken-page test feeds `problems` a page made wrong on purpose.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import quote_plus, urldefrag, urljoin, urlparse
from urllib.request import urlopen

import yaml

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "browser-artifacts"
MAX_PAGE_BYTES = 5_000_000  # each chapter page, everything it loads, uncompressed
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SYSTEM_CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser")

# TeX that a reader must never see as text: MathJax replaces every one of these.
RAW_MATH = re.compile(
    r"\$\$|\\begin\{|\\end\{|\\frac\b|\\sqrt\b|\\sum\b|\\partial\b|\\mathbf\b"
    r"|\\\(|\\\)|\\\[|\\\]"
)
# A notebook cell draws a figure if it calls one of these (plotting set-up is not a figure).
FIGURE_CALL = re.compile(
    r"\bplt\.(?:subplots|subplot|figure|plot|imshow|hist|scatter|bar|show)\("
    r"|\bplotting\.(?!use_course_style)\w+\("
    r"|\.(?:plot|imshow|hist|scatter|bar|barh|contour|contourf|pcolormesh|errorbar)\("
)
# Maths in Markdown source: $...$, $$...$$, \begin{...} or a {math} role/directive.
SOURCE_MATH = re.compile(r"\$\$|(?<![\\$])\$[^$\s][^$\n]*\$|\\begin\{|\{math\}")
FENCED = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
INLINE_CODE = re.compile(r"`[^`\n]*`")


# --------------------------------------------------------------------------- the book


def site_dir() -> Path:
    """The built HTML: $SITE_DIR (relative to the repository root) or _build/html."""
    path = Path(os.environ.get("SITE_DIR", "_build/html"))
    return path if path.is_absolute() else ROOT / path


def book_config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text())


@dataclass(frozen=True)
class TocPage:
    """One page the TOC promises: `docname` like 'chapters/intro', its source file."""

    docname: str
    source: Path

    @property
    def html(self) -> str:
        return f"{self.docname}.html"

    @property
    def is_notebook(self) -> bool:
        return self.source.suffix == ".ipynb"


def toc_pages(root: Path = ROOT) -> list[TocPage]:
    """Every file of _toc.yml, in reading order (new chapters are picked up here)."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    names = [toc["root"]]

    def walk(node) -> None:
        if isinstance(node, dict):
            if "file" in node:
                names.append(node["file"])
            for key in ("parts", "chapters", "sections"):
                walk(node.get(key, []))
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    pages = []
    for name in dict.fromkeys(str(Path(n).with_suffix("")) for n in names):
        found = [root / f"{name}{s}" for s in (".ipynb", ".md") if (root / f"{name}{s}").exists()]
        pages.append(TocPage(name, found[0] if found else root / f"{name}.md"))
    return pages


def missing_pages(site: Path, pages: list[TocPage]) -> list[str]:
    return [p.html for p in pages if not (site / p.html).is_file()]


def launch_urls(config: dict, page: TocPage, edition: str = "student") -> dict[str, str]:
    """Where Binder and Colab must open this page's notebook, from _config.yml and the
    editions' rule: the student site opens a chapter's committed student notebook
    (``student/<stem>.ipynb``), the instructor site the chapter itself."""
    repo = config["repository"]
    org_repo = urlparse(repo["url"]).path.strip("/")
    branch = repo.get("branch", "main")
    chapter = re.match(r"chapters/\d", page.docname)
    stem = page.docname.rsplit("/", 1)[-1]
    name = f"student/{stem}.ipynb" if edition == "student" and chapter else f"{page.docname}.ipynb"
    path = "/".join(p for p in (str(repo.get("path_to_book", "")).strip("/"), name) if p)
    buttons = config.get("launch_buttons", {})
    urls = {}
    if buttons.get("binderhub_url"):
        ui = "lab/tree" if buttons.get("notebook_interface") == "jupyterlab" else "tree"
        hub = buttons["binderhub_url"].rstrip("/")
        urls["Binder"] = f"{hub}/v2/gh/{org_repo}/{branch}?urlpath={ui}/{path}"
    if buttons.get("colab_url"):
        urls["Colab"] = (
            f"{buttons['colab_url'].rstrip('/')}/github/{org_repo}/blob/{branch}/{path}"
        )
    return urls


@dataclass
class Expect:
    """What the sources say a page must show; derived, never hand-written per page."""

    source_has_math: bool = False
    notebook: bool = False
    visible_inputs: int | None = None  # code cells neither removed nor input-removed
    removed_sources: list[str] = field(default_factory=list)  # must not appear in cells
    makes_figures: bool = False
    stored_outputs: list[str] = field(default_factory=list)  # checked text outputs
    launch: dict[str, str] = field(default_factory=dict)
    max_bytes: int = MAX_PAGE_BYTES


def _tags(cell: dict) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else source


def _has_math(markdown: str) -> bool:
    return bool(SOURCE_MATH.search(INLINE_CODE.sub("", FENCED.sub("", markdown))))


def expectations(page: TocPage, config: dict) -> Expect:
    if not page.source.exists():
        return Expect()
    if not page.is_notebook:
        return Expect(source_has_math=_has_math(page.source.read_text()))
    cells = json.loads(page.source.read_text())["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    shown = [c for c in code if not _tags(c) & {"remove-cell"}]
    outputs = [c for c in shown if not _tags(c) & {"remove-output"}]
    stored = []
    for cell in outputs:
        for out in cell.get("outputs", []):
            text = _text(out.get("text", "")) or _text(out.get("data", {}).get("text/plain", ""))
            stored += [line.strip() for line in text.splitlines() if line.strip()]
    return Expect(
        source_has_math=any(
            _has_math(_text(c["source"])) for c in cells if c["cell_type"] == "markdown"
        ),
        notebook=True,
        visible_inputs=sum(1 for c in shown if "remove-input" not in _tags(c)),
        removed_sources=[
            _text(c["source"]).strip()
            for c in code
            if _tags(c) & {"remove-cell", "remove-input"} and _text(c["source"]).strip()
        ],
        makes_figures=any(FIGURE_CALL.search(_text(c["source"])) for c in outputs),
        stored_outputs=stored,
        launch=launch_urls(config, page),
    )


# --------------------------------------------------------------------------- serving


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # the base class's signature
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1 (a free port) from a thread; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def find_browser() -> tuple[str | None, str]:
    """(executable, description): Debian's chromium, else Playwright's own Chromium.

    The executable is '' for Playwright's bundled build, None when there is no browser
    (the description then says why).
    """
    for path in (os.environ.get("CHROMIUM"), *SYSTEM_CHROMIUM, shutil.which("chromium")):
        if path and Path(path).is_file():
            return path, path
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None, "Playwright for Python is not installed (pip install -r requirements.txt)"
    try:
        with sync_playwright() as p:
            bundled = p.chromium.executable_path
    except Exception as exc:  # the driver itself could not start
        return None, f"Playwright could not start: {exc}"
    if bundled and Path(bundled).is_file():
        return "", f"Playwright's Chromium ({bundled})"
    return None, (
        "no Chromium found: install Debian's `chromium` (apt-get install chromium), "
        "run `playwright install chromium`, or point $CHROMIUM at a Chromium binary"
    )


def launch(playwright, executable: str):
    """Headless Chromium with a fresh temporary profile (Playwright's default)."""
    return playwright.chromium.launch(
        executable_path=executable or None, headless=True, args=CHROMIUM_ARGS
    )


# --------------------------------------------------------------------------- visiting

SETTLE_JS = """async () => {
  const deadline = (ms) => new Promise((r) => setTimeout(r, ms));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await Promise.race([MathJax.startup.promise, deadline(20000)]);
  }
  const imgs = [...document.images];
  imgs.forEach((i) => { if (i.loading === 'lazy') i.loading = 'eager'; });
  await Promise.race([Promise.all(imgs.map((i) => i.complete ? null : new Promise((r) => {
    i.addEventListener('load', r); i.addEventListener('error', r); }))), deadline(15000)]);
  await Promise.race([document.fonts.ready, deadline(5000)]);
  return performance.now();
}"""

INSPECT_JS = """() => {
  const shown = (el) => el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true,
                                            opacityProperty: true, visibilityProperty: true});
  const clip = (s, n = 120) => s.replace(/\\s+/g, ' ').trim().slice(0, n);
  const textOf = (el) => {  // without the copy buttons' labels
    const c = el.cloneNode(true);
    c.querySelectorAll('button').forEach((b) => b.remove());
    return c.textContent;
  };
  const media = (el) => [...el.querySelectorAll('img, svg, iframe, table, video, canvas')]
    .filter((m) => !m.closest('button')).length;
  const SKIP = 'pre, code, kbd, samp, script, style, template, noscript, textarea, svg, ' +
               'mjx-container, .highlight';
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (el && !el.closest(SKIP) && n.data.trim()) texts.push(n.data);
  }
  const maths = [...document.querySelectorAll('.math')];
  const cells = [...document.querySelectorAll('div.cell')].map((c) => ({
    cls: c.className,
    inputs: [...c.querySelectorAll('.cell_input')].map((i) => ({
      text: textOf(i), visible: shown(i), hidden: !!i.closest('details.hide')})),
    outputs: [...c.querySelectorAll('.cell_output')].map((o) => ({
      text: textOf(o), media: media(o), hidden: !!o.closest('details.hide')})),
  }));
  const title = document.querySelector('article h1, main h1, h1');
  return {
    title: title ? title.textContent.replace(/#$/, '').trim() : '',
    text: texts.join('\\n'),
    mathNodes: maths.length,
    mathUntypeset: maths.filter((m) => !m.querySelector('mjx-container'))
                        .map((m) => clip(m.textContent)),
    mjx: document.querySelectorAll('mjx-container').length,
    mathjaxScripts: [...document.scripts].map((s) => s.src).filter((s) => /mathjax/i.test(s)),
    images: [...document.images].map((i) => ({
      src: i.getAttribute('src'), url: i.currentSrc || i.src,
      ok: i.complete && i.naturalWidth > 0, output: !!i.closest('.cell_output'),
      player: !!i.closest('.animation'),
      visible: shown(i), width: i.getBoundingClientRect().width,
      alt: i.getAttribute('alt'),
      number: (() => { const f = i.closest('figure');
        const n = f && f.querySelector('figcaption .caption-number');
        return n ? n.textContent.trim() : null; })(),
      downloads: (() => { const d = i.nextElementSibling;
        return d && d.classList.contains('figure-downloads') ?
          [...d.querySelectorAll('a')].map((a) => a.textContent.trim()) : []; })(),
      caption: (() => { const f = i.closest('figure');
        const c = f && f.querySelector('figcaption .caption-text');
        return c ? c.textContent.trim() : ''; })()})),
    cells: cells,
    hideDetails: [...document.querySelectorAll('details.hide')].map((d) => ({
      label: clip(d.querySelector('summary') ? d.querySelector('summary').textContent : ''),
      open: d.open,
      contentVisible: [...d.children].filter((c) => c.tagName !== 'SUMMARY').some(shown)})),
    solutions: [...document.querySelectorAll('.admonition.dropdown')].map((a) => ({
      title: clip(a.querySelector('.admonition-title') ?
                  a.querySelector('.admonition-title').textContent : ''),
      collapsed: a.classList.contains('toggle-hidden'),
      contentVisible: [...a.children].filter((c) => !c.classList.contains('admonition-title'))
                                     .some(shown)})),
    launch: [...document.querySelectorAll('a[href]')].map((a) => a.href)
              .filter((h) => /binder|colab/i.test(h)),
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
    innerWidth: window.innerWidth,
  };
}"""

PERF_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  return {
    bytes: (nav ? nav.transferSize : 0) + res.reduce((s, r) => s + r.transferSize, 0),
    html_bytes: nav ? nav.transferSize : 0,
    requests: 1 + res.length,
    dom_ms: nav ? nav.domContentLoadedEventEnd : null,
    load_ms: nav ? nav.loadEventEnd : null,
    largest: res.sort((a, b) => b.transferSize - a.transferSize).slice(0, 5)
                .map((r) => [new URL(r.name).pathname, r.transferSize]),
  };
}"""


@dataclass
class Visit:
    """What one page load showed (see `visit`)."""

    url: str
    mobile: bool
    viewport_width: int = DESKTOP["width"]
    status: int | None = None
    console_errors: list[str] = field(default_factory=list)
    bad_requests: list[str] = field(default_factory=list)  # same-origin 4xx/5xx or failed
    external: list[str] = field(default_factory=list)  # blocked, '<type> <url>'
    dom: dict = field(default_factory=dict)
    perf: dict = field(default_factory=dict)
    a11y: list[str] | None = None  # axe-core serious/critical violations (None: not run)
    ready_ms: float | None = None
    wall_s: float = 0.0
    screenshot: Path | None = None
    problems: dict[str, list[str]] = field(default_factory=dict)

    def summary(self) -> dict:
        return {
            "url": self.url,
            "status": self.status,
            "bytes": self.perf.get("bytes"),
            "requests": self.perf.get("requests"),
            "largest_resources": self.perf.get("largest"),
            "load_ms": _round(self.perf.get("load_ms")),
            "ready_ms": _round(self.ready_ms),
            "mathjax_nodes": self.dom.get("mjx"),
            "images": len(self.dom.get("images", [])),
            "console_errors": self.console_errors,
            "accessibility": self.a11y,
            "external_requests_blocked": self.external,
            "problems": {k: v for k, v in self.problems.items() if v},
            "screenshot": str(self.screenshot) if self.screenshot else None,
        }


def _round(x):
    return None if x is None else round(x)


def _is_local(url: str, base_url: str) -> bool:
    return url.startswith(base_url) or urlparse(url).scheme in ("data", "blob", "about")


def visit(
    browser,
    base_url: str,
    path: str,
    *,
    mobile: bool = False,
    expect: Expect | None = None,
    shot_name: str | None = None,
    audit: bool | None = None,
) -> Visit:
    """Load `path` in a fresh context (cold cache), settle it, inspect it, judge it.

    Every request that leaves `base_url` is aborted and recorded. A screenshot goes to
    tests/browser-artifacts/ when any check finds a problem.
    """
    viewport = MOBILE if mobile else DESKTOP
    result = Visit(url=base_url + path, mobile=mobile, viewport_width=viewport["width"])
    context = browser.new_context(
        viewport=viewport,
        is_mobile=mobile,
        has_touch=mobile,
        device_scale_factor=2 if mobile else 1,
        service_workers="block",
    )
    context.add_init_script("performance.setResourceTimingBufferSize(5000)")

    def block(route) -> None:
        result.external.append(f"{route.request.resource_type} {route.request.url}")
        route.abort()

    context.route(lambda url: not _is_local(url, base_url), block)

    def on_console(message) -> None:
        if message.type == "error":
            result.console_errors.append(message.text)

    def on_response(response) -> None:
        if response.status >= 400 and _is_local(response.url, base_url):
            result.bad_requests.append(f"HTTP {response.status} {response.url}")

    def on_failed(request) -> None:
        if _is_local(request.url, base_url):
            result.bad_requests.append(f"failed ({request.failure}) {request.url}")

    page = context.new_page()
    page.on("console", on_console)
    page.on("pageerror", lambda error: result.console_errors.append(f"uncaught: {error}"))
    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    start = time.perf_counter()
    try:
        response = page.goto(result.url, wait_until="load", timeout=30_000)
        result.status = response.status if response else None
        result.ready_ms = page.evaluate(SETTLE_JS)
        if not mobile:  # let lazily loaded MathJax parts and fonts arrive before weighing
            try:
                page.wait_for_load_state("networkidle", timeout=10_000)
            except Exception:  # still measure what arrived
                pass
        result.dom = page.evaluate(INSPECT_JS)
        result.perf = page.evaluate(PERF_JS)
        if audit if audit is not None else not mobile:
            result.a11y = accessibility_violations(page)
        result.wall_s = time.perf_counter() - start
        result.problems = problems(result, expect or Expect())
        if any(result.problems.values()):
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            name = shot_name or re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-")
            result.screenshot = ARTIFACTS / f"{name}{'-mobile' if mobile else ''}.png"
            page.screenshot(path=str(result.screenshot), full_page=True)
    finally:
        context.close()
    return result


# --------------------------------------------------------------------------- judging


def problems(v: Visit, expect: Expect) -> dict[str, list[str]]:
    """Findings per check for one visit; an empty list means the check passed."""
    dom = v.dom
    found: dict[str, list[str]] = {}
    found["http"] = [] if v.status == 200 else [f"HTTP status {v.status} for {v.url}"]
    found["console"] = v.console_errors + v.bad_requests
    found["offline"] = [f"request leaves 127.0.0.1: {e}" for e in v.external]

    raw = list(RAW_MATH.finditer(dom["text"]))
    maths = [f"raw TeX visible: {m.group(0)!r} in '...{_around(dom['text'], m)}...'" for m in raw]
    if len(maths) > 5:
        maths[5:] = [f"... and {len(raw) - 5} more raw TeX fragments"]
    maths += [f"maths not typeset by MathJax: {t!r}" for t in dom["mathUntypeset"]]
    if expect.source_has_math and dom["mjx"] == 0:
        maths.append("the source has maths but the page has no MathJax output (mjx-container)")
    maths += [
        f"MathJax loaded from outside the site: {s}"
        for s in dom["mathjaxScripts"]
        if urlparse(s).netloc != urlparse(v.url).netloc
    ]
    found["maths"] = maths

    images = [f"image did not load: {i['src']}" for i in dom["images"] if not i["ok"]]
    # Frames of an animation player (matplotlib's to_jshtml) are not figures: the player
    # has no caption to attach to; axe still checks its alt text and controls.
    figures = [i for i in dom["images"] if i["output"] and not i.get("player")]
    if expect.makes_figures and not figures:
        images.append("the notebook draws figures but the page shows no output image")
    found["images"] = images
    found["figures"] = [f"figure {i['src']}: {why}" for i in figures for why in figure_problems(i)]
    found["a11y"] = list(v.a11y or [])

    cells = []
    inputs = [i for c in dom["cells"] for i in c["inputs"]]
    if expect.visible_inputs is not None and len(inputs) != expect.visible_inputs:
        cells.append(
            f"{len(inputs)} code cells on the page, the notebook has "
            f"{expect.visible_inputs} that are not removed"
        )
    cells += [
        f"code cell not shown: {i['text'][:80]!r}"
        for i in inputs
        if not i["hidden"] and (not i["visible"] or not i["text"].strip())
    ]
    outputs = [o for c in dom["cells"] for o in c["outputs"]]
    cells += [f"empty cell output in cell {n}" for n, o in enumerate(outputs) if _empty(o)]
    if expect.visible_inputs and not outputs:
        cells.append("a notebook page with code cells shows no cell output at all")
    shown_out = "\n".join(o["text"] for o in outputs)
    cells += [f"stored output missing: {t!r}" for t in expect.stored_outputs if t not in shown_out]
    found["cells"] = cells

    cell_text = "\n".join(i["text"] for i in inputs)
    hidden = [
        f"removed cell is on the page: {s.splitlines()[0][:80]!r}"
        for s in expect.removed_sources
        if _squash(s) in _squash(cell_text)
    ]
    hidden += [
        f"hidden cell part is open: {d['label']!r}"
        for d in dom["hideDetails"]
        if d["open"] or d["contentVisible"]
    ]
    found["hidden"] = hidden
    found["solutions"] = [
        f"solution not collapsed: {s['title']!r}"
        for s in dom["solutions"]
        if not s["collapsed"] or s["contentVisible"]
    ]
    found["launch"] = [
        f"{name} button missing or wrong: expected {url}"
        for name, url in expect.launch.items()
        if url not in dom["launch"]
    ]
    weight = v.perf.get("bytes") or 0
    found["weight"] = (
        [f"page weighs {weight / 1e6:.2f} MB > {expect.max_bytes / 1e6:.1f} MB"]
        if weight > expect.max_bytes
        else []
    )
    layout = []
    if v.mobile:
        # A phone widens its layout viewport to fit content that overflows (innerWidth
        # then exceeds the screen), so compare with the screen width asked for.
        screen = v.viewport_width
        wide = max(dom["scrollWidth"], dom["clientWidth"], dom["innerWidth"])
        if wide > screen + 1:
            layout.append(f"horizontal scroll on a {screen} px screen: content is {wide} px wide")
        layout += [
            f"image wider than the screen ({i['width']:.0f} px > {screen} px): {i['src']}"
            for i in dom["images"]
            if i["visible"] and i["width"] > screen + 1
        ]
    found["layout"] = layout
    return found


HASHED_NAME = re.compile(r"(^|/)[0-9a-f]{32,}\.\w+$|\.(png|svg|jpe?g|gif)$", re.I)
AXE_IMPACTS = ("serious", "critical")


def figure_problems(image: dict) -> list[str]:
    """What an instructor or a screen reader misses about one output figure: a number
    and caption to cite (myst-nb's ``mystnb.figure`` cell metadata), and alt text that
    says what it shows (``mystnb.image.alt``), not the image's file name."""
    found = []
    alt = (image.get("alt") or "").strip()
    if not alt or HASHED_NAME.search(alt) or alt == image.get("src"):
        found.append(f"no alt text (alt={alt[:60]!r}): add mystnb.image.alt to the cell")
    if not image.get("number") or not image.get("caption"):
        found.append("not a numbered, captioned figure: add mystnb.figure.caption/name")
    missing = {"PNG", "SVG"} - set(image.get("downloads") or [])
    if missing:
        found.append(
            f"no {'/'.join(sorted(missing))} download link (SVG needs the set-up cell's "
            "InlineBackend.figure_formats = ['png', 'svg'])"
        )
    return found


def accessibility_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the loaded page, one line each
    (axe-core 4 from the axe-playwright-python package, injected into the page)."""
    from axe_playwright_python.sync_playwright import Axe

    # preload off: axe would fetch each @import-ed stylesheet itself, resolving it against
    # the page instead of the importing sheet (a 404 that no reader's browser makes)
    results = Axe().run(page, options={"resultTypes": ["violations"], "preload": False})
    found = []
    for violation in results.response.get("violations", []):
        if violation.get("impact") not in AXE_IMPACTS:
            continue
        targets = [" ".join(map(str, n.get("target", []))) for n in violation.get("nodes", [])]
        found.append(
            f"{violation['impact']} {violation['id']}: {violation['help']} "
            f"({len(targets)} elements, e.g. {targets[:2]})"
        )
    return found


def _around(text: str, match: re.Match, width: int = 40) -> str:
    return " ".join(text[max(0, match.start() - width) : match.end() + width].split())


def _squash(text: str) -> str:
    return " ".join(text.split())


def _empty(output: dict) -> bool:
    return not output["text"].strip() and not output["media"]


# --------------------------------------------------------------------------- links


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if attrs.get(key):
                self.ids.add(attrs[key])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])


@dataclass
class LinkReport:
    broken: list[str] = field(default_factory=list)  # 'page -> href (why)'
    external: dict[str, list[str]] = field(default_factory=dict)  # url -> pages
    pages_crawled: int = 0


def crawl(base_url: str, start: list[str]) -> LinkReport:
    """Follow every same-origin link from `start` (site-relative paths), page by page.

    Each internal target must answer 200 and, for a #fragment, contain that id.
    External links are collected, never fetched.
    """
    report = LinkReport()
    fetched: dict[str, tuple[int, _LinkParser | None]] = {}

    def fetch(url: str) -> tuple[int, _LinkParser | None]:
        if url not in fetched:
            try:
                with urlopen(url, timeout=10) as response:
                    body = response.read()
                    parser = None
                    if "html" in response.headers.get("Content-Type", ""):
                        parser = _LinkParser()
                        parser.feed(body.decode("utf-8", "replace"))
                    fetched[url] = (response.status, parser)
            except HTTPError as exc:
                fetched[url] = (exc.code, None)
            except URLError as exc:
                fetched[url] = (0, None)
                report.broken.append(f"{url} ({exc.reason})")
        return fetched[url]

    queue = [base_url + s for s in start]
    seen = set(queue)
    while queue:
        page = queue.pop(0)
        _, parser = fetch(page)
        if parser is None:
            continue
        report.pages_crawled += 1
        for href in parser.links:
            target = urljoin(page, href)
            scheme = urlparse(target).scheme
            if scheme in ("http", "https", "mailto") and not target.startswith(base_url):
                report.external.setdefault(target, []).append(page[len(base_url) :])
                continue
            if not target.startswith(base_url):
                continue  # javascript:, data: and the like
            url, fragment = urldefrag(target)
            url = url.split("?", 1)[0]
            code, target_parser = fetch(url)
            where = f"{page[len(base_url) :]} -> {href}"
            if code != 200:
                report.broken.append(f"{where} (HTTP {code})")
            elif fragment and target_parser is not None and fragment not in target_parser.ids:
                report.broken.append(f"{where} (no element with id {fragment!r})")
            if url not in seen and url.endswith(".html"):
                seen.add(url)
                queue.append(url)
    return report


# --------------------------------------------------------------------------- search

SEARCH_DONE_JS = """() => {
  const s = document.querySelector('#search-results .search-summary');
  return !!s && /found|match/i.test(s.textContent);
}"""
SEARCH_HITS_JS = """() => [...document.querySelectorAll('#search-results ul.search li a')]
  .map((a) => a.href)"""


def search(browser, base_url: str, query: str) -> tuple[list[str], list[str]]:
    """Run the site's own search page; returns (result page paths, console errors)."""
    context = browser.new_context(viewport=DESKTOP, service_workers="block")
    context.route(lambda url: not _is_local(url, base_url), lambda route: route.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    try:
        page.goto(
            f"{base_url}search.html?q={quote_plus(query)}", wait_until="load", timeout=30_000
        )
        page.wait_for_function(SEARCH_DONE_JS, timeout=20_000)
        hits = page.evaluate(SEARCH_HITS_JS)
    finally:
        context.close()
    paths = [urlparse(h).path.lstrip("/") for h in hits]
    return paths, errors


# --------------------------------------------------------------------------- slides

PROJECTOR = {"width": 1280, "height": 720}
DECK_JS = r"""async () => {
  const deadline = (ms) => new Promise((r) => setTimeout(r, ms));
  for (let t = 0; t < 200 && !(window.Reveal && Reveal.isReady()); t++) await deadline(50);
  if (!(window.Reveal && Reveal.isReady())) return {ready: false};
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await Promise.race([MathJax.startup.promise, deadline(20000)]);
  }
  Reveal.configure({transition: 'none', backgroundTransition: 'none'});  // measure at rest
  const slides = Reveal.getHorizontalSlides();
  const found = [];
  for (let i = 0; i < slides.length; i++) {
    Reveal.slide(i, 0, 99);  // every fragment shown
    await deadline(60);
    const s = Reveal.getCurrentSlide();
    const imgs = [...s.querySelectorAll('img')];
    await Promise.all(imgs.map((im) => im.complete ? null : new Promise((r) => {
      im.addEventListener('load', r); im.addEventListener('error', r); })));
    const box = s.getBoundingClientRect();
    const scale = Reveal.getScale();
    found.push({
      index: i,
      title: (s.querySelector('h1, h2') || {textContent: ''}).textContent.trim().slice(0, 60),
      overflow: s.scrollHeight > Reveal.getConfig().height + 2 ||
                box.bottom > window.innerHeight + 2 || box.right > window.innerWidth + 2,
      height: s.scrollHeight, scale: scale,
      brokenImages: imgs.filter((im) => !(im.complete && im.naturalWidth > 0))
                        .map((im) => im.getAttribute('src')),
      images: imgs.length,
      rawMath: /\\\(|\\\[|\$\$/.test([...s.childNodes].filter((n) => n.nodeName !== 'ASIDE')
                 .map((n) => n.textContent).join(' ')),
      maths: s.querySelectorAll('mjx-container').length,
    });
  }
  return {ready: true, total: Reveal.getTotalSlides(), slides: found};
}"""


def visit_deck(browser, base_url: str, path: str) -> dict:
    """Open a deck at a projector's 1280x720, step through every slide; returns findings."""
    context = browser.new_context(viewport=PROJECTOR, service_workers="block")
    external: list[str] = []
    errors: list[str] = []

    def block(route) -> None:
        external.append(route.request.url)
        route.abort()

    context.route(lambda url: not _is_local(url, base_url), block)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    page.on(
        "response",
        lambda r: r.status >= 400 and errors.append(f"HTTP {r.status} {r.url}"),
    )
    try:
        response = page.goto(base_url + path, wait_until="load", timeout=30_000)
        result = page.evaluate(DECK_JS)
        result["status"] = response.status if response else None
        result["a11y"] = accessibility_violations(page)
    finally:
        context.close()
    result["errors"], result["external"] = errors, external
    return result


def deck_problems(result: dict) -> list[str]:
    if not result.get("ready"):
        return ["reveal.js did not start", *result.get("errors", [])]
    found = [f"console: {e}" for e in result["errors"]]
    found += [f"request leaves 127.0.0.1: {u}" for u in result["external"]]
    found += [f"axe: {v}" for v in result["a11y"]]
    for s in result["slides"]:
        where = f"slide {s['index'] + 1} ({s['title']!r})"
        if s["overflow"]:
            found.append(f"{where} overflows 1280x720 (content {s['height']} px)")
        found += [f"{where}: image did not load: {src}" for src in s["brokenImages"]]
        if s["rawMath"]:
            found.append(f"{where}: maths not typeset")
    return found
