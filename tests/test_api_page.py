"""The API reference page documents every public dlcore module."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_public_module_has_an_automodule_entry():
    modules = {
        p.stem for p in (ROOT / "src" / "dlcore").glob("*.py") if not p.stem.startswith("_")
    }
    page = (ROOT / "chapters" / "reference" / "dlcore_api.md").read_text()
    listed = set(re.findall(r"automodule:: dlcore\.(\w+)", page))
    assert modules - listed == set(), f"not on the API page: {sorted(modules - listed)}"
    assert listed - modules == set(), (
        f"on the API page but not in dlcore: {sorted(listed - modules)}"
    )
