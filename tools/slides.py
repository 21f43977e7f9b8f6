"""Write one reveal.js deck per chapter into the built site (``slides/<chapter>.html``).

The book build does this itself at its end (``_ext/course_editions.py``), so each chapter
page links its deck; ``make slides`` reruns only this step on the site `make book` left
(from the outputs in the build's execution cache; nothing is executed).

Usage::

    .venv/bin/python tools/slides.py [--site _build/html] [--cache _build/.jupyter_cache]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))

from course_editions import chapter_notebooks, executed_notebook  # noqa: E402
from slides import write_decks  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--cache", type=Path, default=ROOT / "_build" / ".jupyter_cache")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        print(f"no built site at {args.site}: run `make book` first", file=sys.stderr)
        return 1
    names = [p.relative_to(ROOT).with_suffix("").as_posix() for p in chapter_notebooks(ROOT)]
    notebooks = {name: executed_notebook(ROOT, name, args.cache) for name in names}
    stale = [name for name, nb in notebooks.items() if nb is None]
    if stale:
        print(f"not executed since they changed (run `make book`): {stale}", file=sys.stderr)
        return 1
    for docname, n in write_decks(notebooks, args.site).items():
        print(f"{args.site / 'slides' / Path(docname).name}.html: {n} slides")
    return 0


if __name__ == "__main__":
    sys.exit(main())
