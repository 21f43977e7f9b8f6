"""The notebooks' storage and structure policy, as code (see CONTRIBUTING.md).

Policy: notebooks are stored **without outputs**, except the cells marked
``# NBVAL_CHECK_OUTPUT``: those keep their text output, which is the reference nbval
(run with ``--nbval-lax``) compares against on every test run. The book re-executes
everything at build time, so stored figures would only bloat diffs and go stale.
Checked cells carry ``execution_count = 1`` (nbval treats a cell with outputs but no
count as an error, "unrun reference cell"); every other cell has no count.

Run as a script to re-execute notebooks and store them per the policy::

    python tests/notebook_policy.py --refresh chapters
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHECK = "NBVAL_CHECK_OUTPUT"
MARKERS = ("NBVAL_IGNORE_OUTPUT", "NBVAL_SKIP", "NBVAL_RAISES_EXCEPTION", CHECK)
SETUP_TAG = "remove-cell"
TEXT_MIMES = {"text/plain"}


def repository_url() -> str:
    """The one repository URL, from _config.yml."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return config["repository"]["url"].rstrip("/")


def markers_of(source: str) -> list[tuple[int, str]]:
    """(line index, marker) for every nbval marker comment, as nbval itself parses them."""
    found = []
    for i, line in enumerate(source.splitlines()):
        stripped = line.strip()
        if stripped.startswith("#") and stripped.lstrip("#").strip() in MARKERS:
            found.append((i, stripped.lstrip("#").strip()))
    return found


def _ends_in_bare_expression(source: str) -> bool:
    """True if IPython would display the value of the cell's last statement."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return (
        bool(tree.body)
        and isinstance(tree.body[-1], ast.Expr)
        and not source.rstrip().endswith(";")
    )


def is_checked(cell) -> bool:
    return cell.cell_type == "code" and any(m == CHECK for _, m in markers_of(cell.source))


def violations(path: Path) -> list[str]:
    """Every way the notebook at ``path`` breaks the policy (empty list: it complies)."""
    nb = nbformat.read(path, as_version=4)
    problems: list[str] = []
    code = [c for c in nb.cells if c.cell_type == "code"]
    if nb.metadata.get("kernelspec", {}).get("name") != "python3":
        problems.append("kernelspec must be 'python3'")
    if not code or nb.cells[0] is not code[0]:
        problems.append("the first cell must be the code set-up cell")
    else:
        setup = code[0]
        if SETUP_TAG not in setup.metadata.get("tags", []):
            problems.append(f"the set-up cell must be tagged {SETUP_TAG!r}")
        if "seed_everything(" not in setup.source:
            problems.append("the set-up cell must call dlcore.seed_everything")
        colab_install = "dlcore[data] @ git+"  # the package plus its offline datasets
        if not all(s in setup.source for s in ("google.colab", colab_install, repository_url())):
            problems.append(
                f"the set-up cell must install '{colab_install}{repository_url()}' on Colab"
            )
    for n, cell in enumerate(nb.cells):
        where = f"cell {n}"
        if cell.cell_type != "code":
            continue
        lines = cell.source.splitlines()
        if "ipywidgets" in cell.source:
            missing = {"remove-output", "skip-execution"} - set(cell.metadata.get("tags", []))
            if missing:
                problems.append(f"{where}: a widget cell must be tagged {sorted(missing)}")
            if _ends_in_bare_expression(cell.source):
                problems.append(
                    f"{where}: end the widget cell with ';' (a live session would print "
                    "the interact call's return value, e.g. <function __main__.explore>)"
                )
        for i, marker in markers_of(cell.source):
            reason = lines[i + 1].strip() if i + 1 < len(lines) else ""
            if not re.match(r"#\s*why:\s*\S.{8,}", reason):
                problems.append(f"{where}: {marker} must be followed by a '# why: ...' comment")
        if is_checked(cell):
            if cell.get("execution_count") != 1:
                problems.append(f"{where}: a checked cell must have execution_count 1")
            if not cell.outputs:
                problems.append(f"{where}: checked cell has no stored output")
            for out in cell.outputs:
                if out.output_type == "stream" and out.name == "stdout":
                    continue
                if out.output_type == "execute_result" and set(out.data) <= TEXT_MIMES:
                    continue
                problems.append(f"{where}: checked cell stores a non-text output")
        else:
            if cell.get("execution_count") is not None:
                problems.append(f"{where}: execution_count must be cleared")
            if cell.outputs:
                problems.append(f"{where}: outputs must be stripped (cell is not {CHECK})")
    if "widgets" in nb.metadata:
        problems.append("notebook metadata must not store widget state")
    problems += exercise_violations(nb, path)
    return problems


def exercise_violations(nb, path: Path) -> list[str]:
    """Exercises use sphinx-exercise (CONTRIBUTING.md, "Exercises and solutions"): no
    legacy "{admonition} Solution", every {solution} names an {exercise} label of this
    notebook, and the hidden cells of the Exercises section are tagged ``solution``.
    ``tools/upgrade_notebooks.py`` fixes the first and last; this reports them."""
    sys.path.insert(0, str(ROOT / "tools"))
    from upgrade_notebooks import convert

    converted = nbformat.from_dict(json.loads(json.dumps(nb)))
    convert(converted, path)
    problems = []
    for n, (old, new) in enumerate(zip(nb.cells, converted.cells, strict=True)):
        if old.source != new.source and n == 0:
            problems.append(
                "the set-up cell must load TensorFlow with stderr silenced and draw figures "
                f"as PNG and SVG (run .venv/bin/python tools/upgrade_notebooks.py {path})"
            )
        elif old.source != new.source and old.cell_type == "markdown":
            problems.append(
                f"cell {n}: a solution is not in a {{solution}} directive "
                f"(run .venv/bin/python tools/upgrade_notebooks.py {path})"
            )
        elif old.metadata.get("tags") != new.metadata.get("tags"):
            problems.append(
                f"cell {n}: a hidden cell of the Exercises section must be tagged 'solution'"
            )
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    labels = set(re.findall(r"^\s*:label:\s*(\S+)", text, re.M))
    for target in re.findall(r"^\s*[:`]{3,}\{solution\}\s*(\S+)", text, re.M):
        if target not in labels:
            problems.append(f"{{solution}} {target} names no exercise label of this notebook")
    return problems


def apply_policy(nb) -> None:
    """Strip what the policy says is not stored, in place."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        if not is_checked(cell):
            cell.execution_count = None
            cell.outputs = []
            continue
        cell.execution_count = 1
        kept = []
        for out in cell.outputs:
            if out.output_type == "stream" and out.name == "stdout":
                kept.append(out)
            elif out.output_type == "execute_result":
                out.execution_count = 1
                out.data = {k: v for k, v in out.data.items() if k in TEXT_MIMES}
                out.metadata = {}
                kept.append(out)
        cell.outputs = kept


def refresh(path: Path, timeout: int = 600) -> None:
    """Execute ``path`` top to bottom and store it per the policy."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": path.parent}}
    ).execute()
    apply_policy(nb)
    nbformat.write(nb, path)


def notebooks(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for p in map(Path, paths):
        found += sorted(p.rglob("*.ipynb")) if p.is_dir() else [p]
    return [p for p in found if ".ipynb_checkpoints" not in p.parts]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--refresh", action="store_true", help="execute, then strip")
    args = parser.parse_args(argv)
    bad = 0
    for path in notebooks(args.paths):
        if args.refresh:
            print(f"executing {path} ...", flush=True)
            refresh(path)
        for problem in violations(path):
            print(f"{path}: {problem}")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
