"""Serve MathJax 3 from the site itself, so the book reads offline.

Sphinx loads MathJax from a CDN by default. `_config.yml` points `mathjax_path` at
`_static/mathjax/tex-mml-chtml.js` instead, and this extension copies that bundle,
with the fonts and the components it loads on demand (TeX extensions, menu,
accessibility), from the `django-static-mathjax` package (MathJax 3 on PyPI; see
requirements.txt) into the built site. Nothing is committed to the repository.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

ENTRY = "tex-mml-chtml.js"
# The entry bundle loads these folders lazily (relative to its own URL): TeX/MathML
# extensions, CHTML fonts, the SVG renderer the menu can switch to, the menu and the
# accessibility tools. The other top-level bundles are alternatives and are not copied.
LAZY_DIRS = ("input", "output", "ui", "a11y", "sre")
TARGET = Path("_static") / "mathjax"


def mathjax_source() -> Path:
    """The `es5` folder of the installed MathJax 3 distribution."""
    try:
        root = Path(str(resources.files("mathjax"))) / "static" / "mathjax"
    except ModuleNotFoundError:
        root = None
    if root is None or not (root / "es5" / ENTRY).is_file():
        raise ExtensionError(
            "local MathJax not found: install it with `pip install django-static-mathjax` "
            "(listed in requirements.txt)"
        )
    return root / "es5"


def copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    """After an HTML build, put the MathJax files under `_static/mathjax/`."""
    if exception is not None or app.builder.format != "html":
        return
    source = mathjax_source()
    target = Path(app.outdir) / TARGET
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / ENTRY, target / ENTRY)
    shutil.copy2(source.parent / "LICENSE", target / "LICENSE")
    for name in LAZY_DIRS:
        shutil.copytree(source / name, target / name, dirs_exist_ok=True)


def check_path(app: Sphinx, config) -> None:
    """Refuse a `mathjax_path` that would leave the site (an URL) or miss the copy."""
    expected = f"{TARGET.name}/{ENTRY}"
    if config.mathjax_path != expected:
        raise ExtensionError(
            f"local_mathjax: set sphinx.config.mathjax_path to {expected!r} in _config.yml "
            f"(got {config.mathjax_path!r}); the site must not load MathJax from a CDN"
        )
    mathjax_source()


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", check_path)
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
