"""Write the reference page that lists every chapter's conclusions.

A chapter states a conclusion in code as ``experiment.conclusion(holds, "claim")``
(see :mod:`dlcore.experiment`). Before Sphinx reads the sources, this extension
parses the code cells of every chapter in ``_toc.yml`` (without running them), collects
each call's claim text, and writes ``chapters/reference/conclusions.md``: per chapter,
each conclusion with the settings it is checked at, ``make test`` (budget 1, seed
offset 0) and ``make robustness`` (``dlcore.experiment.ROBUSTNESS_RUNS``). The page is
generated on every build and is not committed (``.gitignore``).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import yaml

PAGE = Path("chapters") / "reference" / "conclusions.md"


def _claim_of(call: ast.Call) -> str | None:
    node = call.args[1] if len(call.args) > 1 else None
    for kw in call.keywords:
        if kw.arg == "claim":
            node = kw.value
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return ast.unparse(node) if node is not None else None


def _is_conclusion(call: ast.Call) -> bool:
    f = call.func
    return (isinstance(f, ast.Name) and f.id == "conclusion") or (
        isinstance(f, ast.Attribute) and f.attr == "conclusion"
    )


def conclusions_of(notebook: Path) -> list[tuple[int, str]]:
    """(code-cell number, claim) for every ``conclusion(...)`` call in the notebook."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    code_index = 0
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        code_index += 1
        if "solution" in cell.get("metadata", {}).get("tags", []):
            continue  # checks of an exercise's solution: not for the student edition
        source = "".join(cell["source"])
        # IPython magics are not Python: blank them out before parsing.
        lines = ["" if ln.lstrip().startswith(("%", "!")) else ln for ln in source.splitlines()]
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            continue
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and _is_conclusion(n)]
        for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset)):
            claim = _claim_of(call)
            if claim:
                found.append((code_index, " ".join(claim.split())))
    return found


def chapters(root: Path) -> list[tuple[str, Path]]:
    """(title, path) of each notebook in the TOC's "Chapters" part."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    out = []
    for part in toc.get("parts", []):
        if part.get("caption") != "Chapters":
            continue
        for entry in part.get("chapters", []):
            path = root / f"{entry['file']}.ipynb"
            if path.exists():
                nb = json.loads(path.read_text(encoding="utf-8"))
                title = next(
                    (
                        "".join(c["source"]).lstrip("# ").splitlines()[0]
                        for c in nb["cells"]
                        if c["cell_type"] == "markdown" and "".join(c["source"]).startswith("# ")
                    ),
                    path.stem,
                )
                out.append((title, path))
    return out


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def render(root: Path, runs: tuple[tuple[float, int], ...]) -> str:
    """The page's Markdown."""
    settings = ", ".join(f"budget {b:g} with seed offset {o}" for b, o in runs)
    lines = [
        "# Conclusions and where they are checked",
        "",
        "Every conclusion a chapter draws is asserted in its notebook with",
        "`dlcore.experiment.conclusion`, and checked twice:",
        "",
        "- by `make test`, at the chapter's own budget and seeds (budget 1, seed offset 0);",
        f"- by `make robustness`, at {settings}: twice the epochs, steps, sweep sizes or",
        "  trials wherever the chapter scales them, and seeds the chapter never saw.",
        "",
        "Pinned numbers (the exact values a chapter prints) are checked by `make test` only.",
        "This page is generated from the notebooks at every build; the cell number is the",
        "code cell's position in its notebook. Checks of exercise solutions are not listed.",
        "",
    ]
    for title, path in chapters(root):
        found = conclusions_of(path)
        lines += [f"## {title}", ""]
        if not found:
            lines += ["No conclusion asserted through `experiment.conclusion` yet.", ""]
            continue
        lines += ["| code cell | conclusion |", "|---:|---|"]
        lines += [f"| {i} | {_escape(claim)} |" for i, claim in found]
        lines.append("")
    return "\n".join(lines)


def write_page(root: Path) -> Path:
    from dlcore.experiment import ROBUSTNESS_RUNS

    target = root / PAGE
    text = render(root, ROBUSTNESS_RUNS)
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    return target


def _on_config_inited(app, config) -> None:
    write_page(Path(app.srcdir))


def setup(app):
    app.connect("config-inited", _on_config_inited, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
