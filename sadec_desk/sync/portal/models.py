"""The reference portal's tables (peewee, behind a proxy) and opening its database.

SQLite file by default, PostgreSQL (or any peewee URL) when given; the tables are
created on first open and the procedure catalogue seeded from the app's own. On
PostgreSQL the server's threads share a pool of connections (each request takes one and
gives it back), so a request does not pay for a new connection.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from datetime import UTC, datetime

import peewee
from playhouse import db_url
from playhouse.pool import PooledPostgresqlDatabase

from sadec_desk.db.database import sqlite_database, translated_errors, url_database
from sadec_desk.db.models import UtcDateTimeField
from sadec_desk.errors import DatabaseError
from sadec_desk.i18n import _

portal_proxy = peewee.DatabaseProxy()
#: PostgreSQL advisory lock that serialises the portal's writers (PortalStore.write)
ADVISORY_LOCK_KEY = 7270051


class PortalModel(peewee.Model):
    # the implicit primary key, spelled out for the type checker only (a bare annotation
    # creates no field), as db/models.BaseModel does
    id: peewee.AutoField[int]

    class Meta:
        database = portal_proxy
        legacy_table_names = False


class Device(PortalModel):
    device_id = peewee.CharField(unique=True)
    name = peewee.CharField(default="")
    # HMAC key shared with the device: it proves the device when refreshing its token
    # and signs its offline export files, so the portal has to keep it
    key = peewee.CharField()
    # the office (QCVN 102:2016 agency code) the device works for: its change feed
    # holds that office's dossiers only
    agency = peewee.CharField(default="")
    enrolled_at = UtcDateTimeField()


class Enrolment(PortalModel):
    code = peewee.CharField(unique=True)
    # the office the device enrolled with this code will work for, fixed by the operator
    # ('portal new-code --agency CODE'); an enrolment naming another is refused
    agency = peewee.CharField(default="")
    created_at = UtcDateTimeField()
    expires_at = UtcDateTimeField()
    used_by = peewee.CharField(null=True)
    used_at = UtcDateTimeField(null=True)
    # SHA-256 of the nonce the device sent with the code: the same code and nonce again
    # (the answer was lost) get the same device back, any other nonce is refused
    nonce_hash = peewee.CharField(default="")


class Token(PortalModel):
    token_hash = peewee.CharField(unique=True)  # sha256: a leaked table gives no token
    device_id = peewee.CharField(index=True)
    expires_at = UtcDateTimeField()


class PortalDossier(PortalModel):
    uuid = peewee.CharField(unique=True)
    code = peewee.CharField(index=True)
    version = peewee.IntegerField()
    data = peewee.TextField()  # the dossier as JSON (protocol.check_dossier shape)
    updated_at = UtcDateTimeField()


class Operation(PortalModel):
    """Every op_id ever received, with the answer given (re-sent ops get it back)."""

    op_id = peewee.CharField(unique=True)
    device_id = peewee.CharField()
    dossier_uuid = peewee.CharField(index=True)
    op = peewee.CharField()
    result = peewee.CharField()
    version = peewee.IntegerField(null=True)
    message = peewee.TextField(default="")
    received_at = UtcDateTimeField()


class Change(PortalModel):
    """The change feed; its id is the cursor handed to clients."""

    dossier_uuid = peewee.CharField(index=True)
    version = peewee.IntegerField()
    origin = peewee.CharField()  # device id, or "portal" for changes made at the portal
    agency = peewee.CharField(default="")  # office the dossier belongs to (its code prefix)
    snapshot = peewee.TextField()

    class Meta:
        indexes = ((("agency", "id"), False),)
    at = UtcDateTimeField()


class PortalProcedure(PortalModel):
    code = peewee.CharField()
    version = peewee.IntegerField()
    data = peewee.TextField()
    active = peewee.BooleanField(default=True)

    class Meta:
        indexes = ((("code", "version"), True),)


class PortalBlob(PortalModel):
    """A complete stored file (scanned page) named by the SHA-256 of its bytes, in the
    blob dir at ``<sha[:2]>/<sha>``. Uploads under way are :class:`BlobUpload` rows
    (rows with ``complete`` false are left by releases before them, and dropped).
    """

    sha256 = peewee.CharField(unique=True)
    length = peewee.BigIntegerField()  # total bytes announced by the uploader
    received = peewee.BigIntegerField(default=0)
    complete = peewee.BooleanField(default=False)
    media_type = peewee.CharField(default="application/octet-stream")
    created_at = UtcDateTimeField()
    completed_at = UtcDateTimeField(null=True)


class BlobGrant(PortalModel):
    """Which office may read a blob: one that sent its bytes, or whose dossier names it.

    Blobs are shared by content (one copy per SHA-256), access is not: an office that
    uploads a blob another office already holds proves it has the bytes (each chunk is
    compared with the stored file, ``received`` is how far it got) before it may read or
    name it. The operator (agency "") reads every blob.
    """

    sha256 = peewee.CharField()
    agency = peewee.CharField()
    received = peewee.BigIntegerField(default=0)
    complete = peewee.BooleanField(default=False)

    class Meta:
        indexes = ((("sha256", "agency"), True),)


class BlobUpload(PortalModel):
    """One uploader's upload of a blob, under way (issue #18: uploads are per uploader,
    so another device can neither add to nor restart this one). The bytes are in its own
    ``.part`` file (``PortalStore.upload_path``); ``received`` is where its next chunk
    starts. Gone once the blob is complete (by anyone) or abandoned."""

    sha256 = peewee.CharField()
    uploader = peewee.CharField()  # a device id, or "operator"
    agency = peewee.CharField(default="")  # the uploader's office ("" for the operator)
    length = peewee.BigIntegerField()
    received = peewee.BigIntegerField(default=0)
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()

    class Meta:
        indexes = ((("sha256", "uploader"), True),)


PORTAL_MODELS = (Device, Enrolment, Token, PortalDossier, Operation, Change, PortalProcedure,
                 PortalBlob, BlobGrant, BlobUpload)

#: columns added after the first release: (table, column, SQL type and default)
_ADDED_COLUMNS = (("enrolment", "agency", "VARCHAR(255) NOT NULL DEFAULT ''"),
                  ("enrolment", "used_at", "TIMESTAMP NULL"),
                  ("enrolment", "nonce_hash", "VARCHAR(255) NOT NULL DEFAULT ''"))


def utcnow() -> datetime:
    return datetime.now(UTC)


#: PostgreSQL URL schemes the portal opens through its connection pool
POSTGRES_SCHEMES = ("postgres", "postgresql")
#: the isolation level of every portal transaction on PostgreSQL (PortalStore.write)
PORTAL_ISOLATION = "READ COMMITTED"
#: seconds a request waits for a free pooled connection before it fails
POOL_WAIT_SECONDS = 30
#: a pooled connection idle this long is closed rather than reused
POOL_STALE_SECONDS = 300
#: a pooled connection that sat unused in the pool this long is checked with a round
#: trip before it is handed out again (PortalPool)
POOL_CHECK_SECONDS = 5.0


class PortalPool(PooledPostgresqlDatabase):
    """peewee's PostgreSQL pool, without a round trip on every check-out.

    peewee checks each connection it hands out with ``SELECT 1``, and does so holding
    the database's lock, so every request of every server thread waited for one round
    trip of another thread's: under 200 offices (bench/portal_load.py) requests queued
    on that lock with PostgreSQL idle (docs/benchmarks.md). Here a connection given back
    less than :data:`POOL_CHECK_SECONDS` ago is checked locally only (libpq's own view:
    closed, or the last exchange left it in an unknown state); one that sat longer (a
    quiet portal, when the server may have restarted) still gets the round trip. A
    connection that died within the last seconds fails the one request that meets it
    (the request's error closes it: app.py), as it would have failed mid-request."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._returned_at: dict[int, float] = {}
        self._with_begin = threading.local()  # a statement to send with the next BEGIN

    @contextlib.contextmanager
    def atomic_with(self, sql: str, params: tuple | list):
        """``atomic()`` that runs ``sql`` first, sent with its BEGIN in one round trip
        (PortalStore.write: BEGIN, the feed's lock and a push's reads); yields the
        cursor holding the result of the last statement of ``sql``. Nested in another
        transaction (a savepoint, no BEGIN), ``sql`` goes on its own."""
        self._with_begin.statement = (sql, params)
        self._with_begin.cursor = None
        try:
            with self.atomic():
                pending = getattr(self._with_begin, "statement", None)
                if pending is not None:
                    self._with_begin.statement = None
                    self._with_begin.cursor = self.execute_sql(*pending)
                yield self._with_begin.cursor
        finally:
            self._with_begin.statement = None
            self._with_begin.cursor = None

    def begin(self, isolation_level=None):
        pending = getattr(self._with_begin, "statement", None)
        if pending is None or isolation_level not in (None, PORTAL_ISOLATION):
            return super().begin(isolation_level)
        self._with_begin.statement = None
        # the statements after BEGIN in one query string run inside the transaction,
        # one after the other (a SELECT after the lock's runs once the lock is granted)
        try:
            self._with_begin.cursor = self.execute_sql(
                f"BEGIN TRANSACTION ISOLATION LEVEL {PORTAL_ISOLATION}; {pending[0]}",
                pending[1])
        except Exception:
            # the BEGIN went through and a statement after it failed: peewee's atomic()
            # has not entered yet and would not roll back, so this does
            with contextlib.suppress(Exception):
                self.rollback()
            raise
        return None

    def _is_closed(self, conn) -> bool:
        import psycopg2.extensions

        if conn.closed or conn.get_transaction_status() == \
                psycopg2.extensions.TRANSACTION_STATUS_UNKNOWN:
            return True
        returned = self._returned_at.pop(id(conn), None)
        if returned is not None and time.monotonic() - returned < POOL_CHECK_SECONDS:
            return False
        return super()._is_closed(conn)  # the round trip

    def _close(self, conn, close_conn=False):
        with self._pool_lock:  # the pool's own (re-entrant) lock, as its _close takes
            super()._close(conn, close_conn)
            if close_conn or conn.closed:
                self._returned_at.pop(id(conn), None)
            else:
                self._returned_at[id(conn)] = time.monotonic()


def portal_database(url: str, *, connections: int = 10) -> peewee.Database:
    """The database at ``url``: PostgreSQL through a pool of at most ``connections``
    connections (one per server thread is enough: a request holds one from its start
    to its end), any other peewee URL as it is."""
    scheme = url.split(":", 1)[0].lower()
    if scheme not in POSTGRES_SCHEMES:
        return url_database(url)
    try:
        params = db_url.parse(url)
    except (ValueError, RuntimeError) as exc:
        raise DatabaseError(_("Địa chỉ cơ sở dữ liệu '{url}' không dùng được ({error})."
                              ).format(url=url, error=exc)) from None
    # READ COMMITTED stated at each BEGIN, whatever the server's default: the writers'
    # rule needs it (PortalStore.write)
    return PortalPool(max_connections=max(1, connections), stale_timeout=POOL_STALE_SECONDS,
                      timeout=POOL_WAIT_SECONDS, isolation_level=PORTAL_ISOLATION, **params)


def select_all(database: peewee.Database, queries: list) -> list[list[tuple]]:
    """The rows (as tuples) of each of ``queries``, peewee SELECTs whose columns have
    distinct names; on PostgreSQL all in one round trip (:func:`select_all_sql`)."""
    if not isinstance(database, peewee.PostgresqlDatabase):
        return [list(query.tuples()) for query in queries]
    return select_all_rows(database.execute_sql(*select_all_sql(queries)).fetchone())


def select_all_sql(queries: list) -> tuple[str, list]:
    """One PostgreSQL statement answering each of ``queries`` (peewee SELECTs whose
    columns have distinct names) as one JSON array of its rows, so that a push's reads
    under its office's lock cost one wait, not five; :func:`select_all_rows` reads its
    one row back."""
    parts, params = [], []
    for query in queries:
        sql, query_params = query.sql()
        parts.append(f"(SELECT coalesce(json_agg(q), '[]') FROM ({sql}) AS q)")
        params.extend(query_params)
    return "SELECT " + ", ".join(parts), params


def select_all_rows(row) -> list[list[tuple]]:
    """The rows of each query of a :func:`select_all_sql` statement, from its one row."""
    # psycopg2 reads json into Python objects; each row is a column-name -> value object
    # in the query's column order
    return [[tuple(obj.values()) for obj in (rows if isinstance(rows, list)
                                              else json.loads(rows))] for rows in row]


def open_portal_database(url: str | None, default_path, *,
                         connections: int = 10) -> peewee.Database:
    """SQLite file by default, PostgreSQL (or any peewee URL) when given; the tables
    created and the catalogue seeded. A server it cannot reach is a DatabaseError
    sentence, never a traceback."""
    database = portal_database(url, connections=connections) if url \
        else sqlite_database(default_path)
    portal_proxy.initialize(database)
    try:
        with translated_errors():
            _create_tables(database)
    except peewee.ImproperlyConfigured as exc:  # e.g. psycopg2 is not installed
        raise DatabaseError(_("Không mở được cơ sở dữ liệu của cổng ({error}): cài gói tùy "
                              "chọn «postgres»: pip install 'sadec-desk[postgres]'."
                              ).format(error=exc)) from None
    return database


def _create_tables(database: peewee.Database) -> None:
    database.connect(reuse_if_open=True)
    try:
        with database.atomic():
            database.create_tables(PORTAL_MODELS)
            for table, column, kind in _ADDED_COLUMNS:
                if column not in {c.name for c in database.get_columns(table)}:
                    database.execute_sql(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            if PortalProcedure.select().count() == 0:
                from sadec_desk.domain.catalogue import procedure_to_data
                from sadec_desk.services.catalogue import seed_procedures

                for p in seed_procedures():
                    PortalProcedure.create(code=p.code, version=p.version, data=json.dumps(
                        procedure_to_data(p), ensure_ascii=False))
    finally:
        database.close()
