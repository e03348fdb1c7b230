"""Run mypy over the source tree as it installs, with ``db/`` and ``printers/`` inside.

``db/`` and ``printers/`` sit at the top of the repository (the design card) and install
as ``sadec_desk.db`` and ``sadec_desk.printers`` through ``package_dir`` in setup.cfg.
The editable install reaches them through an import hook that mypy cannot follow, so a
plain ``mypy sadec_desk/services`` reports every ``sadec_desk.db.*`` import as missing.

This script builds a small tree ``.mypy_cache/linked-tree/sadec_desk/{db,printers}``
(symbolic links to the real folders, or copies where links are not allowed), puts it on
``MYPYPATH`` so that mypy finds those two subpackages next to the real ``sadec_desk``
package, runs mypy with the repository's ``pyproject.toml`` and prints its report with
the tree's paths turned back into ``db/...`` and ``printers/...``. The exit code is mypy's.
Nothing else is needed: it works the same on a fresh clone.

    python -m sadec_desk.tools.typecheck sadec_desk/domain sadec_desk/services
    python -m sadec_desk.tools.typecheck db printers      # the two linked packages too

Arguments are passed to mypy as they are, except paths inside ``db/`` or ``printers/``,
which are pointed into the linked tree so that mypy names their modules
``sadec_desk.db.*`` and ``sadec_desk.printers.*``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
ROOT = PACKAGE.parent
#: the subpackages of sadec_desk that live outside it: name -> real folder
LINKED = {"db": ROOT / "db", "printers": ROOT / "printers"}
#: where the tree is built: inside mypy's cache folder, which mypy keeps out of git
TREE = ROOT / ".mypy_cache" / "linked-tree"


def build_tree(base: Path) -> Path:
    """Make ``base/sadec_desk/<name>`` point at each linked folder; return ``base``.

    The tree stays between runs: mypy's cache remembers the path it read a module from
    and reports that path again for a module it does not re-check, so the path must not
    change from one run to the next.
    """
    package = base / "sadec_desk"
    package.mkdir(parents=True, exist_ok=True)
    for name, real in LINKED.items():
        target = package / name
        if target.is_symlink() and target.resolve() == real.resolve():
            continue
        if target.is_symlink() or target.is_file():
            target.unlink()
        elif target.exists():
            shutil.rmtree(target)  # a copy from an earlier run: take a fresh one
        try:
            target.symlink_to(real, target_is_directory=True)
        except OSError:
            # Windows without the symlink privilege: a copy reads the same to mypy
            shutil.copytree(real, target, ignore=shutil.ignore_patterns("__pycache__"))
    return base


def rewrite_args(args: Sequence[str], base: Path) -> list[str]:
    """Point path arguments inside a linked folder at the linked tree."""
    out: list[str] = []
    for arg in args:
        path = Path(arg)
        if not arg.startswith("-") and path.exists():
            real = path.resolve()
            for name, folder in LINKED.items():
                if real == folder or folder in real.parents:
                    arg = str(base / "sadec_desk" / name / real.relative_to(folder))
                    break
        out.append(arg)
    return out


def shown(path: Path) -> str:
    """``path`` relative to the working directory when it can be, as mypy shows paths."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def map_back(line: str, base: Path) -> str:
    """Turn the linked tree's paths in one line of mypy's report into real ones."""
    for name, real in LINKED.items():
        linked = base / "sadec_desk" / name
        # longest first: the relative spelling is the tail of the absolute one
        for spelling in sorted({str(linked), str(linked.resolve()), shown(linked)},
                               key=len, reverse=True):
            line = line.replace(spelling, shown(real))
    return line


def run(args: Sequence[str]) -> int:
    """Run mypy on ``args`` with the linked tree on its path; return its exit code."""
    base = build_tree(TREE)
    env = dict(os.environ)
    env["MYPYPATH"] = os.pathsep.join(filter(None, [str(base), env.get("MYPYPATH")]))
    # --explicit-package-bases: a file of the linked tree is named from the MYPYPATH entry
    # (sadec_desk.db.models), not from its nearest folder without __init__.py (db.models)
    command = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
               "--explicit-package-bases", *rewrite_args(args, base)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None  # stdout=PIPE
    for line in proc.stdout:
        sys.stdout.write(map_back(line, base))
    return proc.wait()


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print("usage: python -m sadec_desk.tools.typecheck PACKAGE... [MYPY OPTIONS]",
              file=sys.stderr)
        return 2
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
