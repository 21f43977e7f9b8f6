"""Write the student notebook of every chapter: no solutions, plain Markdown (Colab).

Generated from the chapter notebooks by ``_ext/student_notebook.py``, never edited by
hand. ``make student-notebooks`` writes them to ``student/``, which is committed: the
student site's Binder and Colab buttons open ``student/<chapter>.ipynb`` on GitHub, so
run it (and commit the result) after changing a chapter. ``tests/test_editions.py``
fails while a committed copy is out of date. The student site also serves the
notebooks as downloads (``student/<chapter>.ipynb`` on the site).

Usage::

    .venv/bin/python tools/student_notebooks.py           # (re)write student/
    .venv/bin/python tools/student_notebooks.py --check   # exit 1 if student/ is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))

from course_editions import stale_student_notebooks, write_student_notebooks  # noqa: E402
from student_notebook import STUDENT_DIR  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / STUDENT_DIR)
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if --out is out of date"
    )
    args = parser.parse_args(argv)
    if args.check:
        problems = stale_student_notebooks(ROOT, args.out)
        for line in problems:
            print(line)
        if problems:
            print("run `make student-notebooks` and commit student/")
        return 1 if problems else 0
    written = write_student_notebooks(ROOT, args.out)
    for path in written:
        print(path)
    for path in set(args.out.glob("*.ipynb")) - set(written):  # a chapter renamed or removed
        path.unlink()
        print(f"removed {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
