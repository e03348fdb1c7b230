"""The views only call services (docs/design.md §2): no ORM, no database, no sync internals,
and signing in loads no heavy report code."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import sadec_desk.views

FORBIDDEN = ("peewee", "playhouse", "sadec_desk.db", "sadec_desk.sync")
#: the one sync module the views may use
ALLOWED = ("sadec_desk.sync.api",)


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            # the full names: "from sadec_desk.sync import api" is sadec_desk.sync.api
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_view_imports_the_orm_or_the_database():
    views = sorted(Path(sadec_desk.views.__file__).parent.rglob("*.py"))
    assert len(views) >= 6  # the check is looking at the real files
    offenders = {
        path.name: sorted(n for n in _imports(path)
                          if any(n == f or n.startswith(f + ".") for f in FORBIDDEN)
                          and not any(n == a or n.startswith(a + ".") for a in ALLOWED))
        for path in views}
    assert {name: found for name, found in offenders.items() if found} == {}
    # and the services they use are there
    assert any(n.startswith("sadec_desk.services") for p in views for n in _imports(p))


def test_the_windows_of_a_sign_in_do_not_load_matplotlib():
    """matplotlib takes seconds to import on a counter PC: only the Reports screen and
    the report exports may load it, never the sign-in (which runs on the Tk thread)."""
    code = ("import sys; import sadec_desk.views.shell, sadec_desk.views.counter.screen, "
            "sadec_desk.views.settings.screen, sadec_desk.views.kiosk.tickets; "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout
    assert out.strip() == "False"

