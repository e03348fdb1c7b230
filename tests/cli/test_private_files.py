"""Files at rest (#14 item 9), as a careless operator leaves the machine: a process umask of
022, a real ``sadec-desk`` process per command. Nothing the app writes — the database and
its -wal/-shm, the backup and its manifest, the anchors, the key file, the log, the XLSX
export, the config — may be readable by the group or others; ``config show`` never prints
a password from a URL."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest
from appfixtures import AGENCY, SAMPLE_QR

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX modes")


def _run(env, *argv) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sadec_desk", *argv], env=env,
                          capture_output=True, text=True, timeout=120,
                          preexec_fn=lambda: os.umask(0o022), check=False)


@pytest.fixture
def env(tmp_path):
    return {**os.environ, "SADEC_DESK_CONFIG": str(tmp_path / "conf" / "config.toml"),
            "SADEC_DESK_DATA_DIR": str(tmp_path / "data")}


def test_nothing_the_app_writes_is_readable_by_others(tmp_path, env):
    steps = [
        ("config", "set", "office.agency_code", f'"{AGENCY}"'),
        ("dossier", "receive", "--procedure", "1.004873", "--qr", SAMPLE_QR),
        ("backup", "create"),
        ("report", "export", "--from", "2026-01-01", "--to", "2027-12-31", "--format", "xlsx",
         "--out", str(tmp_path / "data" / "book.xlsx")),
    ]
    for argv in steps:
        result = _run(env, *argv)
        assert result.returncode == 0, (argv, result.stderr)
    seen = set()
    for root in (tmp_path / "data", tmp_path / "conf"):
        for path in [root, *root.rglob("*")]:
            mode = path.lstat().st_mode
            assert not mode & 0o077, f"{path} is {stat.filemode(mode)}"
            seen.add(path.name)
    key_file = tmp_path / "data.secrets.json"
    assert key_file.stat().st_mode & 0o777 == 0o600
    # the places the issue names were all there to be checked
    assert {"sadec_desk.sqlite3", "config.toml", "sadec-desk.log", "book.xlsx",
            "anchors.jsonl", "head.json", "issued.json"} <= seen
    assert any(n.endswith(".sqlite3.json") for n in seen)  # a backup manifest


def test_an_existing_open_database_is_tightened_when_opened(tmp_path, env):
    assert _run(env, "config", "set", "office.agency_code", f'"{AGENCY}"').returncode == 0
    assert _run(env, "dossier", "list").returncode == 0
    database = tmp_path / "data" / "sadec_desk.sqlite3"
    os.chmod(database, 0o644)  # as an older version left it
    os.chmod(tmp_path / "data", 0o755)
    assert _run(env, "dossier", "list").returncode == 0
    assert database.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "data").stat().st_mode & 0o777 == 0o700


def test_config_show_masks_a_password_in_a_url(env):
    url = "postgresql://sadec:Mật-khẩu@p@ss@db.xa.local:5432/sadec"
    assert _run(env, "config", "set", "database.url", json.dumps(url)).returncode == 0
    for argv in (("config", "show"), ("config", "show", "--json")):
        result = _run(env, *argv)
        assert result.returncode == 0, result.stderr
        assert "p@ss" not in result.stdout and "Mật-khẩu" not in result.stdout
        assert "postgresql://sadec:***@db.xa.local:5432/sadec" in result.stdout


def test_the_gui_entry_sets_the_private_umask(monkeypatch):
    import sadec_desk.app as app

    calls = []
    monkeypatch.setattr("sadec_desk.files.set_private_umask", lambda: calls.append(1))
    monkeypatch.setattr(app, "create_root", lambda: (_ for _ in ()).throw(RuntimeError("stop")))
    with pytest.raises(RuntimeError):
        app.run_app()
    assert calls == [1]
