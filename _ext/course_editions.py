"""Two editions of the book from one source: student (default) and instructor.

``COURSE_EDITION`` (environment) picks the edition; ``make book`` builds the student
edition into ``_build/html``, ``make instructor`` the instructor edition into
``_build/instructor/_build/html``. Both share one notebook-execution cache
(``_build/.jupyter_cache``), so the second build executes nothing.

Student edition:
  - sphinx-exercise's ``hide_solutions`` is on: ``{solution}`` directives are dropped
    while the source is parsed, so no solution text reaches the HTML, the search index
    or any other file of the site (``tests/test_site_editions.py`` checks every file);
  - ``{teaching-note}`` directives are dropped the same way;
  - each chapter's downloadable source (``_sources/...ipynb``) is replaced by its student
    notebook, and a copy goes to ``student/<chapter>.ipynb`` (``_ext/student_notebook.py``),
    linked from the top of the chapter page with the chapter's slides;
  - a chapter's Binder and Colab buttons open the committed student notebook
    (``student/<chapter>.ipynb`` in the repository, ``make student-notebooks``), not the
    chapter source, so Colab shows plain Markdown and no solutions.

Instructor edition:
  - launch buttons open the chapter notebook itself;
  - solutions are shown (collapsed dropdowns, numbered and linked to their exercise);
  - each chapter page opens with generated teaching notes: a lecture plan with timings
    per section, the figures to use (with their numbers and captions), the claims the
    chapter tests against folklore (its ``experiment.conclusion`` calls), and every
    ``{teaching-note}`` the authors wrote in the chapter.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ConfigError
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

EDITIONS = ("student", "instructor")
LECTURE_MINUTES = 75  # one lecture per chapter
CHAPTER = re.compile(r"^chapters/\d")


def edition() -> str:
    value = os.environ.get("COURSE_EDITION", "student").strip().lower() or "student"
    if value not in EDITIONS:
        raise ConfigError(f"COURSE_EDITION must be one of {EDITIONS}, got {value!r}")
    return value


def is_instructor(app: Sphinx) -> bool:
    return app.config.course_edition == "instructor"


def _config_inited(app: Sphinx, config) -> None:
    config.course_edition = edition()
    config.hide_solutions = config.course_edition == "student"
    # One execution cache for both editions (myst-nb's default sits beside the output).
    if not config.nb_execution_cache_path:
        config.nb_execution_cache_path = str(Path(app.srcdir) / "_build" / ".jupyter_cache")
    # A Sphinx environment pickled by one edition must never be reused by the other.
    in_instructor_dir = "instructor" in Path(app.outdir).parts
    if in_instructor_dir != (config.course_edition == "instructor"):
        raise ConfigError(
            f"COURSE_EDITION={config.course_edition} but the output folder is {app.outdir}: "
            "build the instructor edition with `make instructor` (into _build/instructor) "
            "and the student edition with `make book` (into _build/html)"
        )


class TeachingNote(SphinxDirective):
    """``:::{teaching-note} optional title`` ... ``:::``: instructor edition only."""

    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True

    def run(self) -> list[nodes.Node]:
        if not is_instructor(self.env.app):
            return []  # dropped while parsing: never in the student site
        title = self.arguments[0] if self.arguments else "Teaching note"
        node = nodes.admonition(classes=["teaching-note", "admonition"])
        title_nodes, _ = self.state.inline_text(title, self.lineno)
        node += nodes.title(title, "", *title_nodes)
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


# ----------------------------------------------------------------- instructor notes


def _words(node: nodes.Node) -> int:
    return len(node.astext().split())


def lecture_plan(sections: list[tuple[str, int, int, int]]) -> list[tuple[str, int]]:
    """(title, minutes) per section from (title, words, figures, code cells).

    The lecture's minutes are shared in proportion to a section's load: its prose
    (words), its figures (each worth 150 words of explaining) and its code cells (each
    worth 60 words, if live-coded). At least 2 minutes per section; rounded to whole
    minutes, so the total can differ from LECTURE_MINUTES by a few minutes.
    """
    loads = [w + 150 * f + 60 * c for _, w, f, c in sections]
    total = sum(loads) or 1
    return [
        (title, max(2, round(LECTURE_MINUTES * load / total)))
        for (title, *_), load in zip(sections, loads, strict=True)
    ]


def _section_stats(doctree) -> list[tuple[str, int, int, int]]:
    top = next(iter(doctree.findall(nodes.section)), None)
    if top is None:
        return []
    out = []
    for section in top.children:
        if not isinstance(section, nodes.section):
            continue
        title = section[0].astext() if section.children else ""
        if title.lower().startswith(("references", "further reading")):
            continue
        figures = sum(1 for _ in section.findall(nodes.figure))
        cells = sum(
            1
            for n in section.findall(nodes.container)
            if "cell" in n.get("classes", []) and "tag_remove-input" not in n.get("classes", [])
        )
        out.append((title, _words(section), figures, cells))
    return out


def _figures(doctree) -> list[tuple[str, str]]:
    found = []
    for fig in doctree.findall(nodes.figure):
        caption = next(iter(fig.findall(nodes.caption)), None)
        target = fig["ids"][0] if fig.get("ids") else ""
        found.append((target, caption.astext() if caption is not None else ""))
    return found


def _conclusions(app: Sphinx, docname: str) -> list[str]:
    try:
        from conclusions_page import conclusions_of
    except ImportError:
        return []
    path = Path(app.srcdir) / f"{docname}.ipynb"
    return [claim for _, claim in conclusions_of(path)] if path.is_file() else []


def _para(*children) -> nodes.paragraph:
    return nodes.paragraph("", "", *children)


def _list(items: list[nodes.Node]) -> nodes.bullet_list:
    bl = nodes.bullet_list()
    for item in items:
        bl += nodes.list_item("", item)
    return bl


def teaching_notes(app: Sphinx, docname: str, doctree) -> nodes.Element:
    """The generated notes block for one chapter (instructor edition)."""
    box = nodes.admonition(classes=["teaching-notes", "admonition", "dropdown"])
    box += nodes.title("", "Teaching notes (instructor edition)")
    plan = lecture_plan(_section_stats(doctree))
    box += _para(
        nodes.strong("", "Lecture plan"),
        nodes.Text(
            f" (about {LECTURE_MINUTES} minutes; time per section in proportion to its "
            "prose, figures and code cells):"
        ),
    )
    box += _list([_para(nodes.Text(f"{m} min: {t}")) for t, m in plan])
    figures = _figures(doctree)
    if figures:
        box += _para(nodes.strong("", "Figures to use"), nodes.Text(" (numbered as in the book):"))
        items = []
        for target, caption in figures:
            para = _para()
            if target:
                ref = nodes.reference("", "", internal=True, refid=target)
                ref += nodes.Text(target)
                para += ref
                para += nodes.Text(": ")
            para += nodes.Text(caption or "(no caption)")
            items.append(para)
        box += _list(items)
    claims = _conclusions(app, docname)
    if claims:
        box += _para(
            nodes.strong("", "Common misconceptions this chapter tests"),
            nodes.Text(" (each claim is asserted in code; ask students to predict first):"),
        )
        box += _list([_para(nodes.Text(c)) for c in claims])
    notes = [n for n in doctree.findall(nodes.admonition) if "teaching-note" in n["classes"]]
    if notes:
        said = f"{len(notes)} teaching note(s) by the authors follow in the text."
        box += _para(nodes.Text(said))
    return box


def _doctree_read(app: Sphinx, doctree) -> None:
    docname = app.env.docname
    if not CHAPTER.match(docname):
        return
    top = next(iter(doctree.findall(nodes.section)), None)
    if top is None:
        return
    index = 1 if top.children and isinstance(top[0], nodes.title) else 0
    if not str(app.env.doc2path(docname)).endswith(".ipynb"):
        return
    up = "../" * docname.count("/")
    stem = Path(docname).name
    links = (
        f'<p class="chapter-downloads">For this chapter: '
        f'<a href="{up}slides/{stem}.html">slides</a> · '
        f'<a href="{up}student/{stem}.ipynb" download>student notebook (.ipynb, no solutions)</a>'
        "</p>"
    )
    top.insert(index, nodes.raw("", links, format="html"))
    key = re.match(r"\d+[a-z]?(?=_)", stem)
    quiz = quiz_html(key.group(0)) if key else ""
    if quiz:
        sections = [c for c in top.children if isinstance(c, nodes.section)]
        before = next((c for c in sections if c[0].astext().lower().startswith("exercise")), None)
        node = nodes.raw("", quiz, format="html")
        if before is not None:
            top.insert(top.index(before), node)
        else:
            top.append(node)
    if is_instructor(app):
        top.insert(index + 1, teaching_notes(app, docname, doctree))


def quiz_html(chapter: str) -> str:
    """The chapter's self-check quiz (``dlcore.checks.QUIZZES``) as HTML: each answer in a
    collapsed ``<details>``, so it works on the static site without JavaScript; the same
    quiz runs in a live session as ``checks.quiz("01")``."""
    import html

    from dlcore.checks import QUIZZES

    questions = QUIZZES.get(chapter)
    if not questions:
        return ""
    items = []
    for q in questions:
        options = "".join(f"<li>{html.escape(o)}</li>" for o in q.options)
        items.append(
            f'<li><p>{html.escape(q.text)}</p><ol type="A">{options}</ol>'
            f"<details><summary>Answer</summary><p>{q.answer}. {html.escape(q.why)}</p>"
            "</details></li>"
        )
    return (
        f'<section class="self-check-quiz" id="self-check-quiz" aria-labelledby="quiz-{chapter}">'
        f'<h2 id="quiz-{chapter}">Self-check quiz</h2>'
        "<p>Answer each question before you open its answer. In a live session run "
        f'<code>from dlcore import checks; checks.quiz("{chapter}")</code>.</p>'
        f"<ol>{''.join(items)}</ol></section>"
    )


# ----------------------------------------------------------------- student files


def chapter_notebooks(srcdir: Path) -> list[Path]:
    from conclusions_page import chapters

    return [path for _, path in chapters(srcdir)]


def student_notebook_texts(srcdir: Path) -> dict[str, str]:
    """File name -> text of each chapter's student notebook, as ``nbformat.write`` would
    write it (generated from the chapter notebooks, never edited by hand)."""
    import nbformat
    from student_notebook import student_notebook

    texts = {}
    for path in chapter_notebooks(srcdir):
        text = nbformat.writes(student_notebook(nbformat.read(path, as_version=4)))
        texts[path.name] = text if text.endswith("\n") else text + "\n"
    return texts


def write_student_notebooks(srcdir: Path, target: Path) -> list[Path]:
    """Write each chapter's student notebook into ``target``; returns the paths."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in student_notebook_texts(srcdir).items():
        out = target / name
        out.write_text(text, encoding="utf-8")
        written.append(out)
    return written


def stale_student_notebooks(srcdir: Path, target: Path) -> list[str]:
    """How the student notebooks in ``target`` differ from freshly generated ones: one
    line per file that is missing, out of date, or not a chapter's; [] when all agree."""
    texts = student_notebook_texts(srcdir)
    found = {p.name for p in target.glob("*.ipynb")} if target.is_dir() else set()
    problems = [f"missing: {target / n}" for n in sorted(set(texts) - found)]
    problems += [f"not a chapter's: {target / n}" for n in sorted(found - set(texts))]
    problems += [
        f"out of date: {target / n}"
        for n in sorted(found & set(texts))
        if (target / n).read_text(encoding="utf-8") != texts[n]
    ]
    return problems


def executed_notebook(srcdir: Path, docname: str, cache: Path | None = None):
    """The chapter as the book build executed it: its source with the outputs stored in
    the build's jupyter-cache (``_build/.jupyter_cache``), or None if the cache holds no
    run of the current source (the book was not built since the notebook changed).

    The cache, not ``_build/jupyter_execute/``, is the record: myst-nb rewrites that
    folder's copy on a cached rebuild without the figure outputs."""
    import nbformat
    from jupyter_cache import get_cache

    cache = cache or srcdir / "_build" / ".jupyter_cache"
    source = srcdir / f"{docname}.ipynb"
    if not cache.is_dir() or not source.is_file():
        return None
    try:
        _, merged = get_cache(str(cache)).merge_match_into_notebook(
            nbformat.read(source, as_version=4)
        )
    except KeyError:
        return None
    return merged


def _png_name(b64: str) -> str:
    """The file name myst-nb gives a PNG output (the SHA-256 of its bytes)."""
    return hashlib.sha256(base64.b64decode(b64)).hexdigest() + ".png"


def add_figure_downloads(outdir: Path, notebooks: dict) -> int:
    """Offer every figure of every chapter page as PNG and, when the notebook also drew it
    as SVG (the set-up cell's ``InlineBackend.figure_formats``), as SVG: the SVG is
    written next to the PNG in ``_images/``, and links go under the image. Returns the
    number of figures given links."""
    done = 0
    for docname, nb in notebooks.items():
        page = outdir / f"{docname}.html"
        if nb is None or not page.is_file():
            continue
        html = page.read_text(encoding="utf-8")
        up = "../" * docname.count("/")
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                if "image/png" not in data:
                    continue
                png = _png_name(data["image/png"])
                links = [f'<a href="{up}_images/{png}" download>PNG</a>']
                if "image/svg+xml" in data:
                    svg = png[: -len(".png")] + ".svg"
                    (outdir / "_images" / svg).write_text(data["image/svg+xml"], encoding="utf-8")
                    links.append(f'<a href="{up}_images/{svg}" download>SVG</a>')
                tag = re.search(rf'<img[^>]*src="{re.escape(up)}_images/{png}"[^>]*>', html)
                if tag is None or 'class="figure-downloads"' in html[tag.end() : tag.end() + 40]:
                    continue
                extra = f'<span class="figure-downloads">Download: {" · ".join(links)}</span>'
                html = html[: tag.end()] + extra + html[tag.end() :]
                done += 1
        page.write_text(html, encoding="utf-8")
    return done


LAUNCHERS = ("Binder", "Colab", "JupyterHub", "Deepnote")  # buttons that open a repo file


def _student_launch_buttons(app: Sphinx, pagename: str, templatename, context, doctree) -> None:
    """Student edition: a chapter's launch buttons open its committed student notebook
    (``student/<stem>.ipynb``: no solutions, plain Markdown that Colab renders) instead of
    the chapter source. Runs after sphinx-book-theme's ``add_launch_buttons`` (501)."""
    from student_notebook import student_path

    if is_instructor(app) or not CHAPTER.match(pagename):
        return
    prefix = str(app.config.html_theme_options.get("path_to_docs", "")).strip("/")
    prefix = f"{prefix}/" if prefix else ""
    source, student = f"{prefix}{pagename}.ipynb", f"{prefix}{student_path(pagename)}"
    if not (Path(app.srcdir) / student_path(pagename)).is_file():
        logging.getLogger(__name__).warning(
            f"{student_path(pagename)} is missing: run `make student-notebooks` and commit it "
            "(the student site's launch buttons open it)"
        )
    for group in context.get("header_buttons", []):
        if group.get("label") != "launch-buttons":
            continue
        for button in group.get("buttons", []):
            if button.get("text") in LAUNCHERS and button.get("url", "").endswith(source):
                button["url"] = button["url"][: -len(source)] + student
                button["tooltip"] = f"Open the student notebook (no solutions) on {button['text']}"


def _build_finished(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    srcdir, outdir = Path(app.srcdir), Path(app.outdir)
    # Browsers ask for /favicon.ico on a first visit (and on index.html, a bare redirect
    # page without the theme's <link rel="icon">): serve it, so that is no 404.
    icon = srcdir / "_static" / "favicon.ico"
    if icon.is_file():
        shutil.copy2(icon, outdir / "favicon.ico")
    from slides import write_decks

    cache = Path(app.config.nb_execution_cache_path)
    docnames = [
        p.relative_to(srcdir).with_suffix("").as_posix() for p in chapter_notebooks(srcdir)
    ]
    notebooks = {name: executed_notebook(srcdir, name, cache) for name in docnames}
    add_figure_downloads(outdir, notebooks)
    write_decks(notebooks, outdir)
    for path in write_student_notebooks(srcdir, outdir / "student"):
        if is_instructor(app):
            continue
        rel = Path(os.path.relpath(next(srcdir.glob(f"chapters/**/{path.name}")), srcdir))
        source = outdir / "_sources" / rel
        if source.exists():  # the page's download button: the student copy, too
            source.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")


def _env_version() -> int:
    """Changes whenever what this extension inserts into the doctrees can change (its own
    code, the slide/student helpers, the quizzes in dlcore.checks): Sphinx then re-reads
    every page instead of reusing doctrees built by the old code."""
    import dlcore.checks

    digest = hashlib.sha256()
    here = Path(__file__).parent
    for path in (
        here / "course_editions.py",
        here / "student_notebook.py",
        Path(dlcore.checks.__file__),
    ):
        digest.update(path.read_bytes())
    return int(digest.hexdigest()[:8], 16)


def setup(app: Sphinx) -> dict:
    app.setup_extension("sphinx_exercise")
    app.add_config_value("course_edition", "student", "env")
    app.connect("config-inited", _config_inited, priority=400)
    app.add_directive("teaching-note", TeachingNote)
    app.connect("doctree-read", _doctree_read)
    app.connect("html-page-context", _student_launch_buttons, priority=502)
    app.connect("build-finished", _build_finished)
    return {"env_version": _env_version(), "parallel_read_safe": True, "parallel_write_safe": True}
