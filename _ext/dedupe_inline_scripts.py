"""Emit each inline <script> once per page.

Why: Sphinx 7.4 (the series Jupyter Book 1 requires) writes an inline script twice when
an extension adds it after the builder started. `Sphinx.add_js_file(None, body=...)`
stores it in the builder with filename None; before writing, the builder re-adds every
registered script with filename '' and, since None != '', keeps both. sphinx-thebe adds
`const THEBE_JS_URL = ...` that way, so every page threw "SyntaxError: Identifier
'THEBE_JS_URL' has already been declared" (sphinx-togglebutton's selector is repeated
too, harmlessly, as it uses `var`). This drops the repeats before the page is rendered.
"""

from __future__ import annotations

from sphinx.application import Sphinx


def _key(script) -> tuple:
    attributes = getattr(script, "attributes", {})
    return (
        getattr(script, "filename", str(script)) or "",
        tuple(sorted((k, str(v)) for k, v in attributes.items())),
    )


def dedupe(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple] = set()
    unique = []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app: Sphinx) -> dict:
    # Late priority: after sphinx.ext.mathjax and others have added their page scripts.
    app.connect("html-page-context", dedupe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
