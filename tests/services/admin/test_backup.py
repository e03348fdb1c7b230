"""Backups (issue #7, Required 3): online SQLite backups, verification, retention, restore."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from appfixtures import OTHER_QR, SAMPLE_QR, Clock, make_ctx, vn

from sadec_desk.cli import main
from sadec_desk.db import migrations
from sadec_desk.db.models import Dossier
from sadec_desk.db.search_index import SUFFIX_TABLE
from sadec_desk.services import audit
from sadec_desk.services.admin import backup
from sadec_desk.services.admin.backup import BackupError
from sadec_desk.services.reception import dossiers


def _receive(ctx, n=1, qr=SAMPLE_QR):
    return [dossiers.receive_dossier(ctx, procedure_code="2.000815", qr_text=qr, pages=1).code
            for _ in range(n)]


def test_create_verify_list(tmp_path):
    clock = Clock()
    ctx = make_ctx(clock, backup__dir=str(tmp_path / "usb"))
    _receive(ctx, 3)
    info = backup.create_backup(ctx)
    assert info.name.startswith("sadec-desk-20261126-090000") and info.kind == "sqlite"
    assert (tmp_path / "usb" / info.name).is_file()
    assert (tmp_path / "usb" / (info.name + ".json")).is_file()
    assert info.row_counts["dossier"] == 3 and info.row_counts["dossier_event"] == 3
    assert info.schema_version == migrations.LATEST and info.audit_seq == 3
    assert not list((tmp_path / "usb").glob("*.partial"))
    conn = sqlite3.connect(info.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()
    result = backup.verify_backup(ctx, info.name)
    assert result.ok and result.problems == ()
    assert [b.name for b in backup.list_backups(ctx)] == [info.name]
    # the chain head went outside the database too
    anchors = audit.anchors_path(ctx).read_text(encoding="utf-8").splitlines()
    assert json.loads(anchors[-1])["seq"] == 3


def test_counters_keep_receiving_during_a_backup():
    clock = Clock()
    ctx = make_ctx(clock)
    _receive(ctx, 20)
    errors, done = [], threading.Event()

    def counter():
        from sadec_desk.bootstrap import open_context
        from sadec_desk.config import load_config
        other = open_context(load_config(), clock=clock)
        try:
            while not done.is_set():
                _receive(other, 1, OTHER_QR)
        except Exception as exc:  # pragma: no cover - shown by the assert
            errors.append(exc)
        finally:
            other.close()

    thread = threading.Thread(target=counter)
    thread.start()
    try:
        infos = [backup.create_backup(ctx) for _ in range(3)]
    finally:
        done.set()
        thread.join(timeout=30)
    assert not errors
    assert all(backup.verify_backup(ctx, i.name).ok for i in infos)
    assert infos[-1].row_counts["dossier"] >= 20


def test_retention_keeps_newest_and_one_per_month():
    clock = Clock(vn(2026, 8, 10, 9, 0))
    ctx = make_ctx(clock, backup__keep_last=2, backup__keep_monthly=3)
    _receive(ctx)
    names = []
    for moment in (vn(2026, 8, 10, 9), vn(2026, 8, 20, 9), vn(2026, 9, 5, 9), vn(2026, 9, 25, 9),
                   vn(2026, 10, 1, 9), vn(2026, 11, 1, 9), vn(2026, 11, 2, 9)):
        clock.moment = moment
        names.append(backup.create_backup(ctx).name)
    kept = {b.name for b in backup.list_backups(ctx)}
    # newest two (2/11, 1/11), and the newest of the last 3 months: Nov (2/11), Oct, Sep (25/9)
    assert kept == {names[6], names[5], names[4], names[3]}


def test_backup_if_due():
    clock = Clock()
    ctx = make_ctx(clock, backup__interval_hours=24)
    _receive(ctx)
    assert backup.backup_if_due(ctx) is not None
    clock.moment += timedelta(hours=23)
    assert backup.backup_if_due(ctx) is None
    clock.moment += timedelta(hours=2)
    assert backup.backup_if_due(ctx) is not None


def test_restore_keeps_the_current_database_aside():
    clock = Clock()
    ctx = make_ctx(clock)
    first = _receive(ctx, 2)
    saved = backup.create_backup(ctx)
    clock.moment += timedelta(minutes=10)
    later = _receive(ctx, 1)
    result = backup.restore_backup(ctx, saved.name)
    assert sorted(d.code for d in Dossier.select()) == sorted(first)
    assert result.aside.name.startswith("before-restore-")
    assert result.aside.row_counts["dossier"] == 3
    aside = sqlite3.connect(result.aside.path)
    assert aside.execute("SELECT code FROM dossier WHERE code = ?", later).fetchone()
    aside.close()
    # the restored chain is whole; the later anchor no longer applies after the restore
    assert audit.verify_chain(ctx).ok
    # the app goes on, and never issues again the number 0003 the later dossier took (#18)
    assert _receive(ctx)[0].endswith("0004")


def test_damaged_backup_is_refused_and_nothing_changes():
    clock = Clock()
    ctx = make_ctx(clock)
    _receive(ctx, 2)
    saved = backup.create_backup(ctx)
    _receive(ctx, 1)
    with open(saved.path, "r+b") as f:
        f.seek(4096 + 100)
        f.write(b"\xff" * 64)
    result = backup.verify_backup(ctx, saved.name)
    assert not result.ok and "SHA-256" in result.problems[0]
    with pytest.raises(BackupError, match="Không khôi phục bản sao lưu .* không bị thay đổi"):
        backup.restore_backup(ctx, saved.name)
    assert Dossier.select().count() == 3
    assert not [b for b in backup.list_backups(ctx) if b.name.startswith("before-restore")]


def test_newer_schema_backup_is_refused():
    clock = Clock()
    ctx = make_ctx(clock)
    _receive(ctx)
    saved = backup.create_backup(ctx)
    # what a newer app's backup looks like: schema 99, manifest consistent with the file
    conn = sqlite3.connect(saved.path)
    conn.execute("INSERT INTO schema_version (version, applied_at, app_version) "
                 "VALUES (99, '2027-01-01 00:00:00', '9.0')")
    conn.commit()
    conn.close()
    manifest = json.loads(open(saved.path + ".json", encoding="utf-8").read())
    manifest["sha256"] = backup._sha256(__import__("pathlib").Path(saved.path))
    manifest["row_counts"]["schema_version"] += 1
    open(saved.path + ".json", "w", encoding="utf-8").write(json.dumps(manifest))
    with pytest.raises(BackupError, match="lược đồ 99, mới hơn"):
        backup.restore_backup(ctx, saved.name)
    assert Dossier.select().count() == 1


def test_cli_backup(capsys):
    clock = Clock()
    ctx = make_ctx(clock)
    _receive(ctx, 2)
    ctx.close()
    assert main(["backup", "create"]) == 0
    assert "Đã sao lưu và kiểm tra" in capsys.readouterr().out
    assert main(["backup", "list", "--json"]) == 0
    [item] = json.loads(capsys.readouterr().out)
    assert item["row_counts"]["dossier"] == 2
    assert main(["backup", "verify", item["name"]]) == 0
    assert "tốt" in capsys.readouterr().out
    assert main(["backup", "restore", item["name"]]) == 2
    assert "--yes" in capsys.readouterr().err
    assert main(["backup", "restore", item["name"], "--yes"]) == 0
    assert "before-restore-" in capsys.readouterr().out
    assert main(["backup", "verify", "nothing.sqlite3"]) == 2
    assert main(["backup", "create", "--if-due"]) == 0
    assert "Chưa đến hạn" in capsys.readouterr().out


@pytest.mark.postgres
def test_postgresql_backup_and_restore_wrap_pg_dump(pg_database):
    clock = Clock()
    ctx = make_ctx(clock, database__url=pg_database)
    first = _receive(ctx, 2)
    saved = backup.create_backup(ctx)
    assert saved.kind == "postgresql" and saved.name.endswith(".pgdump")
    assert saved.schema_version == migrations.LATEST and saved.row_counts["dossier"] == 2
    assert backup.verify_backup(ctx, saved.name).ok
    clock.moment += timedelta(minutes=5)
    _receive(ctx, 1)
    result = backup.restore_backup(ctx, saved.name)
    assert sorted(d.code for d in Dossier.select()) == sorted(first)
    assert result.aside.row_counts["dossier"] == 3
    assert audit.verify_chain(ctx).ok
    # damaged dump: refused
    with open(saved.path, "r+b") as f:
        f.seek(200)
        f.write(b"\x00" * 32)
    with pytest.raises(BackupError, match="SHA-256"):
        backup.restore_backup(ctx, saved.name)


@pytest.mark.postgres
def test_postgresql_manifest_counts_real_tables_not_the_derived_suffixes(pg_database):
    """The name suffixes (~6 rows a citizen, kept by triggers) are not counted at every
    backup; the tables they derive from are, and the restore makes the suffixes again."""
    clock = Clock()
    ctx = make_ctx(clock, database__url=pg_database)
    _receive(ctx, 2)
    _receive(ctx, 1, qr=OTHER_QR)

    def suffixes() -> int:
        return ctx.database.execute_sql(f"SELECT count(*) FROM {SUFFIX_TABLE}").fetchone()[0]

    held = suffixes()
    assert held > 2  # the table exists and is filled: leaving it out is not a no-op
    saved = backup.create_backup(ctx)
    assert SUFFIX_TABLE not in saved.row_counts
    assert saved.row_counts["citizen"] == 2 and saved.row_counts["dossier"] == 3
    assert set(saved.row_counts) == set(ctx.database.get_tables()) - {SUFFIX_TABLE}
    manifest = json.loads(Path(saved.path + ".json").read_text(encoding="utf-8"))
    assert manifest["row_counts"] == saved.row_counts
    assert backup.verify_backup(ctx, saved.name).ok
    clock.moment += timedelta(minutes=5)
    ctx.database.execute_sql(f"DELETE FROM {SUFFIX_TABLE}")  # made again by the restore
    assert backup.restore_backup(ctx, saved.name).aside.row_counts["citizen"] == 2
    assert suffixes() == held


def test_backups_need_it_or_leader_and_restore_needs_it():
    from sadec_desk.services.access import PermissionDenied
    from sadec_desk.services.admin.users import UserInfo

    ctx = make_ctx(Clock())
    _receive(ctx)

    def sign(role):
        ctx.user = UserInfo(id=1, username=role, full_name="Cán bộ", role=role,
                            role_label=role, secret_kind="password", counter=None,
                            active=True, last_sign_in_at=None)

    sign("clerk")
    with pytest.raises(PermissionDenied):
        backup.create_backup(ctx)
    # the app's own schedule backs up whoever is at the counter
    ctx.sign_in_required = True
    assert backup.backup_if_due(ctx).purpose == "scheduled"
    sign("leader")
    saved = backup.create_backup(ctx)
    with pytest.raises(PermissionDenied, match="Cán bộ CNTT"):
        backup.restore_backup(ctx, saved.name)
    sign("it")
    assert backup.restore_backup(ctx, saved.name).restored.name == saved.name
