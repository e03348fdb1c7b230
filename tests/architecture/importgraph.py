"""The import graph of the installed sources, read with ``ast`` (nothing is imported).

Every ``import`` counts wherever it stands (module level or inside a function); an import
inside an ``if TYPE_CHECKING:`` block does not, since it never runs. ``db/`` and
``printers/`` are read as ``sadec_desk.db`` and ``sadec_desk.printers``, the names they
install under.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = {"sadec_desk": ROOT / "sadec_desk", "sadec_desk.db": ROOT / "db",
           "sadec_desk.printers": ROOT / "printers"}
STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}


@dataclass
class Module:
    name: str
    path: Path
    is_package: bool
    #: internal modules imported (resolved to the deepest module that exists)
    imports: set[str] = field(default_factory=set)
    #: top-level names of outside packages imported (stdlib included)
    external: set[str] = field(default_factory=set)
    #: (module, name) for every ``_private`` name taken from another internal module
    private: set[tuple[str, str]] = field(default_factory=set)
    lines: int = 0


def module_files() -> dict[str, tuple[Path, bool]]:
    found: dict[str, tuple[Path, bool]] = {}
    for top, base in SOURCES.items():
        for path in sorted(base.rglob("*.py")):
            parts = list(path.relative_to(base).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts = parts[:-1]
            if top == "sadec_desk" and parts and parts[0] in ("db", "printers"):
                continue
            found[".".join([top, *parts])] = (path, is_package)
    return found


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                skipped.update(id(sub) for sub in ast.walk(child))
    return skipped


def _is_private(name: str) -> bool:
    # '_' is gettext's translation function (a convention, not a private name); dunders
    # such as __version__ are public by Python's own convention
    return name.startswith("_") and name != "_" and not name.startswith("__")


def read_graph() -> dict[str, Module]:
    files = module_files()
    graph = {}
    for name, (path, is_package) in files.items():
        text = path.read_text(encoding="utf-8")
        graph[name] = _read_module(name, path, is_package, text, files)
    return graph


def graph_of_sources(sources: dict[str, str]) -> dict[str, Module]:
    """The same reading over sources given as text (to test the reader itself)."""
    files = {name: (Path(name), False) for name in sources}
    return {name: _read_module(name, Path(name), False, text, files)
            for name, text in sources.items()}


def _read_module(name: str, path: Path, is_package: bool, text: str, files) -> Module:
    tree = ast.parse(text, filename=str(path))
    module = Module(name, path, is_package, lines=text.count("\n"))
    skipped = _type_checking_nodes(tree)
    aliases: dict[str, str] = {}  # local name -> internal module it is bound to
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                _add(module, files, alias.name)
                if alias.name in files and alias.asname:
                    aliases[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(name, is_package, node.module, node.level)
            if not target.startswith("sadec_desk"):
                module.external.add(target.split(".")[0])
                continue
            for alias in node.names:
                full = f"{target}.{alias.name}"
                if full in files:
                    module.imports.add(full)
                    aliases[alias.asname or alias.name] = full
                else:
                    _add(module, files, target)
                    if _is_private(alias.name) and target != name:
                        module.private.add((target, alias.name))
    # module._private attribute reads, through a name bound to an internal module
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in aliases and _is_private(node.attr)
                and aliases[node.value.id] != name):
            module.private.add((aliases[node.value.id], node.attr))
    module.imports.discard(name)
    return module


def _resolve(current: str, is_package: bool, module: str | None, level: int) -> str:
    if level == 0:
        return module or ""
    base = current.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def _add(module: Module, files: dict, dotted: str) -> None:
    if not dotted.startswith("sadec_desk"):
        module.external.add(dotted.split(".")[0])
        return
    parts = dotted.split(".")
    while parts and ".".join(parts) not in files:
        parts.pop()
    if parts:
        module.imports.add(".".join(parts))


def cycles(graph: dict[str, Module]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root].imports)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child].imports))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found
