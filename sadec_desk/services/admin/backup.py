"""Backups of the office database: create, list, verify, restore, retention.

SQLite: SQLite's online backup API (``sqlite3.Connection.backup``), never a file copy
of a database in use — a copy taken while a counter writes can be torn. The backup is
taken in one step from a WAL database, which reads one consistent snapshot while the
counters keep receiving (WAL readers never block writers). It is written under a
temporary name, flushed to disk, verified (``PRAGMA integrity_check``, schema version,
row counts at least those seen before it started: dossiers, events and outbox rows are
never deleted), then renamed into place next to a JSON manifest (time, schema, SHA-256
of the file, row counts, the audit chain head).

Restore refuses a damaged backup (integrity check or SHA-256 mismatch) and a backup of a
newer schema, each with a clear sentence. It never needs the current database to be
readable: a healthy one is first saved aside (a verified online backup named
``before-restore-…``) and the backup copied INTO the live database with the backup API, so
that other counters' open connections see the restored data instead of writing into a file
that was moved away; a damaged one (or one that is not a Sa Đéc Desk database) is moved
aside under a name that says so and when (``<name>.damaged-YYYYMMDD-HHMMSS.sqlite3``, kept,
never deleted) and a checked copy of the backup put in its place. Listing and verifying
backups read only the backup folder.

Scanned pages are files beside the database: every backup also keeps them, once each,
in a content-addressed store next to the backups (:mod:`sadec_desk.services.admin.backup_pages`).

PostgreSQL: the same commands wrap ``pg_dump --format=custom`` / ``pg_restore``
(docs/backup.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sadec_desk import __version__
from sadec_desk.db import migrations
from sadec_desk.db.search_index import SUFFIX_TABLE
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.errors import DatabaseError, InvalidInput, NotFound, UserError
from sadec_desk.files import atomic_write, fsync_dir, new_private_file, private_dir
from sadec_desk.i18n import _
from sadec_desk.services import audit, audit_seal, issued_numbers
from sadec_desk.services.access import ANY_ROLE, require_role
from sadec_desk.services.admin import backup_live, backup_pages

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

PREFIX = "sadec-desk-"
ASIDE_PREFIX = "before-restore-"
SQLITE_SUFFIX = ".sqlite3"
PG_SUFFIX = ".pgdump"
#: tables whose rows are never deleted: a backup holds at least as many as the source had
#: when the backup started
GROWING_TABLES = ("dossier", "dossier_event", "outbox")
PG_TIMEOUT_S = 3600
BACKUP_ROLES = ("it", "leader")
RESTORE_ROLES = ("it",)


class BackupError(UserError):
    code = "backup"


@dataclass(frozen=True)
class BackupInfo:
    name: str  # file name in the backup folder
    path: str
    created_at: datetime
    kind: str  # sqlite | postgresql
    size_bytes: int
    schema_version: int
    app_version: str
    sha256: str
    row_counts: dict
    audit_seq: int
    audit_hash: str
    purpose: str  # scheduled | manual | before-restore
    pages: int = 0  # scanned page files held with it (services/backup_pages.py)
    pages_missing: int = 0  # pages whose file was already missing or damaged when taken


@dataclass(frozen=True)
class VerifyResult:
    name: str
    ok: bool
    problems: tuple[str, ...]
    schema_version: int | None
    row_counts: dict


@dataclass(frozen=True)
class RestoreResult:
    restored: BackupInfo
    #: a verified backup of the database as it was just before the restore; None when the
    #: database was damaged (then see ``damaged``) or there was none
    aside: BackupInfo | None
    pages_restored: int = 0  # page files put back into the data dir
    damaged: str = ""  # where the damaged database file was moved (kept, never deleted)
    damage: tuple[str, ...] = ()  # what was wrong with it


# --- places -------------------------------------------------------------------------


def backup_dir(ctx: AppContext) -> Path:
    folder = audit_seal.backup_folder(ctx.config)
    try:
        private_dir(folder)  # every citizen's data: the user's only
    except OSError as exc:
        raise BackupError(_("Không tạo được thư mục sao lưu {path} ({error}). Kiểm tra thiết lập "
                            "backup.dir và quyền ghi.").format(path=folder, error=exc)) from None
    return folder


def _is_pg(ctx: AppContext) -> bool:
    return ctx.config.uses_server_database


def _manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")



def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as src:
        for block in iter(lambda: src.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stamp(now: datetime) -> str:
    return now.astimezone(VN_TZ).strftime("%Y%m%d-%H%M%S")


def _unique(folder: Path, stem: str, suffix: str) -> Path:
    path = folder / f"{stem}{suffix}"
    n = 1
    while path.exists() or _manifest_path(path).exists():
        n += 1
        path = folder / f"{stem}-{n}{suffix}"
    return path


# --- SQLite ---------------------------------------------------------------------------


def _connect_ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)


def _table_counts(conn: sqlite3.Connection) -> dict[str, int]:
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]
    return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def _schema_version(conn: sqlite3.Connection) -> int | None:
    try:
        return conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
    except sqlite3.DatabaseError:
        return None


def inspect_sqlite(path: Path) -> tuple[list[str], int | None, dict[str, int]]:
    """(problems, schema version, row counts) of a SQLite file, read-only."""
    problems: list[str] = []
    try:
        conn = _connect_ro(path)
    except sqlite3.Error as exc:
        return [_("Không mở được tệp ({error}).").format(error=exc)], None, {}
    try:
        try:
            result = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        except sqlite3.DatabaseError as exc:
            return [_("Tệp hỏng hoặc không phải cơ sở dữ liệu ({error}).").format(error=exc)
                    ], None, {}
        if result != ["ok"]:
            problems.append(_("Kiểm tra toàn vẹn báo lỗi: {detail}").format(
                detail="; ".join(result[:5])))
        version = _schema_version(conn)
        if version is None:
            problems.append(_("Không có bảng phiên bản lược đồ: không phải bản sao lưu của "
                              "Sa Đéc Desk."))
        elif version > migrations.LATEST:
            problems.append(_("Bản sao lưu có lược đồ {found}, mới hơn phiên bản này hiểu "
                              "({latest}); hãy cập nhật phần mềm trước khi khôi phục.")
                            .format(found=version, latest=migrations.LATEST))
        try:
            counts = _table_counts(conn)
        except sqlite3.DatabaseError as exc:
            problems.append(_("Không đếm được số dòng ({error}).").format(error=exc))
            counts = {}
        return problems, version, counts
    finally:
        conn.close()


def _online_copy(source: Path, dest: Path) -> None:
    """SQLite online backup of ``source`` into a new file ``dest`` (0600), flushed to disk."""
    with contextlib.suppress(FileNotFoundError):
        dest.unlink()  # left by a backup that was interrupted
    new_private_file(dest)
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(dest)
        try:
            # one step (pages=-1): a consistent snapshot that writers in WAL mode never wait
            # for; stepping in chunks would restart whenever a counter commits meanwhile
            src.backup(dst, pages=-1)
            # the copy is a plain rollback-journal file: one file to move around and check
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()
    with open(dest, "rb+") as out:
        os.fsync(out.fileno())


def _source_counts(path: Path) -> dict[str, int]:
    conn = _connect_ro(path)
    try:
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                for t in GROWING_TABLES}
    finally:
        conn.close()


def _write_manifest(path: Path, info: dict) -> None:
    atomic_write(_manifest_path(path), json.dumps(info, ensure_ascii=False, indent=2))


def _sqlite_backup(ctx: AppContext, dest: Path, purpose: str) -> BackupInfo:
    source = ctx.config.sqlite_path
    if not source.is_file():
        raise NotFound(_("Chưa có cơ sở dữ liệu {path} để sao lưu.").format(path=source))
    partial = dest.with_name(dest.name + ".partial")
    try:
        before = _source_counts(source)
        anchor_seq, anchor_hash = audit.chain_head(ctx)
        _online_copy(source, partial)
        problems, version, counts = inspect_sqlite(partial)
        for table, n in before.items():
            if counts.get(table, 0) < n:
                problems.append(_("Bảng {table} trong bản sao lưu có {found} dòng, ít hơn {n} "
                                  "dòng đã có trước khi sao lưu.").format(
                                      table=table, found=counts.get(table, 0), n=n))
        if problems:
            raise BackupError(_("Bản sao lưu vừa ghi không đạt kiểm tra, đã bỏ: {problems}")
                              .format(problems=" ".join(problems)))
        assert version is not None  # a file without a schema version has a problem above
        os.replace(partial, dest)
        fsync_dir(dest.parent)
        pages = backup_pages.save(ctx, dest, backup_pages.pages_in_sqlite(dest))
    except sqlite3.Error as exc:
        raise BackupError(_("Sao lưu thất bại ({error}). Kiểm tra ổ đĩa còn trống và quyền "
                            "ghi thư mục sao lưu.").format(error=exc)) from None
    except OSError as exc:
        raise _not_written(dest, exc) from None
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()
    return _register(ctx, dest, kind="sqlite", version=version, counts=counts,
                     anchor=(anchor_seq, anchor_hash), purpose=purpose, source=str(source),
                     pages=pages)


# --- PostgreSQL -----------------------------------------------------------------------


def _pg_tool(ctx: AppContext, name: str) -> str:
    folder = ctx.config["backup.pg_bin_dir"]
    found = (str(Path(folder) / name) if folder and (Path(folder) / name).is_file()
             else shutil.which(name))
    if not found:
        raise BackupError(_("Không tìm thấy {tool} để sao lưu cơ sở dữ liệu PostgreSQL. Cài gói "
                            "postgresql-client (cùng phiên bản máy chủ) hoặc đặt "
                            "backup.pg_bin_dir.").format(tool=name))
    return found


def _run_pg(ctx: AppContext, args: list[str], what: str) -> subprocess.CompletedProcess:
    try:
        result = subprocess.run(args, capture_output=True, text=True, timeout=PG_TIMEOUT_S,
                                check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BackupError(_("{what} thất bại ({error}).").format(what=what, error=exc)) from None
    if result.returncode != 0:
        # the URL (with its password) is an argument, never part of the message
        detail = (result.stderr or "").strip().splitlines()[-1:] or [""]
        raise BackupError(_("{what} thất bại: {detail}").format(what=what, detail=detail[0]))
    return result


#: PostgreSQL tables derived by triggers from others: the name suffixes, ~6 rows a citizen
#: (~500 MB at 1,000,000 dossiers). Dumped without their rows, made again by the restore
#: (migrations.refill_derived; a dump older than step 11 gets them at the upgrade), and
#: not counted for the manifest (a record for ``backup list``, compared for SQLite only).
PG_DERIVED_TABLES = frozenset({SUFFIX_TABLE})


def _pg_counts(ctx: AppContext) -> dict[str, int]:
    db = ctx.database
    tables = sorted(t for t in db.get_tables() if t not in PG_DERIVED_TABLES)
    return {t: db.execute_sql(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def _pg_dump_schema_version(ctx: AppContext, path: Path) -> int | None:
    """The schema version inside a custom-format dump, read without restoring it."""
    result = _run_pg(ctx, [_pg_tool(ctx, "pg_restore"), "--data-only",
                           "--table=schema_version", "--file=-", str(path)],
                     _("Đọc bản sao lưu"))
    versions, in_copy = [], False
    for line in result.stdout.splitlines():
        if line.startswith("COPY ") and "schema_version" in line:
            in_copy = True
        elif in_copy and line == "\\.":
            in_copy = False
        elif in_copy and line.strip():
            columns = line.split("\t")
            header = result.stdout[result.stdout.index("COPY "):].split("(", 1)[1]
            names = [n.strip().strip('"') for n in header.split(")", 1)[0].split(",")]
            with contextlib.suppress(ValueError, IndexError):
                versions.append(int(columns[names.index("version")]))
    return max(versions) if versions else None


def _pg_backup(ctx: AppContext, dest: Path, purpose: str) -> BackupInfo:
    partial = dest.with_name(dest.name + ".partial")
    try:
        anchor_seq, anchor_hash = audit.chain_head(ctx)
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        new_private_file(partial)  # pg_dump writes into it, keeping its 0600
        _run_pg(ctx, [_pg_tool(ctx, "pg_dump"), "--format=custom", f"--file={partial}",
                      *(f"--exclude-table-data={t}" for t in sorted(PG_DERIVED_TABLES)),
                      f"--dbname={ctx.config['database.url']}"], _("pg_dump"))
        with open(partial, "rb+") as out:
            os.fsync(out.fileno())
        counts = _pg_counts(ctx)  # after the dump: the dump's snapshot has at most these
        _run_pg(ctx, [_pg_tool(ctx, "pg_restore"), "--list", str(partial)],
                _("Kiểm tra bản sao lưu"))
        version = _pg_dump_schema_version(ctx, partial)
        if version is None:
            raise BackupError(_("Bản sao lưu vừa ghi không có bảng phiên bản lược đồ; đã bỏ."))
        os.replace(partial, dest)
        fsync_dir(dest.parent)
        pages = backup_pages.save(ctx, dest, backup_pages.pages_in_database())
    except OSError as exc:
        raise _not_written(dest, exc) from None
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()
    return _register(ctx, dest, kind="postgresql", version=version, counts=counts,
                     anchor=(anchor_seq, anchor_hash), purpose=purpose,
                     source=ctx.describe_database(), pages=pages)


def _not_written(dest: Path, exc: OSError) -> BackupError:
    return BackupError(_("Không ghi được bản sao lưu vào {path} ({error}). Kiểm tra ổ đĩa "
                         "còn trống và quyền ghi.").format(path=dest.parent, error=exc))


def _register(ctx: AppContext, dest: Path, *, kind: str, version: int, counts: dict,
              anchor: tuple[int, str], purpose: str, source: str,
              pages: backup_pages.PagesCopy) -> BackupInfo:
    """Write the manifest next to a checked backup file: from then on it is listed."""
    info = {"created_at": ctx.now().astimezone(UTC).isoformat(), "kind": kind,
            "size_bytes": dest.stat().st_size, "schema_version": version,
            "app_version": __version__, "sha256": _sha256(dest), "row_counts": counts,
            "audit_seq": anchor[0], "audit_hash": anchor[1], "purpose": purpose,
            "source": source, "pages": pages.count, "pages_bytes": pages.bytes,
            "pages_missing": list(pages.missing)}
    # the chain head sealed with the key kept outside the database (audit verify checks it)
    info["audit_mac"] = audit_seal.seal_backup(dest.name, info)
    _write_manifest(dest, info)
    return _info_from_manifest(dest, info)


# --- public API -----------------------------------------------------------------------


def _info_from_manifest(path: Path, data: dict) -> BackupInfo:
    return BackupInfo(
        name=path.name, path=str(path),
        created_at=datetime.fromisoformat(data["created_at"]).astimezone(VN_TZ),
        kind=data.get("kind", "sqlite"), size_bytes=int(data.get("size_bytes", 0)),
        schema_version=int(data.get("schema_version") or 0),
        app_version=str(data.get("app_version", "")), sha256=str(data.get("sha256", "")),
        row_counts=dict(data.get("row_counts", {})), audit_seq=int(data.get("audit_seq", 0)),
        audit_hash=str(data.get("audit_hash", "")), purpose=str(data.get("purpose", "")),
        pages=int(data.get("pages", 0)), pages_missing=len(data.get("pages_missing", ())))


def create_backup(ctx: AppContext, *, purpose: str = "manual", folder: Path | None = None,
                  prefix: str = PREFIX) -> BackupInfo:
    """Write, verify and register one backup; then apply the retention rule.

    A backup holds every citizen's data: IT staff and the leader only — except the
    scheduled one, which the app itself takes whoever is signed in (it writes only into
    the configured backup folder and hands nothing to the user)."""
    require_role(ctx, *(ANY_ROLE if purpose == "scheduled" and folder is None
                        and prefix == PREFIX else BACKUP_ROLES))
    if purpose != "scheduled":
        require_role(ctx, *BACKUP_ROLES)
    folder = folder or backup_dir(ctx)
    suffix = PG_SUFFIX if _is_pg(ctx) else SQLITE_SUFFIX
    dest = _unique(folder, prefix + _stamp(ctx.now()), suffix)
    info = (_pg_backup if _is_pg(ctx) else _sqlite_backup)(ctx, dest, purpose)
    if info.audit_seq:
        audit.record_anchor(ctx, reason=f"backup {info.name}")
    if prefix == PREFIX:
        apply_retention(ctx)
    return info


def list_backups(ctx: AppContext) -> list[BackupInfo]:
    """Backups with a manifest, newest first (a file without one was never verified)."""
    require_role(ctx, *ANY_ROLE)  # names and dates only; the scheduled backup asks
    found = []
    for manifest in backup_dir(ctx).glob("*.json"):
        path = manifest.with_name(manifest.name[:-len(".json")])
        if not path.is_file():
            continue
        try:
            found.append(_info_from_manifest(path, json.loads(
                manifest.read_text(encoding="utf-8"))))
        except (ValueError, KeyError, TypeError, OSError):
            continue
    return sorted(found, key=lambda b: (b.created_at, b.name), reverse=True)


def _find(ctx: AppContext, name: str) -> BackupInfo:
    wanted = Path(name).name
    for info in list_backups(ctx):
        if info.name == wanted or info.path == name:
            return info
    raise NotFound(_("Không có bản sao lưu '{name}' trong {folder}. Xem danh sách bằng "
                     "'sadec-desk backup list'.").format(name=name, folder=backup_dir(ctx)))


def verify_backup(ctx: AppContext, name: str) -> VerifyResult:
    """SHA-256 against the manifest, integrity check, schema version, row counts."""
    require_role(ctx, *BACKUP_ROLES)
    info = _find(ctx, name)
    path = Path(info.path)
    problems: list[str] = []
    if _sha256(path) != info.sha256:
        problems.append(_("Tệp đã thay đổi hoặc hỏng sau khi sao lưu (mã SHA-256 không khớp)."))
    if info.kind == "postgresql":
        version = None
        try:
            _run_pg(ctx, [_pg_tool(ctx, "pg_restore"), "--list", str(path)],
                    _("Kiểm tra bản sao lưu"))
            version = _pg_dump_schema_version(ctx, path)
        except BackupError as exc:
            problems.append(str(exc))
        if version is not None and version > migrations.LATEST:
            problems.append(_("Bản sao lưu có lược đồ {found}, mới hơn phiên bản này hiểu "
                              "({latest}); hãy cập nhật phần mềm trước khi khôi phục.")
                            .format(found=version, latest=migrations.LATEST))
        problems += backup_pages.verify(path)
        return VerifyResult(info.name, not problems, tuple(problems), version, info.row_counts)
    found, version, counts = inspect_sqlite(path)
    problems += found + backup_pages.verify(path)
    if counts and counts != info.row_counts:
        changed = sorted(t for t in set(counts) | set(info.row_counts)
                         if counts.get(t) != info.row_counts.get(t))
        problems.append(_("Số dòng khác với lúc sao lưu ở các bảng: {tables}.").format(
            tables=", ".join(changed)))
    return VerifyResult(info.name, not problems, tuple(problems), version, counts)


def live_database_damage(ctx: AppContext) -> tuple[str, ...]:
    """Why the office's SQLite file cannot be read whole: empty when it can, when there is
    none, or on PostgreSQL. Read-only, safe on any file (IT only, like a restore)."""
    require_role(ctx, *RESTORE_ROLES)
    if _is_pg(ctx):
        return ()
    return tuple(backup_live.damage(ctx))


def restore_backup(ctx: AppContext, name: str) -> RestoreResult:
    """Put a verified backup back (IT only). A healthy current database is first saved
    aside as a verified backup; a damaged one (or none) is never read: it is moved aside
    beside the live file, kept, and the backup put in its place. ``ctx`` need not have
    been able to open the current database."""
    require_role(ctx, *RESTORE_ROLES)
    info = _find(ctx, name)
    check = verify_backup(ctx, name)
    if not check.ok:
        raise BackupError(_("Không khôi phục bản sao lưu {name}: {problems} Cơ sở dữ liệu hiện "
                            "tại không bị thay đổi.").format(name=info.name,
                                                           problems=" ".join(check.problems)))
    if (info.kind == "postgresql") != _is_pg(ctx):
        raise BackupError(_("Bản sao lưu {name} là của cơ sở dữ liệu {kind}, khác loại cơ sở dữ "
                            "liệu đang dùng; không khôi phục.").format(name=info.name,
                                                                      kind=info.kind))
    damage: tuple[str, ...] = ()
    backup_live.note_counters(ctx, pg=_is_pg(ctx))
    if info.kind == "sqlite":
        live = ctx.config.sqlite_path
        damage = tuple(backup_live.damage(ctx))
        if damage or not live.exists():
            ctx.close()
            moved = backup_live.replace(ctx, Path(info.path))
            ctx.database.connect(reuse_if_open=True)
            return _after_restore(ctx, info, None, damaged=str(moved or ""), damage=damage)
    aside = create_backup(ctx, purpose="before-restore", prefix=ASIDE_PREFIX)
    if info.kind == "postgresql":
        _run_pg(ctx, [_pg_tool(ctx, "pg_restore"), "--clean", "--if-exists",
                      "--single-transaction", "--no-owner",
                      f"--dbname={ctx.config['database.url']}", info.path],
                _("Khôi phục (pg_restore)"))
        migrations.refill_derived(ctx.database)  # the rows the dump left out
    else:
        ctx.close()
        try:
            src = _connect_ro(Path(info.path))
            dst = sqlite3.connect(ctx.config.sqlite_path, timeout=30)
            try:
                # into the live file through the backup API: other counters' connections
                # see the restored pages; nobody keeps writing into a file moved away
                src.backup(dst, pages=-1)
                result = dst.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                dst.close()
                src.close()
        except sqlite3.Error as exc:
            raise DatabaseError(_("Khôi phục thất bại ({error}). Bản cơ sở dữ liệu trước khi "
                                  "khôi phục vẫn còn: {aside}.").format(error=exc,
                                                                     aside=aside.path)) from None
        if result != "ok":
            raise DatabaseError(_("Cơ sở dữ liệu sau khôi phục không đạt kiểm tra toàn vẹn; bản "
                                  "trước khi khôi phục vẫn còn: {aside}.").format(aside=aside.path))
        ctx.database.connect(reuse_if_open=True)
    return _after_restore(ctx, info, aside)


def _after_restore(ctx: AppContext, info: BackupInfo, aside: BackupInfo | None, *,
                   damaged: str = "", damage: tuple[str, ...] = ()) -> RestoreResult:
    """Caches dropped, the day counters raised to the numbers already issued (#18), the
    backup's page files back, the restore noted in the anchors."""
    issued_numbers.raise_counters(ctx.database)
    ctx.forget_cached()
    pages = backup_pages.restore(ctx, Path(info.path))
    audit.record_restore(ctx)
    return RestoreResult(restored=info, aside=aside, pages_restored=pages, damaged=damaged,
                         damage=damage)


def apply_retention(ctx: AppContext) -> list[str]:
    """Keep the ``backup.keep_last`` newest and the newest of each of the last
    ``backup.keep_monthly`` months; delete the other regular backups. Copies saved
    before a restore are never deleted automatically."""
    require_role(ctx, *ANY_ROLE)  # runs after every backup, the scheduled one too
    keep_last = max(1, int(ctx.config["backup.keep_last"]))
    keep_monthly = max(0, int(ctx.config["backup.keep_monthly"]))
    regular = [b for b in list_backups(ctx) if b.name.startswith(PREFIX)]
    keep = {b.name for b in regular[:keep_last]}
    months: list[tuple[int, int]] = []
    for b in regular:  # newest first: the first one seen of a month is its newest
        month = (b.created_at.year, b.created_at.month)
        if month not in months and len(months) < keep_monthly:
            months.append(month)
            keep.add(b.name)
    removed = []
    for b in regular:
        if b.name not in keep:
            for path in (Path(b.path), _manifest_path(Path(b.path)),
                         backup_pages.sidecar(Path(b.path))):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            removed.append(b.name)
    if removed:
        backup_pages.prune(backup_dir(ctx), [Path(b.path) for b in list_backups(ctx)])
    return removed


def backup_if_due(ctx: AppContext) -> BackupInfo | None:
    """The scheduled backup: one when the newest is older than ``backup.interval_hours``."""
    require_role(ctx, *ANY_ROLE)  # the app's own, whoever is signed in
    hours = int(ctx.config["backup.interval_hours"])
    if hours < 1:
        raise InvalidInput(_("Thiết lập backup.interval_hours phải là số giờ dương."))
    newest = next((b for b in list_backups(ctx) if b.name.startswith(PREFIX)), None)
    if newest and ctx.now() - newest.created_at < timedelta(hours=hours):
        return None
    return create_backup(ctx, purpose="scheduled")
