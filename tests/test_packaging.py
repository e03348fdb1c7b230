"""The distribution installs non-editably, with db/ and printers/ under sadec_desk.

docs/design.md §2: a non-editable ``pip install .`` in a fresh virtual environment must work,
and nothing installs a top-level package called ``db`` or ``printers``.

The fresh venvs are made ``--without-pip`` and filled by this venv's pip through
``pip --python`` (pip >= 22.3), which saves the seconds ensurepip takes per venv; what is
installed and where is exactly what the venv's own pip would do.
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
# Never part of a build: local environments, caches and stale build output (a leftover
# build/lib would otherwise leak deleted modules into the wheel).
IGNORED = shutil.ignore_patterns(
    ".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", "*.pyc",
    ".pytest_cache", ".ruff_cache", ".hypothesis", "bench",
)
PIP_ENV = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")


def run(*args: str | Path, timeout: float) -> subprocess.CompletedProcess[str]:
    # cwd=/: never the repo root, where the source dirs db/ and sadec_desk/ would shadow
    # what was installed.
    done = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=timeout,
        env=PIP_ENV, cwd="/", check=False,
    )
    assert done.returncode == 0, (
        f"{' '.join(map(str, args))} failed ({done.returncode}):\n"
        f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    )
    return done


def _pip_has_python_option() -> bool:
    import pip

    return tuple(int(n) for n in pip.__version__.split(".")[:2]) >= (22, 3)


OWN_PIP = _pip_has_python_option()


def fresh_venv(path: Path) -> Path:
    if OWN_PIP:
        run(sys.executable, "-m", "venv", "--without-pip", path, timeout=60)
    else:  # old pip: the fresh venv brings its own
        run(sys.executable, "-m", "venv", path, timeout=120)
    return path / "bin" / "python"


def site_packages(python: Path) -> Path:
    out = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
              timeout=30)
    return Path(out.stdout.strip())


def pip_into(python: Path, *args: str | Path, timeout: float) -> None:
    if OWN_PIP:
        run(sys.executable, "-m", "pip", "--python", python, "install", "-q", *args,
            timeout=timeout)
    else:
        run(python, "-m", "pip", "install", "-q", *args, timeout=timeout)


@pytest.fixture(scope="module")
def source_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("src") / "sadec-desk"
    shutil.copytree(REPO, src, ignore=IGNORED)
    return src


@pytest.fixture(scope="module")
def wheel(source_tree: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheelhouse")
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", out, source_tree,
        timeout=240)
    wheels = list(out.glob("sadec_desk-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_wheel_installs_db_and_printers_under_sadec_desk(wheel: Path, tmp_path: Path) -> None:
    python = fresh_venv(tmp_path / "venv")
    pip_into(python, "--no-deps", wheel, timeout=120)
    site = site_packages(python)

    # (a) the subpackages and the seed data sit inside sadec_desk/
    pkg = site / "sadec_desk"
    assert (pkg / "__init__.py").is_file()
    assert (pkg / "db" / "__init__.py").is_file()
    assert (pkg / "printers" / "__init__.py").is_file()
    assert (pkg / "db" / "seed" / "procedures.json").is_file()
    for sub in ("domain", "services", "views", "sync"):
        assert (pkg / sub / "__init__.py").is_file(), sub

    # (b) nothing top-level called db or printers
    top_level = {p.name for p in site.iterdir()}
    for name in ("db", "printers", "db.py", "printers.py"):
        assert name not in top_level, f"top-level {name} installed into site-packages"
    assert not any(n.startswith(("db.", "printers.")) for n in top_level), top_level

    dist_infos = list(site.glob("sadec_desk-*.dist-info"))
    assert len(dist_infos) == 1, dist_infos
    dist_info = dist_infos[0]

    # (c) RECORD agrees: every installed file is under sadec_desk/, its dist-info, or bin/
    record_paths = [line.split(",")[0] for line in
                    (dist_info / "RECORD").read_text(encoding="utf-8").splitlines() if line]
    tops = {p.split("/")[0] for p in record_paths}
    assert "db" not in tops and "printers" not in tops, sorted(tops)
    assert "sadec_desk/db/seed/procedures.json" in record_paths
    assert tops <= {"sadec_desk", dist_info.name, "..", "__pycache__"}, sorted(tops)

    top_level_txt = dist_info / "top_level.txt"
    if top_level_txt.exists():
        assert top_level_txt.read_text().split() == ["sadec_desk"]

    # (d) the console script is declared
    entry_points = configparser.ConfigParser()
    entry_points.read(dist_info / "entry_points.txt", encoding="utf-8")
    assert entry_points["console_scripts"]["sadec-desk"].strip() == "sadec_desk.cli:main"
    assert (python.parent / "sadec-desk").is_file()


def test_pip_install_dot_with_dependencies_in_fresh_venv(
    source_tree: Path, tmp_path: Path
) -> None:
    """The real thing: ``pip install .`` with every dependency, then the imports work."""
    python = fresh_venv(tmp_path / "venv")
    pip_into(python, source_tree, timeout=300)
    run(python, "-c",
        "import sadec_desk, sadec_desk.db, sadec_desk.printers\n"
        "from pathlib import Path\n"
        "import sys\n"
        "pkg = Path(sadec_desk.__file__).parent\n"
        "assert 'site-packages' in str(pkg), pkg\n"
        "assert (pkg / 'db' / 'seed' / 'procedures.json').is_file()\n"
        "try:\n"
        "    import db\n"
        "except ImportError:\n"
        "    pass\n"
        "else:\n"
        "    sys.exit('a top-level db module is importable: ' + db.__file__)\n",
        timeout=60)
    # the console script is generated and importable as far as its module exists
    script = python.parent / "sadec-desk"
    assert script.is_file()
    if (source_tree / "sadec_desk" / "cli.py").exists():
        run(python, "-c", "import sadec_desk.cli", timeout=60)


def test_wheel_holds_the_data_files_and_nothing_of_the_repository(wheel: Path) -> None:
    """Issue #19 item 6: the compiled catalogues, the seed, the slip layouts and the shipped
    fonts (with their licence) are in the wheel; tests, bench and packaging are not."""
    import zipfile

    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    mo_sources = sorted((REPO / "sadec_desk" / "locale").glob("*/LC_MESSAGES/*.mo"))
    assert mo_sources, "no compiled catalogue in the source tree"
    for mo in mo_sources:
        assert f"sadec_desk/{mo.relative_to(REPO / 'sadec_desk').as_posix()}" in names, mo
    assert not [n for n in names if n.endswith((".po", ".pot"))]
    for seed in (REPO / "db" / "seed").iterdir():
        assert f"sadec_desk/db/seed/{seed.name}" in names, seed
    for layout in (REPO / "printers" / "layouts").glob("*.toml"):
        assert f"sadec_desk/printers/layouts/{layout.name}" in names, layout
    for font in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "LICENSE-DejaVu.txt"):
        assert f"sadec_desk/printers/font_files/{font}" in names, font
    tops = {n.split("/")[0] for n in names}
    assert tops == {"sadec_desk", "sadec_desk-0.1.0.dist-info"}, sorted(tops)
    assert not [n for n in names if "/tests/" in n or n.startswith(("tests/", "bench/"))]
    # every module of the source tree is there (nothing lost by the package list)
    for source_dir, installed in (("sadec_desk", "sadec_desk"), ("db", "sadec_desk/db"),
                                  ("printers", "sadec_desk/printers")):
        for module in (REPO / source_dir).rglob("*.py"):
            if "__pycache__" in module.parts:
                continue
            name = f"{installed}/{module.relative_to(REPO / source_dir).as_posix()}"
            assert name in names, name
    with zipfile.ZipFile(wheel) as archive:
        entry_points = archive.read("sadec_desk-0.1.0.dist-info/entry_points.txt").decode()
        metadata = archive.read("sadec_desk-0.1.0.dist-info/METADATA").decode()
    assert "sadec-desk-gui = sadec_desk.cli.windowed:main" in entry_points
    assert "Requires-Dist: tzdata" in metadata
    assert 'Requires-Dist: pywin32>=306; sys_platform == "win32"' in metadata


def test_wheel_builds_without_setuptools_warnings(source_tree: Path, tmp_path: Path) -> None:
    """The data folders are declared: setuptools has nothing to warn about."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "-w", str(tmp_path),
         str(source_tree)], capture_output=True, text=True, timeout=240, env=PIP_ENV,
        cwd="/", check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    said = done.stdout + done.stderr
    warnings = [line.strip() for line in said.splitlines()
                if ("Warning" in line or "warning:" in line.lower())
                and "byte-compiling is disabled" not in line
                and "Location 'file:" not in line]
    assert not warnings, "\n".join(warnings)
