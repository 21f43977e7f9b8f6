"""Execute every notebook from scratch and print wall and CPU seconds per notebook.

Usage: python .ci/time_notebooks.py [--budget 60] chapters

CPU seconds are the kernel process's user+system time (TensorFlow's worker threads
included), so they stay meaningful on a loaded machine; wall seconds are what a
student waits. Exits non-zero if any notebook exceeds the wall-clock budget.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient


def run(path: Path) -> tuple[float, float]:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": path.parent}}
    )
    start = time.perf_counter()
    with client.setup_kernel():
        pid = client.km.provisioner.process.pid
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        times = psutil.Process(pid).cpu_times()
        cpu = times.user + times.system + times.children_user + times.children_system
    return time.perf_counter() - start, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--budget", type=float, default=60.0, help="wall seconds per notebook")
    args = parser.parse_args()
    paths: list[Path] = []
    for p in map(Path, args.paths):
        paths += sorted(p.rglob("*.ipynb")) if p.is_dir() else [p]
    paths = [p for p in paths if ".ipynb_checkpoints" not in p.parts]
    print("| notebook | wall s | CPU s |\n|---|---:|---:|")
    over = []
    for path in paths:
        wall, cpu = run(path)
        print(f"| {path} | {wall:.1f} | {cpu:.1f} |", flush=True)
        if wall > args.budget:
            over.append(path)
    if over:
        print(f"over the {args.budget:.0f} s budget: {', '.join(map(str, over))}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
