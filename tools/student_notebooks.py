"""Write the student notebook of every chapter: no solutions, plain Markdown (Colab).

Generated from the chapter notebooks by ``_ext/student_notebook.py``, never edited by
hand. ``make student-notebooks`` writes them to ``_build/student-notebooks/``; the
student site also serves them as ``student/<chapter>.ipynb`` (linked from each chapter).

Usage::

    .venv/bin/python tools/student_notebooks.py [--out _build/student-notebooks]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))

from course_editions import write_student_notebooks  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "student-notebooks")
    args = parser.parse_args(argv)
    for path in write_student_notebooks(ROOT, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
