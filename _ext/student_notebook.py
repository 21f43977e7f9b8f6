"""A chapter notebook as a student gets it: no solutions, plain Markdown.

Pure functions (no Sphinx), used by ``_ext/course_editions.py`` (the student site's
download and ``student/`` copies, and its launch buttons) and by
``tools/student_notebooks.py`` (``make student-notebooks``, which writes the committed
``student/`` folder that those buttons open). Nothing here is maintained by hand: the
student notebooks are always generated from the chapter notebooks.

What changes:

- every ``{solution}`` directive is dropped, and so is every code cell tagged
  ``solution`` (the hidden cells that check the solutions' numbers);
- ``{teaching-note}`` directives (instructor edition only) are dropped;
- MyST that Colab and plain Jupyter do not render becomes plain Markdown: an
  ``{exercise}`` becomes "**Exercise N: title**" and its text, an admonition becomes a
  quoted block with a bold title, roles such as ``{doc}`` / ``{ref}`` / ``{numref}``
  become their text, ``{math}`` becomes ``$...$``, ``(label)=`` targets and ``%``
  comments go;
- outputs and execution counts are stripped (students run the notebook themselves).
"""

from __future__ import annotations

import copy
import re

SOLUTION_TAG = "solution"
# The committed student notebooks (``make student-notebooks``): the student site's Binder and
# Colab buttons open these, so a student never meets the solutions or raw MyST there.
STUDENT_DIR = "student"
DROP_DIRECTIVES = {"solution", "solution-start", "solution-end", "teaching-note"}
FENCE_OPEN = re.compile(
    r"^(?P<indent>\s*)(?P<fence>:{3,}|`{3,})\{(?P<name>[\w-]+)\}\s*(?P<arg>.*)$"
)
OPTION = re.compile(r"^\s*:(?P<key>[\w-]+):\s*(?P<value>.*)$")
ROLE = re.compile(r"\{(?P<role>[\w:-]+)\}`(?P<body>[^`]*)`")
TARGET = re.compile(r"^\(\s*[\w.:-]+\s*\)=\s*$")
ADMONITION_TITLES = {
    "note": "Note",
    "tip": "Tip",
    "hint": "Hint",
    "important": "Important",
    "warning": "Warning",
    "caution": "Caution",
    "attention": "Attention",
    "danger": "Danger",
    "error": "Error",
    "seealso": "See also",
}


def _role(match: re.Match) -> str:
    role, body = match.group("role"), match.group("body")
    if role == "math":
        return f"${body}$"
    if role in ("code", "literal", "samp", "kbd", "file"):
        return f"`{body}`"
    m = re.match(r"^(?P<text>.*?)\s*<(?P<target>[^>]+)>$", body, re.S)
    text = m.group("text") if m else body.lstrip("~!")
    if role in ("numref", "ref", "eq") and not m:
        return "the figure" if role == "numref" else f"({body})" if role == "eq" else body
    return text.replace("%s", "").strip() or body


def plain_markdown(text: str) -> str:
    """MyST Markdown -> Markdown that Colab and classic Jupyter render."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    exercise_number = 0
    while i < len(lines):
        line = lines[i]
        m = FENCE_OPEN.match(line)
        if not m:
            if TARGET.match(line) or line.lstrip().startswith("% "):
                i += 1
                continue
            out.append(line)
            i += 1
            continue
        if m.group("name") == "math":
            body, i = _body(lines, i, m.group("fence"))
            body = [ln for ln in body if not OPTION.match(ln)]
            out += ["$$", *body, "$$"]
            continue
        name, arg = m.group("name"), m.group("arg").strip()
        body, i = _body(lines, i, m.group("fence"))
        options = {}
        while body and OPTION.match(body[0]):
            opt = OPTION.match(body.pop(0))
            options[opt.group("key")] = opt.group("value")
        if name in DROP_DIRECTIVES:
            while out and not out[-1].strip():
                out.pop()
            out.append("")
            continue
        inner = plain_markdown("\n".join(body)).strip("\n").split("\n")
        if name in ("exercise", "exercise-start"):
            exercise_number += 1
            title = f"**Exercise {exercise_number}" + (f": {arg}**" if arg else ".**")
            out += [title, "", *inner]
        elif name in ("code-cell", "code-block", "code", "sourcecode"):
            out += [f"```{arg}", *body, "```"]
        elif name in ("figure", "image"):
            alt = options.get("alt", "figure")
            out += [f"![{alt}]({arg})", "", *inner]
        else:
            title = arg or ADMONITION_TITLES.get(name, name.capitalize())
            quoted = [f"> {ln}".rstrip() for ln in inner]
            out += [f"> **{title}**", ">", *quoted]
    result = "\n".join(out)
    result = ROLE.sub(_role, result)
    return re.sub(r"\n{3,}", "\n\n", result)


def _body(lines: list[str], start: int, fence: str) -> tuple[list[str], int]:
    """The lines inside the fence opened at ``start``, and the index after its close."""
    depth = 0
    for j in range(start + 1, len(lines)):
        stripped = lines[j].strip()
        m = re.match(r"^(:{3,}|`{3,})(.*)$", stripped)
        if not m or m.group(1)[0] != fence[0] or len(m.group(1)) < len(fence):
            continue
        if m.group(2).strip():
            depth += 1 if m.group(2).startswith("{") or m.group(1)[0] == "`" else 0
        elif depth:
            depth -= 1
        else:
            return lines[start + 1 : j], j + 1
    return lines[start + 1 :], len(lines)


def student_notebook(nb):
    """A copy of the notebook ``nb`` (nbformat v4) without solutions, in plain Markdown."""
    student = copy.deepcopy(nb)
    cells = []
    for cell in student.cells:
        if SOLUTION_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.cell_type == "markdown":
            cell.source = plain_markdown(cell.source)
            if not cell.source.strip():
                continue
        elif cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
        cells.append(cell)
    student.cells = cells
    student.metadata.pop("widgets", None)
    return student


def student_path(docname: str) -> str:
    """The repository path of a chapter's student notebook, ``student/<stem>.ipynb``."""
    return f"{STUDENT_DIR}/{docname.rsplit('/', 1)[-1]}.ipynb"


def solution_texts(nb) -> list[str]:
    """The source text of every solution in ``nb``: {solution} bodies, the legacy
    "{admonition} Solution" bodies, and the cells tagged ``solution``."""
    found = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            if SOLUTION_TAG in cell.get("metadata", {}).get("tags", []):
                found.append(cell.source)
            continue
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.split("\n")
        i = 0
        while i < len(lines):
            m = FENCE_OPEN.match(lines[i])
            legacy = m and m.group("name") == "admonition" and m.group("arg").strip() == "Solution"
            if m and (m.group("name") in ("solution", "teaching-note") or legacy):
                body, i = _body(lines, i, m.group("fence"))
                found.append("\n".join(ln for ln in body if not OPTION.match(ln)))
            else:
                i += 1
    return found
