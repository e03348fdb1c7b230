"""The dependency rules of docs/architecture.md, enforced on the real sources.

Each rule is checked over the import graph read by :mod:`importgraph` (imports inside
functions count, ``TYPE_CHECKING`` blocks do not). A failure names the offending
modules, so whoever breaks a rule learns where, and the map says where the code goes.
"""

from __future__ import annotations

import pytest
from importgraph import STDLIB, Module, cycles, read_graph

MAX_LINES = 600

#: the layer of a module: the first prefix that matches, most specific first
LAYERS = (
    ("sadec_desk.__main__", "cli"),
    ("sadec_desk.cli", "cli"),
    ("sadec_desk.tools", "tools"),
    ("sadec_desk.app", "app"),
    ("sadec_desk.bootstrap", "bootstrap"),
    ("sadec_desk.views", "views"),
    ("sadec_desk.sync.api", "sync.api"),
    ("sadec_desk.sync", "sync"),
    ("sadec_desk.services", "services"),
    ("sadec_desk.adapters", "adapters"),
    ("sadec_desk.printers", "printers"),
    ("sadec_desk.db", "db"),
    ("sadec_desk.domain", "domain"),
    ("sadec_desk.config", "config"),
    ("sadec_desk.files", "files"),
    ("sadec_desk.errors", "kernel"),
    ("sadec_desk.i18n", "kernel"),
    ("sadec_desk", "kernel"),
)

BASE = {"kernel"}
#: which layers each layer may import (its own layer is always allowed)
ALLOWED = {
    "kernel": BASE,
    "files": BASE,
    "config": BASE | {"files"},
    "domain": BASE,
    "db": BASE | {"files"},
    "printers": BASE | {"files"},
    "adapters": BASE | {"files"},
    "services": BASE | {"files", "config", "domain", "db", "printers", "adapters"},
    "bootstrap": BASE | {"files", "config", "domain", "db", "services"},
    "sync": BASE | {"files", "config", "domain", "db", "services", "bootstrap", "sync.api"},
    "sync.api": BASE | {"files", "config", "domain", "db", "services", "sync"},
    "views": BASE | {"services", "sync.api"},
    # the desktop app is the GUI's composition root: it wires the edges (speech, the sync
    # worker) to the views, as the CLI does for the commands
    "app": BASE | {"files", "config", "services", "bootstrap", "adapters", "sync", "sync.api",
                   "views"},
    "cli": BASE | {"files", "config", "domain", "db", "printers", "adapters", "services",
                   "bootstrap", "sync", "sync.api", "app", "views"},
    "tools": BASE | {"files", "config", "domain", "db", "printers", "adapters", "services",
                     "bootstrap", "sync", "sync.api", "app", "views", "cli"},
}
#: outside packages a layer must never import, whatever it is allowed inside
FORBIDDEN_EXTERNAL = {
    "views": {"peewee", "playhouse"},
}
#: the domain is pure: the standard library, and the holiday tables
DOMAIN_EXTERNAL = STDLIB | {"holidays"}


def layer_of(name: str) -> str:
    for prefix, layer in LAYERS:
        if name == prefix or name.startswith(prefix + "."):
            return layer
    raise AssertionError(f"{name} belongs to no layer: add it to LAYERS")


@pytest.fixture(scope="module")
def graph() -> dict[str, Module]:
    found = read_graph()
    assert len(found) > 100 and "sadec_desk.domain.calendar" in found  # the real tree
    return found


def test_every_module_belongs_to_a_layer(graph):
    assert {name: layer_of(name) for name in graph}  # raises for a stray module


def test_each_layer_imports_only_what_it_may(graph):
    broken = sorted(
        f"{name} ({layer_of(name)}) imports {target} ({layer_of(target)})"
        for name, module in graph.items() for target in module.imports
        if layer_of(target) != layer_of(name)
        and layer_of(target) not in ALLOWED[layer_of(name)])
    assert broken == []


def test_the_domain_imports_only_the_standard_library_and_holidays(graph):
    broken = sorted(f"{name} imports {package}"
                    for name, module in graph.items() if layer_of(name) == "domain"
                    for package in module.external - DOMAIN_EXTERNAL)
    assert broken == []


def test_views_never_import_the_orm(graph):
    broken = sorted(f"{name} imports {package}"
                    for name, module in graph.items()
                    for package in module.external
                    & FORBIDDEN_EXTERNAL.get(layer_of(name), set()))
    assert broken == []


def test_nothing_imports_the_command_line_but_the_command_line(graph):
    broken = sorted(f"{name} imports {target}"
                    for name, module in graph.items() for target in module.imports
                    if layer_of(target) == "cli" and layer_of(name) not in ("cli", "tools"))
    assert broken == []


def test_the_command_line_reaches_sync_only_through_its_api(graph):
    """The CLI uses sync.api like the views; the reference portal server is a program of
    its own that ``sadec-desk portal`` runs, so sync.portal is the one other door."""
    doors = ("sadec_desk.sync.api", "sadec_desk.sync.portal")
    broken = sorted(f"{name} imports {target}"
                    for name, module in graph.items() if layer_of(name) == "cli"
                    for target in module.imports
                    if target.startswith("sadec_desk.sync")
                    and not any(target == d or target.startswith(d + ".") for d in doors))
    assert broken == []


def test_no_module_imports_another_modules_private_name(graph):
    broken = sorted(f"{name} uses {target}.{private}"
                    for name, module in graph.items() for target, private in module.private)
    assert broken == []


def test_there_is_no_import_cycle(graph):
    assert cycles(graph) == []


def test_no_source_file_is_over_600_lines(graph):
    long = sorted(f"{module.path.relative_to(module.path.parents[2])}: {module.lines}"
                  for module in graph.values() if module.lines > MAX_LINES)
    assert long == []


def test_the_checker_sees_what_it_must():
    """The rules above would pass on an empty graph: show that the reader finds a
    function-level import, skips TYPE_CHECKING, and catches a private name and a cycle."""
    import importgraph

    source_a = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                "    from sadec_desk.views import hidden\n"
                "def f():\n    from sadec_desk.b import _secret\n    return _secret\n")
    source_b = "import sadec_desk.a as a\nx = a._other\n"
    files = {"sadec_desk.a": source_a, "sadec_desk.b": source_b, "sadec_desk.views.hidden": ""}
    found = importgraph.graph_of_sources(files)
    assert found["sadec_desk.a"].imports == {"sadec_desk.b"}
    assert found["sadec_desk.a"].private == {("sadec_desk.b", "_secret")}
    assert found["sadec_desk.b"].private == {("sadec_desk.a", "_other")}
    assert cycles(found) == [["sadec_desk.a", "sadec_desk.b"]]
