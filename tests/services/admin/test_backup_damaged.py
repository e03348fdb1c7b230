"""Restore on a broken database (issue #14, Required 7): the live file is never read, the
damaged file is moved aside (kept, named as damaged and when) and the good backup put in
place; ``backup list``/``verify`` read only the backup folder. Files are damaged for real:
the SQLite header overwritten, or bytes of the dossier table's page overwritten."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from appfixtures import SAMPLE_QR, Clock, make_ctx

from sadec_desk.cli import main
from sadec_desk.config import load_config
from sadec_desk.db.models import Dossier
from sadec_desk.services import audit
from sadec_desk.services.admin import backup
from sadec_desk.services.admin.backup import BackupError
from sadec_desk.services.reception import dossiers


def _receive(ctx, n=1):
    return [dossiers.receive_dossier(ctx, procedure_code="2.000815", qr_text=SAMPLE_QR,
                                     pages=1).code for _ in range(n)]


def _sha(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _checkpoint(path: Path) -> None:
    """Every committed page in the main file, no -wal left to mask the damage."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    assert not path.with_name(path.name + "-wal").exists()


def damage_header(path: Path) -> None:
    _checkpoint(path)
    with open(path, "r+b") as f:
        f.write(b"\xa5" * 100)  # the whole 100-byte header, magic string included


def damage_dossier_page(path: Path) -> None:
    _checkpoint(path)
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE type = 'table' "
                        "AND name = 'dossier'").fetchone()[0]
    conn.close()
    assert root > 1
    with open(path, "r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(b"\xff" * 64)  # the b-tree page header and the first cell pointers


DAMAGES = {"header": damage_header, "table page": damage_dossier_page}


def _office_with_backup(clock):
    """Two dossiers in a verified backup, one more received after it: (ctx, backup, codes)."""
    ctx = make_ctx(clock)
    first = _receive(ctx, 2)
    saved = backup.create_backup(ctx)
    clock.moment += timedelta(minutes=10)
    _receive(ctx, 1)
    return ctx, saved, first


def _live() -> Path:
    return load_config().sqlite_path


def _backup_untouched(saved) -> None:
    """Nothing lost of the good backup: same bytes as its manifest says, still verified."""
    assert _sha(saved.path) == saved.sha256
    manifest = json.loads(Path(saved.path + ".json").read_text(encoding="utf-8"))
    assert manifest["sha256"] == saved.sha256


@pytest.mark.parametrize("kind", DAMAGES)
def test_service_restore_moves_the_damaged_file_aside(kind):
    clock = Clock()
    ctx, saved, first = _office_with_backup(clock)
    ctx.close()
    live = _live()
    DAMAGES[kind](live)
    damaged_sha = _sha(live)
    assert backup.live_database_damage(ctx)
    clock.moment += timedelta(minutes=5)
    result = backup.restore_backup(ctx, saved.name)
    # the damaged file is kept, byte for byte, beside the live one, named as damaged and when
    assert result.aside is None and result.damage
    moved = Path(result.damaged)
    assert moved.parent == live.parent
    assert moved.name == "sadec_desk.damaged-20261126-091500.sqlite3"
    assert _sha(moved) == damaged_sha
    # the backup's data is in place and the app goes on
    assert sorted(d.code for d in Dossier.select()) == sorted(first)
    assert backup.live_database_damage(ctx) == ()
    assert audit.verify_chain(ctx).ok
    # 0003 was issued after the backup, before the damage: never issued again (#18)
    assert _receive(ctx)[0].endswith("0004")
    _backup_untouched(saved)
    assert backup.verify_backup(ctx, saved.name).ok
    # no copy of the damaged file pretends to be a backup; nothing half-written is left
    assert [b.name for b in backup.list_backups(ctx)] == [saved.name]
    assert not list(live.parent.glob("*.restoring"))
    ctx.close()


def test_a_healthy_database_still_gets_its_safety_backup_first():
    clock = Clock()
    ctx, saved, first = _office_with_backup(clock)
    assert backup.live_database_damage(ctx) == ()
    result = backup.restore_backup(ctx, saved.name)
    assert result.aside is not None and result.aside.name.startswith("before-restore-")
    assert result.damaged == "" and result.damage == ()
    assert not list(_live().parent.glob("*.damaged-*"))
    assert sorted(d.code for d in Dossier.select()) == sorted(first)
    ctx.close()


def test_the_wal_of_a_damaged_file_goes_aside_with_it_and_is_not_replayed():
    clock = Clock()
    ctx, saved, first = _office_with_backup(clock)
    ctx.close()
    live = _live()
    damage_header(live)
    wal = live.with_name(live.name + "-wal")
    wal.write_bytes(b"not a wal, but it belongs to the damaged file" * 50)
    result = backup.restore_backup(ctx, saved.name)
    moved = Path(result.damaged)
    assert moved.with_name(moved.name + "-wal").read_bytes().startswith(b"not a wal")
    assert sorted(d.code for d in Dossier.select()) == sorted(first)
    assert backup.live_database_damage(ctx) == ()
    ctx.close()


def test_two_restores_in_the_same_second_keep_both_damaged_files():
    clock = Clock()
    ctx, saved, _ = _office_with_backup(clock)
    ctx.close()
    live = _live()
    names = []
    for _ in range(2):
        damage_dossier_page(live)
        names.append(backup.restore_backup(ctx, saved.name).damaged)
        ctx.close()
    assert len(set(names)) == 2 and all(Path(n).is_file() for n in names)
    assert Path(names[1]).name.endswith("-2.sqlite3")


def test_a_missing_database_is_simply_put_back():
    clock = Clock()
    ctx, saved, first = _office_with_backup(clock)
    ctx.close()
    live = _live()
    _checkpoint(live)
    live.unlink()
    result = backup.restore_backup(ctx, saved.name)
    assert result.aside is None and result.damaged == "" and result.damage == ()
    assert sorted(d.code for d in Dossier.select()) == sorted(first)
    ctx.close()


def test_a_damaged_backup_over_a_damaged_database_changes_nothing():
    clock = Clock()
    ctx, saved, _ = _office_with_backup(clock)
    ctx.close()
    live = _live()
    damage_header(live)
    before = _sha(live)
    with open(saved.path, "r+b") as f:
        f.seek(4096 + 100)
        f.write(b"\xff" * 64)
    with pytest.raises(BackupError, match="không bị thay đổi"):
        backup.restore_backup(ctx, saved.name)
    assert _sha(live) == before
    assert not list(live.parent.glob("*.damaged-*"))


def test_not_a_sa_dec_database_counts_as_damaged():
    """Whatever sits at the live path (an empty file, another program's database) is
    moved aside, never overwritten."""
    clock = Clock()
    ctx, saved, first = _office_with_backup(clock)
    ctx.close()
    live = _live()
    _checkpoint(live)
    live.unlink()
    other = sqlite3.connect(live)
    other.execute("CREATE TABLE notes (text TEXT)")
    other.execute("INSERT INTO notes VALUES ('keep me')")
    other.commit()
    other.close()
    assert any("Sa Đéc Desk" in p for p in backup.live_database_damage(ctx))
    result = backup.restore_backup(ctx, saved.name)
    kept = sqlite3.connect(result.damaged)
    assert kept.execute("SELECT text FROM notes").fetchone() == ("keep me",)
    kept.close()
    assert sorted(d.code for d in Dossier.select()) == sorted(first)
    ctx.close()


# --- through the command line ---------------------------------------------------------


@pytest.mark.parametrize("kind", DAMAGES)
def test_cli_list_verify_restore_on_a_damaged_database(kind, capsys):
    clock = Clock()
    ctx, saved, first = _office_with_backup(clock)
    ctx.close()
    live = _live()
    DAMAGES[kind](live)
    damaged_sha = _sha(live)
    capsys.readouterr()

    assert main(["backup", "list", "--json"]) == 0
    assert [b["name"] for b in json.loads(capsys.readouterr().out)] == [saved.name]
    assert main(["backup", "list"]) == 0
    assert saved.name in capsys.readouterr().out
    assert main(["backup", "verify", saved.name]) == 0
    assert "tốt" in capsys.readouterr().out
    # without --yes: a sentence, nothing moved
    assert main(["backup", "restore", saved.name]) == 2
    assert "--yes" in capsys.readouterr().err
    assert _sha(live) == damaged_sha

    assert main(["backup", "restore", saved.name, "--yes"]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert "bị hỏng" in captured.out and ".damaged-" in captured.out
    moved = next(live.parent.glob("sadec_desk.damaged-*.sqlite3"))
    assert str(moved) in captured.out
    assert _sha(moved) == damaged_sha
    conn = sqlite3.connect(live)
    assert sorted(r[0] for r in conn.execute("SELECT code FROM dossier")) == sorted(first)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    _backup_untouched(saved)

    # the office works again: a normal command opens it, and a new backup is taken
    assert main(["backup", "create"]) == 0
    assert main(["backup", "verify", saved.name]) == 0


def test_cli_restore_json_names_the_damaged_file(capsys):
    clock = Clock()
    ctx, saved, _ = _office_with_backup(clock)
    ctx.close()
    damage_header(_live())
    capsys.readouterr()
    assert main(["backup", "restore", saved.name, "--yes", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["aside"] is None and Path(out["damaged"]).is_file() and out["damage"]
    assert out["restored"]["name"] == saved.name


def test_cli_healthy_restore_keeps_a_before_restore_copy(capsys):
    clock = Clock()
    ctx, saved, first = _office_with_backup(clock)
    ctx.close()
    capsys.readouterr()
    assert main(["backup", "restore", saved.name, "--yes", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["aside"]["name"].startswith("before-restore-") and out["damaged"] == ""
    assert out["aside"]["row_counts"]["dossier"] == 3
    assert not list(_live().parent.glob("*.damaged-*"))


def test_cli_unknown_backup_on_a_damaged_database_is_a_sentence(capsys):
    clock = Clock()
    ctx, _saved, _ = _office_with_backup(clock)
    ctx.close()
    damage_header(_live())
    before = _sha(_live())
    capsys.readouterr()
    assert main(["backup", "restore", "nothing.sqlite3", "--yes"]) == 2
    err = capsys.readouterr().err
    assert "Không có bản sao lưu" in err and "Traceback" not in err
    assert main(["backup", "verify", "../../etc/passwd"]) == 2
    assert _sha(_live()) == before


@pytest.mark.postgres
def test_cli_postgresql_list_verify_restore_unchanged(pg_database, capsys):
    clock = Clock()
    ctx = make_ctx(clock, database__url=pg_database)
    first = _receive(ctx, 2)
    saved = backup.create_backup(ctx)
    clock.moment += timedelta(minutes=5)
    _receive(ctx, 1)
    ctx.close()
    capsys.readouterr()
    assert main(["backup", "list", "--json"]) == 0
    assert [b["name"] for b in json.loads(capsys.readouterr().out)] == [saved.name]
    assert main(["backup", "verify", saved.name]) == 0
    capsys.readouterr()
    assert main(["backup", "restore", saved.name, "--yes", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["aside"]["name"].startswith("before-restore-") and out["damaged"] == ""
    assert out["aside"]["row_counts"]["dossier"] == 3
    ctx = make_ctx(clock, database__url=pg_database)
    assert sorted(d.code for d in Dossier.select()) == sorted(first)
    ctx.close()
