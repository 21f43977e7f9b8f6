"""Re-check every chapter's conclusions at a larger budget and with new seeds.

Usage: python .ci/robustness.py [--report FILE] [notebook ...]

Executes each chapter of the TOC (or the notebooks named) once per setting in
``dlcore.experiment.ROBUSTNESS_RUNS`` (today: budget 2 with seed offsets 1000 and
2000), with ``DLCORE_BUDGET`` and ``DLCORE_SEED_OFFSET`` set for the kernel. Stored
outputs are not compared and pinned numbers skip themselves (``experiment.pinned``);
every ``experiment.conclusion`` is checked. A cell that fails is reported with its
index, first line and error, and execution continues with the next cell, so one run
lists every failing conclusion. Exits non-zero if any cell failed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import nbformat
import yaml
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from dlcore.experiment import BUDGET_VAR, ROBUSTNESS_RUNS, SEED_OFFSET_VAR

ROOT = Path(__file__).resolve().parents[1]


def toc_chapters() -> list[Path]:
    """The notebooks of the TOC's "Chapters" part, in order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [
        ch["file"]
        for part in toc.get("parts", [])
        if part.get("caption") == "Chapters"
        for ch in part.get("chapters", [])
    ]
    return [ROOT / f"{f}.ipynb" for f in files if (ROOT / f"{f}.ipynb").exists()]


def execute(path: Path, env: dict[str, str]) -> tuple[float, list[dict]]:
    """Run every cell of ``path`` under ``env``; return wall seconds and the failures."""
    nb = nbformat.read(path, as_version=4)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    failures: list[dict] = []
    client = NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": path.parent}}
    )
    start = time.perf_counter()
    try:
        with client.setup_kernel():
            for index, cell in enumerate(nb.cells):
                try:
                    client.execute_cell(cell, index)
                except CellExecutionError as exc:
                    first = next((ln for ln in cell.source.splitlines() if ln.strip()), "")
                    failures.append(
                        {
                            "cell": index,
                            "first_line": first[:100],
                            "error": f"{exc.ename}: {exc.evalue}"[:600],
                        }
                    )
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return time.perf_counter() - start, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--report", type=Path, default=ROOT / "_build" / "robustness.json")
    args = parser.parse_args()
    paths = args.paths or toc_chapters()
    results, failed = [], 0
    total = time.perf_counter()
    print("| notebook | budget | seed offset | wall s | failed cells |\n|---|---:|---:|---:|---:|")
    for path in paths:
        for budget, offset in ROBUSTNESS_RUNS:
            env = {
                BUDGET_VAR: f"{budget:g}",
                SEED_OFFSET_VAR: str(offset),
                "TF_CPP_MIN_LOG_LEVEL": "3",  # keep the report readable
            }
            wall, failures = execute(path, env)
            rel = str(path.resolve().relative_to(ROOT))
            print(f"| {rel} | {budget:g} | {offset} | {wall:.1f} | {len(failures)} |", flush=True)
            for f in failures:
                print(f"    cell {f['cell']} ({f['first_line']}): {f['error']}", flush=True)
            failed += len(failures)
            results.append(
                {
                    "notebook": rel,
                    "budget": budget,
                    "seed_offset": offset,
                    "wall_s": wall,
                    "failures": failures,
                }
            )
    elapsed = time.perf_counter() - total
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps({"total_s": elapsed, "runs": results}, indent=1))
    print(f"robustness: {len(results)} runs, {failed} failed cells, {elapsed:.0f} s in all")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
