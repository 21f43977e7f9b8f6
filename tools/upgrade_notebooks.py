"""Bring chapter notebooks up to the conventions of issue 15 (idempotent, nothing executed).

1. Exercises and solutions become sphinx-exercise directives (below).
2. The set-up cell silences TensorFlow's C++ logging before TensorFlow loads: its
   ``TF_CPP_MIN_LOG_LEVEL`` line (and a ``KERAS_BACKEND`` line next to it) is replaced by
   ``SETUP_BLOCK`` (CONTRIBUTING.md, "Set-up cell"), unless the block is there already;
   and it draws figures as PNG and SVG (``FIGURE_FORMATS``, appended once).
3. A widget cell whose last statement is a bare expression gets a trailing ``;``, so a
   live session does not print ``<function __main__.explore(...)>``.

Exercises, before (the convention until issue 15)::

    **1. The odds of beating $10^{-18}$.** Using `prob_product_above`, find ...

    :::{admonition} Solution
    :class: dropdown
    The median ...
    :::

After::

    :::{exercise} The odds of beating $10^{-18}$
    :label: ex-01-1

    Using `prob_product_above`, find ...
    :::

    ::::{solution} ex-01-1
    :class: dropdown

    The median ...
    ::::

sphinx-exercise numbers the exercises and links each solution to its exercise; the
student edition (the default site) is built with ``hide_solutions`` so no solution text
reaches its HTML (see ``_ext/course_editions.py``). The converter also tags the hidden
code cells of the exercises section (the ones that check the solutions' numbers) with
``solution``, so the student notebooks leave them out.

It is idempotent: a converted notebook is left unchanged. Only the notebook's JSON text is
rewritten (cells, tags), nothing is executed.

Usage::

    .venv/bin/python tools/upgrade_notebooks.py chapters/[0-9]*.ipynb          # in place
    .venv/bin/python tools/upgrade_notebooks.py --check chapters/[0-9]*.ipynb  # exit 1 if
                                                                               # any changes
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

SOLUTION_TAG = "solution"
HIDDEN_TAGS = {"remove-cell", "remove-input"}
# The opening of a legacy solution: a fence of >= 3 colons or backticks, then the directive.
LEGACY_OPEN = re.compile(r"^(?P<fence>:{3,}|`{3,})\{admonition\}\s*Solution\s*$")
# "**1. Title.** text" or "**Exercise 1. Title.** text" at the start of a paragraph.
EXERCISE_HEAD = re.compile(
    r"^\*\*(?:Exercise\s+)?(?P<num>\d+)[.)]\s*(?P<title>.*?)\*\*[ \t]*(?P<rest>.*)$"
)
FENCE_LINE = re.compile(r"^(?P<fence>:{3,}|`{3,})")
SETUP_BLOCK = """\
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # no C++ log lines, errors included
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# TensorFlow's libraries print a few lines while they load, before that setting
# applies: load them once with the process's stderr pointed at the null device.
try:
    _stderr, _null = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(_null, 2)
    import tensorflow  # noqa: F401
finally:
    os.dup2(_stderr, 2)
    os.close(_stderr)
    os.close(_null)"""


FIGURE_FORMATS = """\
# Figures as PNG (shown) and SVG (offered for download next to the PNG on the website).
%config InlineBackend.figure_formats = ["png", "svg"]"""


def upgrade_setup(source: str) -> str:
    """The set-up cell with ``SETUP_BLOCK`` in place of its TF_CPP_MIN_LOG_LEVEL line, and
    ``FIGURE_FORMATS`` at its end."""
    if "InlineBackend.figure_formats" not in source:
        source = source.rstrip("\n") + "\n" + FIGURE_FORMATS
    if "os.devnull" in source or "TF_CPP_MIN_LOG_LEVEL" not in source:
        return source
    lines = source.split("\n")
    at = next(i for i, ln in enumerate(lines) if "TF_CPP_MIN_LOG_LEVEL" in ln)
    drop = {at} | {
        i for i in (at - 1, at + 1) if 0 <= i < len(lines) and "KERAS_BACKEND" in lines[i]
    }
    first = min(drop)
    kept = [ln for i, ln in enumerate(lines) if i not in drop]
    return "\n".join([*kept[:first], SETUP_BLOCK, *kept[first:]])


def silence_widget_cell(source: str) -> str:
    """``source`` with a trailing ';' if it uses ipywidgets and ends in a bare expression."""
    import ast

    if "ipywidgets" not in source or source.rstrip().endswith(";"):
        return source
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        return source.rstrip() + ";"
    return source


def chapter_key(path: Path) -> str:
    """'01' for chapters/01_vanishing_gradients.ipynb, else the file's stem."""
    m = re.match(r"(\d+[a-z]?)(?=_)", path.stem)
    return m.group(1) if m else re.sub(r"[^A-Za-z0-9]+", "-", path.stem)


def exercise_label(path: Path, number: str) -> str:
    return f"ex-{chapter_key(path)}-{number}"


def _fence_for(body: list[str]) -> str:
    """A colon fence longer than any colon fence inside the body."""
    longest = max((len(m.group(0)) for ln in body if (m := re.match(r"^:{3,}", ln))), default=2)
    return ":" * max(3, longest + 1)


def _strip_blank(lines: list[str]) -> list[str]:
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def _find_close(lines: list[str], start: int, fence: str) -> int:
    """Index of the line closing the fence opened at ``start`` (same char, >= length)."""
    char = fence[0]
    depth = 0
    for i in range(start + 1, len(lines)):
        stripped = lines[i].strip()
        m = FENCE_LINE.match(stripped)
        if not m or m.group("fence")[0] != char:
            continue
        if stripped == m.group("fence") and len(m.group("fence")) >= len(fence):
            if depth == 0:
                return i
            depth -= 1
        elif len(m.group("fence")) >= len(fence) and "{" in stripped:
            depth += 1
    raise ValueError(f"unclosed {fence} fence opened at line {start + 1}")


def convert_markdown(text: str, path: Path) -> tuple[str, list[str]]:
    """(new text, warnings). Converts each "**N. Title.** ..." + Solution admonition pair."""
    lines = text.split("\n")
    out: list[str] = []
    warnings: list[str] = []
    pending: int | None = None  # index in `out` where the current exercise's head starts
    i = 0
    while i < len(lines):
        line = lines[i]
        if EXERCISE_HEAD.match(line):
            pending = len(out)
            out.append(line)
            i += 1
            continue
        m = LEGACY_OPEN.match(line.strip())
        if not m:
            out.append(line)
            i += 1
            continue
        close = _find_close(lines, i, m.group("fence"))
        body = lines[i + 1 : close]
        options = []
        while body and re.match(r"^:[\w-]+:", body[0]):
            options.append(body.pop(0))
        body = _strip_blank(body)
        if pending is None:
            warnings.append(f"{path}: a Solution at line {i + 1} has no '**N. Title.**' before it")
            out.extend(lines[i : close + 1])
            i = close + 1
            continue
        exercise = _strip_blank(out[pending:])
        head = EXERCISE_HEAD.match(exercise[0])
        number, title = head.group("num"), head.group("title").strip().rstrip(".:").strip()
        exercise_body = _strip_blank([head.group("rest"), *exercise[1:]])
        label = exercise_label(path, number)
        ex_fence, sol_fence = _fence_for(exercise_body), _fence_for(body)
        del out[pending:]
        out += [f"{ex_fence}{{exercise}} {title}".rstrip(), f":label: {label}", ""]
        out += [*exercise_body, ex_fence, ""]
        out += [f"{sol_fence}{{solution}} {label}", ":class: dropdown", "", *body, sol_fence]
        pending = None
        i = close + 1
    return "\n".join(out), warnings


def convert(nb, path: Path) -> list[str]:
    """Convert ``nb`` in place; returns warnings."""
    warnings: list[str] = []
    in_exercises = False
    for n, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.source = silence_widget_cell(
                upgrade_setup(cell.source) if n == 0 else cell.source
            )
        if cell.cell_type == "markdown":
            new, found = convert_markdown(cell.source, path)
            warnings += found
            cell.source = new
            headings = re.findall(r"^##\s+(.*)$", cell.source, re.M)
            if headings:
                in_exercises = headings[-1].strip().lower().startswith("exercise")
        elif in_exercises and HIDDEN_TAGS & set(cell.metadata.get("tags", [])):
            tags = cell.metadata.setdefault("tags", [])
            if SOLUTION_TAG not in tags:
                tags.append(SOLUTION_TAG)
    return warnings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if needed")
    args = parser.parse_args(argv)
    status = 0
    for path in args.paths:
        before = path.read_text(encoding="utf-8")
        nb = nbformat.reads(before, as_version=4)
        for warning in convert(nb, path):
            print(f"WARNING {warning}", file=sys.stderr)
            status = 1
        after = nbformat.writes(nb) + "\n"
        if after.rstrip("\n") == before.rstrip("\n"):
            continue
        if args.check:
            print(f"{path}: not converted (run tools/upgrade_notebooks.py {path})")
            status = 1
        else:
            path.write_text(after, encoding="utf-8")
            print(f"{path}: converted")
    return status


if __name__ == "__main__":
    sys.exit(main())
