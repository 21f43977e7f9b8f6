"""One reveal.js deck per chapter, generated from the notebook the book build executed.

Nothing is written by hand and the notebooks carry no slide metadata: a deck is the
chapter's title, then per ``##`` section a slide with its heading, its display equations
and the first sentences of its prose as speaker notes; each figure the section draws
(the very PNG on the website) on its own slide with its caption; one short code cell per
section to live-code; and the "What to remember" list, a few items per slide. Decks go
to ``slides/<chapter>.html`` in the built site, with reveal.js (from the
``sphinx-revealjs`` package, which ships it) copied to ``slides/reveal/`` and maths
typeset by the site's own MathJax: no CDN, the decks work offline.

Called by ``_ext/course_editions.py`` at the end of every HTML build (so each chapter page
can link its deck), and by ``tools/slides.py`` (``make slides``).
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import shutil
from pathlib import Path

MAX_LIST_ITEMS = 3  # per "What to remember" slide, so a slide fits 1280 x 720
MAX_CODE_LINES = 10  # longer cells are not live-coded in a lecture
NOTES_SENTENCES = 3
REVEAL_FILES = (
    "dist/reveal.js",
    "dist/reveal.css",
    "dist/reset.css",
    "dist/theme",
    "plugin/notes",
    "LICENSE",
)
DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
HEADING = re.compile(r"^(#{1,6})\s+(.*)$", re.M)

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} (slides)</title>
<link rel="icon" href="../_static/favicon.ico">
<link rel="stylesheet" href="reveal/dist/reset.css">
<link rel="stylesheet" href="reveal/dist/reveal.css">
<link rel="stylesheet" href="reveal/dist/theme/white.css">
<style>
.reveal h1 {{ font-size: 1.9em; }} .reveal h2 {{ font-size: 1.4em; }}
.reveal section img {{ max-height: 430px; max-width: 100%; margin: 0.2em auto; }}
.reveal .caption {{ font-size: 0.55em; line-height: 1.3; }}
.reveal pre {{ font-size: 0.5em; width: 100%; }} .reveal pre code {{ max-height: 420px; }}
.reveal ul {{ font-size: 0.7em; }} .reveal .back {{ font-size: 0.5em; }}
.reveal mjx-container[display="true"] {{ font-size: 90%; }}
</style>
<script>
window.MathJax = {{tex: {{inlineMath: [["\\\\(", "\\\\)"]], displayMath: [["\\\\[", "\\\\]"]]}},
                  startup: {{typeset: true}}}};
</script>
<script defer src="../_static/mathjax/tex-mml-chtml.js"></script>
</head>
<body>
<div class="reveal"><div class="slides">
{slides}
</div></div>
<script src="reveal/dist/reveal.js"></script>
<script src="reveal/plugin/notes/notes.js"></script>
<script>
Reveal.initialize({{hash: true, width: 1280, height: 720, margin: 0.04, center: true,
                   plugins: [RevealNotes]}});
</script>
</body>
</html>
"""


def reveal_source() -> Path:
    import sphinx_revealjs

    return Path(sphinx_revealjs.__file__).parent / "_static" / "revealjs"


def _markdown():
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    md = MarkdownIt("commonmark")

    def render(content: str, options: dict) -> str:
        if options.get("display_mode"):
            return f"\\[{html.escape(content)}\\]"
        return f"\\({html.escape(content)}\\)"

    dollarmath_plugin(md, renderer=render)
    return md


def _plain(text: str) -> str:
    """Prose without MyST roles, directives and targets (for speaker notes)."""
    text = re.sub(r"^[:`]{3,}.*$|^:\w[\w-]*:.*$|^\(.*\)=\s*$", "", text, flags=re.M)
    return re.sub(r"\{[\w:-]+\}`([^`<]*?)\s*(<[^>]*>)?`", r"\1", text)


def _notes(md, prose: list[str]) -> str:
    text = " ".join(_plain(p) for p in prose)
    text = DISPLAY_MATH.sub(" ", text)
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    chosen = " ".join(sentences[:NOTES_SENTENCES]).strip()
    return f'<aside class="notes">{md.renderInline(chosen)}</aside>' if chosen else ""


def _png_name(b64: str) -> str:
    return hashlib.sha256(base64.b64decode(b64)).hexdigest() + ".png"


def _caption(cell) -> tuple[str, str]:
    meta = cell.get("metadata", {}).get("mystnb", {})
    caption = meta.get("figure", {}).get("caption", "")
    alt = meta.get("image", {}).get("alt", "") or caption or "Figure drawn by the notebook"
    return caption, alt


def _sections(nb) -> tuple[str, list[dict]]:
    """(chapter title, [{title, prose, maths, figures, code}]) from the executed notebook."""
    title, sections = "", []
    current = None
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if "remove-cell" in tags:
            continue
        if cell.cell_type == "markdown":
            source = cell.source
            for part in re.split(r"(?=^#{1,2}\s)", source, flags=re.M):
                m = HEADING.match(part)
                if m and len(m.group(1)) == 1:
                    title = title or m.group(2).strip()
                    continue
                if m and len(m.group(1)) == 2:
                    current = {
                        "title": m.group(2).strip(),
                        "prose": [],
                        "maths": [],
                        "figures": [],
                        "code": None,
                        "text": "",
                    }
                    sections.append(current)
                    part = part[m.end() :]
                if current is None:
                    continue
                current["text"] += part + "\n"
                current["maths"] += [x.strip() for x in DISPLAY_MATH.findall(part)]
                current["prose"] += [
                    p
                    for p in re.split(r"\n\s*\n", part)
                    if p.strip()
                    and not p.lstrip().startswith(("$$", "#", ":::", "```", "|", "-", "*"))
                ]
        elif cell.cell_type == "code" and current is not None:
            if "remove-output" not in tags:
                for out in cell.get("outputs", []):
                    png = out.get("data", {}).get("image/png")
                    if png:
                        current["figures"].append((_png_name(png), *_caption(cell)))
            lines = cell.source.strip().splitlines()
            if (
                current["code"] is None
                and "remove-input" not in tags
                and 0 < len(lines) <= MAX_CODE_LINES
                and not cell.source.lstrip().startswith(("#", "assert", "import"))
            ):
                current["code"] = cell.source.strip()
    return title, sections


def _list_items(text: str) -> list[str]:
    items, current = [], None
    for line in text.splitlines():
        m = re.match(r"^[-*]\s+(.*)$", line)
        if m:
            current = [m.group(1)]
            items.append(current)
        elif current is not None and line.startswith("  ") and line.strip():
            current.append(line.strip())
        elif not line.strip():
            current = None
    return [" ".join(i) for i in items]


def deck(nb, chapter_url: str) -> tuple[str, int]:
    """(HTML of the deck, number of slides) for one executed chapter notebook."""
    md = _markdown()
    title, sections = _sections(nb)
    slides = [
        f"<section><h1>{md.renderInline(title)}</h1>"
        f'<p class="back"><a href="{chapter_url}">the chapter on the website</a></p></section>'
    ]
    for sec in sections:
        name = sec["title"]
        low = name.lower()
        if low.startswith(("references", "exercises", "run time", "explore")):
            continue
        heading = md.renderInline(name)
        if low.startswith("what to remember"):
            items = _list_items(sec["text"])
            for k in range(0, len(items), MAX_LIST_ITEMS):
                lis = "".join(
                    f'<li class="fragment">{md.renderInline(_plain(i))}</li>'
                    for i in items[k : k + MAX_LIST_ITEMS]
                )
                slides.append(f"<section><h2>{heading}</h2><ul>{lis}</ul></section>")
            continue
        maths = "".join(
            f'<div class="fragment">\\[{html.escape(x)}\\]</div>' for x in sec["maths"][:2]
        )
        slides.append(f"<section><h2>{heading}</h2>{maths}{_notes(md, sec['prose'])}</section>")
        for png, caption, alt in sec["figures"]:
            cap = f'<p class="caption">{md.renderInline(_plain(caption))}</p>' if caption else ""
            slides.append(
                f'<section><img src="../_images/{png}" alt="{html.escape(alt)}">{cap}'
                f"{_notes(md, sec['prose'][1:])}</section>"
            )
        if sec["code"]:
            slides.append(
                f'<section><h2>Live: {heading}</h2><pre><code class="language-python">'
                f"{html.escape(sec['code'])}</code></pre></section>"
            )
    body = "\n".join(slides)
    return PAGE.format(title=html.escape(title), slides=body), len(slides)


def write_decks(notebooks: dict, outdir: Path) -> dict[str, int]:
    """Write ``slides/<stem>.html`` for each {docname: executed notebook or None};
    returns {docname: slide count}."""
    target = outdir / "slides"
    target.mkdir(parents=True, exist_ok=True)
    source = reveal_source()
    for name in REVEAL_FILES:
        src, dst = source / name, target / "reveal" / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)
    counts = {}
    for docname, nb in notebooks.items():
        if nb is None:
            continue
        page, n = deck(nb, f"../{docname}.html")
        (target / f"{Path(docname).name}.html").write_text(page, encoding="utf-8")
        counts[docname] = n
    return counts
