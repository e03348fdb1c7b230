"""PortalStore: the reference portal's rules over its database and its blob files.

Devices and tokens, the push (:class:`~sadec_desk.sync.portal.batch.PushBatch`), the
resumable upload of page files, the change feed, the catalogue, and the operator's edits
(online dossiers, portal-side status and paper changes). The HTTP layer
(:mod:`sadec_desk.sync.portal.app`) only translates to and from it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import secrets
import threading
import time
import uuid as uuidlib
from datetime import timedelta
from pathlib import Path

import peewee

from sadec_desk.db.database import is_sqlite
from sadec_desk.domain.dossier_code import validate_agency_code
from sadec_desk.i18n import _
from sadec_desk.sync import protocol as P
from sadec_desk.sync.portal.batch import (
    PushBatch,
    agency_of,
    complete_blobs,
    form_problem,
    pages_named,
    papers_problem,
    stored_papers,
)
from sadec_desk.sync.portal.blobs import (
    MAX_BLOB_BYTES,
    MAX_CHUNK_BYTES,
    BlobError,
    BlobStore,
)
from sadec_desk.sync.portal.models import (
    ADVISORY_LOCK_KEY,
    Change,
    Device,
    Enrolment,
    PortalDossier,
    PortalProcedure,
    Token,
    select_all,
    select_all_rows,
    select_all_sql,
    utcnow,
)
from sadec_desk.sync.portal.validate import dossier_problem

__all__ = ["BlobError", "EnrolmentRefused", "PortalStore"]

#: how long after a code was used the same code and nonce get the same device back
ENROL_RETRY_WINDOW = timedelta(days=1)
#: tries of a push whose transaction met another office's on a unique key or deadlocked
PUSH_ATTEMPTS = 3
#: seconds a valid token is remembered (with its expiry) instead of read each request
TOKEN_CACHE_SECONDS = 30.0
#: tokens remembered at most (then forgotten all at once and read again)
TOKEN_CACHE_SIZE = 20_000
#: PostgreSQL's unique_violation, deadlock_detected and serialization_failure: the
#: transaction may be tried again (it then reads the other transaction's rows)
RETRYABLE_PGCODES = ("23505", "40P01", "40001")


class EnrolmentRefused(Exception):
    """An enrolment the portal refuses (unknown, used or expired code, or another office)."""


class PortalStore(BlobStore):
    """The portal's rules over its database; the HTTP layer only translates."""

    def __init__(self, database: peewee.Database, *, token_ttl: timedelta,
                 blob_dir: Path | None = None, max_chunk_bytes: int = MAX_CHUNK_BYTES,
                 max_blob_bytes: int = MAX_BLOB_BYTES):
        self.database = database
        self.token_ttl = token_ttl
        if blob_dir is None and is_sqlite(database):
            blob_dir = Path(database.database).parent / "portal-blobs"
        # None: a store used for other work (e.g. 'portal new-code' on PostgreSQL)
        self.blob_dir = Path(blob_dir) if blob_dir is not None else None
        self.max_chunk_bytes = max_chunk_bytes
        self.max_blob_bytes = max_blob_bytes
        self._blob_locks: dict[str, threading.Lock] = {}
        # token hash -> (device id, expires at, office, remembered until): token_holder
        self._tokens: dict[str, tuple] = {}
        self._tokens_guard = threading.Lock()
        self._token_generation = 0
        self._blob_locks_guard = threading.Lock()

    # --- transactions ---------------------------------------------------------------

    @contextlib.contextmanager
    def write(self, office: str | None = None, reads: list | None = None):
        """A write transaction; ``office``: one that adds to that office's change feed.

        The feed's cursor is ``Change.id``. On PostgreSQL it comes from a sequence, and
        a sequence value is taken when the row is inserted, not when it commits: with
        two writers at once, the one holding id 11 could commit before the one holding
        id 10, and a reader would page past 11 and never see 10. Of the two ways out,
        (a) one writer at a time per feed (a transaction-scoped advisory lock, so ids
        commit in order) or (b) readers stopping below the lowest id still in flight
        (which needs a table of in-flight ids, or ``pg_snapshot_xmin`` bookkeeping on
        every row), we take (a), with one lock per office: each office reads only its
        own feed (:meth:`changes`), so only that office's writers need to take turns,
        and 200 offices pushing at once do not queue behind each other
        (bench/portal_load.py; docs/benchmarks.md). A writer holding office X's lock
        took its ids after the previous X writer committed, so when a reader sees id N
        of X committed, every X id below N is committed too.

        Writes that touch no feed (devices, tokens, enrolment codes, blobs, the
        catalogue, anchors) take the one portal-wide lock instead; the operator's edits,
        which do both (an online dossier grants its pages), take it first and then the
        office's, always in that order, so two writers never wait for each other in a
        circle. Pushes of two offices can still meet on a unique key (an op_id or uuid
        one device copied from another office's): :meth:`push` retries, and the second
        attempt sees the first one's row. On SQLite ``BEGIN IMMEDIATE`` makes every
        writer take turns, which satisfies the same rule.

        The pool's connections run READ COMMITTED (models.portal_database): each
        statement after the lock sees every change the writers before it committed
        (REPEATABLE READ would read from a snapshot taken before the lock was granted).
        The lock goes at COMMIT or ROLLBACK, never held by an idle connection.

        ``reads``: peewee SELECTs to run once the lock is held; the block gets their
        rows (models.select_all), else None. On PostgreSQL the BEGIN, the lock and the
        reads go in one round trip (PortalPool.atomic_with): under 200 offices each round
        trip is a wait, and the office's next writer waits for this one's lock."""
        if is_sqlite(self.database):
            with self.database.atomic():
                yield select_all(self.database, reads) if reads else None
            return
        lock: tuple[str, list[int | str]]
        if office is None:
            lock = ("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
        else:  # the two-key lock space, apart from the portal-wide key's
            lock = ("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [ADVISORY_LOCK_KEY, office])
        atomic_with = getattr(self.database, "atomic_with", None)
        if atomic_with is None:  # a PostgreSQL database opened some other way
            with self.database.atomic():
                self.database.execute_sql(*lock)
                yield select_all(self.database, reads) if reads else None
            return
        sql, params = lock
        if reads:
            reads_sql, reads_params = select_all_sql(reads)
            sql, params = f"{sql}; {reads_sql}", params + reads_params
        with atomic_with(sql, params) as cursor:
            yield select_all_rows(cursor.fetchone()) if reads else None

    def _retrying(self, work):
        """``work()`` (which opens its own write()), again when two offices' transactions
        met on a unique key or in a deadlock (PostgreSQL): the retry sees the winner's rows
        and answers as if they had come one after the other."""
        for attempt in range(PUSH_ATTEMPTS):
            try:
                return work()
            except Exception as exc:  # psycopg2's own (bulk inserts) or peewee's wrapper
                driver = exc.args[0] if exc.args else None  # what peewee wraps
                code = getattr(exc, "pgcode", None) or getattr(driver, "pgcode", None)
                if code not in RETRYABLE_PGCODES or attempt == PUSH_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    # --- devices and tokens -----------------------------------------------------------

    def new_enrolment_code(self, agency: str,
                           valid_for: timedelta = timedelta(days=7)) -> str:
        """A one-time code for a device of office ``agency`` (QCVN 102:2016 agency code;
        InvalidInput when it is not one): the device works for that office only."""
        agency = validate_agency_code(agency)
        code = "-".join(secrets.token_hex(2).upper() for _ in range(3))
        now = utcnow()
        with self.write():
            Enrolment.create(code=code, agency=agency, created_at=now,
                             expires_at=now + valid_for)
        return code

    def _issue_token(self, device_id: str) -> dict:
        token = secrets.token_urlsafe(32)
        expires = utcnow() + self.token_ttl
        Token.create(token_hash=hashlib.sha256(token.encode()).hexdigest(),
                     device_id=device_id, expires_at=expires)
        return {"token": token, "expires_at": expires.isoformat()}

    def enrol(self, code: str, name: str, agency: str, nonce: str = "") -> dict:
        """A device identity for a one-time code; EnrolmentRefused when the code is
        unknown, used or expired, or was made for another office than ``agency``.

        Retry-safe (issue #14 item 4): the device sends a ``nonce`` it keeps until the
        answer arrives. The same code with the same nonce, within
        :data:`ENROL_RETRY_WINDOW` of its use, answers with the same device (its key and
        a fresh token), so a lost answer leaves no device nobody holds the key of; a
        spent code with any other nonce (or none) is refused as before."""
        now = utcnow()
        with self.write():
            enrolment = Enrolment.get_or_none(Enrolment.code == code.strip().upper())
            if enrolment is None:
                raise EnrolmentRefused("unknown, used or expired enrolment code")
            agency = agency.strip().upper()
            if not enrolment.agency or not hmac.compare_digest(enrolment.agency.encode(),
                                                               agency.encode()):
                raise EnrolmentRefused("this enrolment code was made for another office "
                                       "(agency_code must be the one the operator gave)")
            nonce_hash = hashlib.sha256(nonce.encode()).hexdigest() if nonce else ""
            if enrolment.used_by is not None:
                device = Device.get_or_none(Device.device_id == enrolment.used_by)
                if (nonce_hash and enrolment.nonce_hash and device is not None
                        and hmac.compare_digest(enrolment.nonce_hash.encode(),
                                                nonce_hash.encode())
                        and enrolment.used_at is not None
                        and now <= enrolment.used_at + ENROL_RETRY_WINDOW):
                    return {"device_id": device.device_id, "device_key": device.key,
                            **self._issue_token(device.device_id)}
                raise EnrolmentRefused("unknown, used or expired enrolment code")
            if enrolment.expires_at < now:
                raise EnrolmentRefused("unknown, used or expired enrolment code")
            device_id = str(uuidlib.uuid4())
            key = secrets.token_urlsafe(32)
            Device.create(device_id=device_id, name=name, key=key, agency=enrolment.agency,
                          enrolled_at=now)
            Enrolment.update(used_by=device_id, used_at=now, nonce_hash=nonce_hash).where(
                Enrolment.id == enrolment.id).execute()
            return {"device_id": device_id, "device_key": key, **self._issue_token(device_id)}

    def device_agency(self, device_id: str) -> str:
        """The office a device works for ("" for an unknown device, or one enrolled
        before devices had an office: it may do nothing until enrolled again)."""
        device = Device.get_or_none(Device.device_id == device_id)
        return device.agency if device else ""

    def device_key(self, device_id: str) -> str | None:
        device = Device.get_or_none(Device.device_id == device_id)
        return device.key if device else None

    def refresh_token(self, device_id: str, key: str) -> dict | None:
        known = self.device_key(device_id)
        if known is None or not hmac.compare_digest(known.encode(), key.encode()):
            return None
        with self.write():
            Token.delete().where(Token.device_id == device_id,
                                 Token.expires_at < utcnow()).execute()
            return self._issue_token(device_id)

    def device_for_token(self, token: str) -> str | None:
        found = self.token_holder(token)
        return found[0] if found else None

    def token_holder(self, token: str) -> tuple[str, str] | None:
        """(device id, its office) for a valid token, in one query (every request asks).

        A token found valid is remembered for :data:`TOKEN_CACHE_SECONDS` with its
        expiry (checked on every use), so an office's push or pull does not pay a round
        trip for it each time (under 200 offices each round trip is a wait: docs/
        benchmarks.md). Tokens only end by expiring or by :meth:`expire_tokens`, which
        forgets them all; a device's office never changes. Unknown tokens are not
        remembered (a token issued a moment ago must work at once)."""
        token_hash = hashlib.sha256(token.encode()).hexdigest()
        now = utcnow()
        remembered = self._tokens.get(token_hash)
        if remembered is not None and remembered[3] > time.monotonic():
            row = remembered
        else:
            generation = self._token_generation
            row = (Token.select(Token.device_id, Token.expires_at, Device.agency)
                   .join(Device, peewee.JOIN.LEFT_OUTER,
                         on=(Device.device_id == Token.device_id))
                   .where(Token.token_hash == token_hash).tuples().first())
            with self._tokens_guard:  # not if expire_tokens() ran since the read
                if row is not None and row[1] > now \
                        and generation == self._token_generation:
                    if len(self._tokens) >= TOKEN_CACHE_SIZE:
                        self._tokens.clear()
                    self._tokens[token_hash] = (*row, time.monotonic() + TOKEN_CACHE_SECONDS)
        if row is None or row[1] <= now:
            return None
        return row[0], row[2] or ""

    def expire_tokens(self) -> int:
        self._forget_tokens()
        try:
            with self.write():
                return Token.update(expires_at=utcnow() - timedelta(seconds=1)).execute()
        finally:
            self._forget_tokens()  # and any a request read before the update committed

    def _forget_tokens(self) -> None:
        with self._tokens_guard:
            self._token_generation += 1
            self._tokens.clear()

    # --- push -------------------------------------------------------------------------

    def push(self, device_id: str, ops: list[dict], agency: str | None = None) -> list[dict]:
        """Apply a batch in order, in one transaction; one answer per op. ``agency``: the
        device's office when the caller knows it already.

        Everything the batch needs is read with a handful of queries up front and
        written with bulk inserts at the end (one query per op would cap a push at a
        few hundred ops per second). A batch only ever adds to its own office's feed
        (batch.py refuses every op on another office's dossier), so it takes that
        office's lock (write()).
        """
        if agency is None:
            agency = self.device_agency(device_id)

        reads = PushBatch.reads(device_id, ops)  # built before the lock is taken

        def apply() -> list[dict]:
            with self.write(agency or None, reads) as rows:
                batch = PushBatch(device_id, agency, ops, utcnow(), rows)
                results = [batch.apply(op) for op in ops]
                batch.flush()
            return results

        return self._retrying(apply)

    # --- blobs (scanned pages): sync/portal/blobs.py --------------------------------------

    @contextlib.contextmanager
    def blob_lock(self, sha256: str):
        """One writer per blob: two uploads of the same page (by two uploaders, or one
        uploader's two workers) take turns, and the second finds where things stand."""
        with self._blob_locks_guard:
            lock = self._blob_locks.setdefault(sha256, threading.Lock())
        with lock:
            yield

    # --- changes, catalogue, portal-side edits ------------------------------------------

    def changes(self, device_id: str, since: int, limit: int,
                agency: str | None = None) -> dict:
        """The device's office's changes after ``since`` (a device without an office
        sees none), without the ones this device pushed itself (no echo, issue #14
        item 5: after a large push the office does not download it all again). The
        cursor still moves past those, so a device whose feed is all its own changes
        is never left behind them; another device of the office gets them as usual.
        ``agency``: the device's office when the caller knows it already."""
        if agency is None:
            agency = self.device_agency(device_id)
        # the office's newest change and the page after ``since`` in one statement (one
        # snapshot, one round trip): the office's writers take turns (write()), so every
        # change of the office up to the newest is committed and the page holds them all.
        # The newest comes on every row, and on a row of NULLs when the page is empty.
        table = f'"{Change._meta.table_name}"'
        param = self.database.param
        rows = self.database.execute_sql(
            f"SELECT n.newest, c.id, c.origin, c.version, c.snapshot FROM "
            f"(SELECT MAX(id) AS newest FROM {table} WHERE agency = {param} "
            f"AND agency <> '') AS n LEFT JOIN {table} AS c ON c.agency = {param} "
            f"AND c.id > {param} AND c.id <= n.newest AND c.origin <> {param} "
            f"ORDER BY c.id LIMIT {param}",
            (agency, agency, since, device_id, limit + 1)).fetchall()
        newest = rows[0][0] or 0
        page = [row for row in rows if row[1] is not None][:limit]
        more = len(rows) > limit
        return {
            "changes": [{"seq": seq, "origin": origin, "version": version,
                         "dossier": json.loads(snapshot)}
                        for _newest, seq, origin, version, snapshot in page],
            # a full page: up to its last change; else past the device's own as well
            "cursor": page[-1][1] if more else max(since, newest),
            "has_more": more,
        }

    def procedures(self) -> list[dict]:
        return [{"code": r.code, "version": r.version, "data": json.loads(r.data)}
                for r in PortalProcedure.select().where(PortalProcedure.active)
                .order_by(PortalProcedure.code)]

    def publish_procedure(self, data: dict) -> dict:
        from sadec_desk.domain.catalogue import procedure_to_data, procedures_from_data

        procedure = procedures_from_data({"format": 1, "procedures": [data]})[0]
        with self.write():
            newest = (PortalProcedure.select(peewee.fn.MAX(PortalProcedure.version))
                      .where(PortalProcedure.code == procedure.code).scalar()) or 0
            if procedure.version <= newest:
                raise ValueError(f"version must be above {newest}")
            PortalProcedure.update(active=False).where(
                PortalProcedure.code == procedure.code).execute()
            PortalProcedure.create(code=procedure.code, version=procedure.version,
                                   data=json.dumps(procedure_to_data(procedure),
                                                   ensure_ascii=False))
        return {"code": procedure.code, "version": procedure.version}

    def get_dossier(self, uuid: str, agency: str | None = None) -> dict | None:
        """A dossier, if office ``agency`` (None: the operator) may read it: another
        office's dossier is unknown to it."""
        row = PortalDossier.get_or_none(PortalDossier.uuid == uuid)
        if row is None or (agency is not None and (not agency
                                                   or agency_of(row.code) != agency)):
            return None
        return json.loads(row.data)

    def all_dossiers(self) -> list[dict]:
        return [json.loads(r.data) for r in PortalDossier.select().order_by(PortalDossier.id)]

    def create_online_dossier(self, data: dict) -> dict:
        """A dossier a citizen submitted online (channel "online", origin "portal")."""
        now = utcnow()
        uuid = data.get("uuid") or str(uuidlib.uuid4())
        dossier = {
            "uuid": uuid, "code": data["code"], "procedure_code": data["procedure_code"],
            "procedure_name": data.get("procedure_name", ""), "channel": "online",
            "status": "received", "received_at": data.get("received_at") or now.isoformat(),
            "due_at": data["due_at"], "finished_at": None, "fee_vnd": data.get("fee_vnd", 0),
            "pages": 0, "copies": 1, "phone": data.get("phone", ""),
            "received_by": "portal", "citizen": data["citizen"], "version": 1,
        }
        problem = dossier_problem(dossier)
        if problem:  # nothing malformed enters the feed
            raise P.SchemaError(problem)
        with self.write(), self.write(agency_of(dossier["code"]) or None):
            # an online dossier comes with its scanned papers and its filled form, as
            # on the real portals; the blobs must already be here (admin upload)
            dossier.update(self._attachments(uuid, data, agency_of(dossier["code"])))
            if not PortalProcedure.select().where(PortalProcedure.code == dossier[
                    "procedure_code"], PortalProcedure.active).exists():
                raise P.SchemaError(f"procedure {dossier['procedure_code']} is not in the "
                                    "portal's catalogue")
            if PortalDossier.select().where(PortalDossier.code == dossier["code"]).exists():
                raise peewee.IntegrityError("dossier code already used")
            text = json.dumps(dossier, ensure_ascii=False)
            PortalDossier.create(uuid=uuid, code=dossier["code"], version=1, data=text,
                                 updated_at=now)
            Change.create(dossier_uuid=uuid, version=1, origin="portal", snapshot=text, at=now,
                          agency=agency_of(dossier["code"]))
        return dossier

    def _attachments(self, uuid: str, data: dict, agency: str) -> dict:
        """The ``scanned_papers`` and ``form`` of an operator's request, checked (each
        only when given); P.SchemaError names what is wrong. The dossier's office
        ``agency`` may then read the pages. Call inside write()."""
        out: dict = {}
        if "scanned_papers" in data:
            papers = data["scanned_papers"]
            if not isinstance(papers, list):
                raise P.SchemaError("'scanned_papers' must be a list of papers")
            problem = papers_problem(papers, complete_blobs(
                page["sha256"] for page in pages_named({"papers": papers})))
            if problem:
                raise P.SchemaError(problem)
            out["scanned_papers"] = stored_papers(papers)
            if agency:
                self.grant_blobs((page["sha256"] for page in pages_named({"papers": papers})),
                                 agency)
        if "form" in data:
            form = data["form"]
            problem = form_problem({**form, "uuid": uuid}, uuid) if isinstance(form, dict) \
                else _("Tờ khai (form) phải là một đối tượng JSON.")
            if problem:
                raise P.SchemaError(problem)
            out["form"] = {k: form[k] for k in ("form_id", "form_version", "values")}
        return out

    def _office_of(self, uuid: str) -> str | None:
        """The office whose feed a change of dossier ``uuid`` goes to (a dossier's code,
        and so its office, never changes); None for an unknown dossier."""
        code = PortalDossier.select(PortalDossier.code).where(
            PortalDossier.uuid == uuid).scalar()
        return agency_of(code) or None if code else None

    def portal_attachments_change(self, uuid: str, data: dict) -> dict | None:
        """The citizen changed the papers or the form of a dossier on the portal (e.g.
        after a supplement request): a new version in the change feed."""
        now = utcnow()
        with self.write(), self.write(self._office_of(uuid)):
            row = PortalDossier.get_or_none(PortalDossier.uuid == uuid)
            if row is None:
                return None
            changes = self._attachments(uuid, data, agency_of(row.code))
            if not changes:
                raise P.SchemaError("give 'scanned_papers' and/or 'form'")
            current = json.loads(row.data)
            current.update(changes, version=row.version + 1)
            text = json.dumps(current, ensure_ascii=False)
            PortalDossier.update(version=current["version"], data=text, updated_at=now).where(
                PortalDossier.id == row.id).execute()
            Change.create(dossier_uuid=uuid, version=current["version"], origin="portal",
                          snapshot=text, at=now, agency=agency_of(current["code"]))
        return current

    def portal_status_change(self, uuid: str, status: str, note: str = "") -> dict | None:
        if status not in P.STATUSES:
            raise ValueError(f"unknown status {status!r}")
        now = utcnow()
        with self.write(), self.write(self._office_of(uuid)):
            row = PortalDossier.get_or_none(PortalDossier.uuid == uuid)
            if row is None:
                return None
            data = json.loads(row.data)
            data.update(status=status, version=row.version + 1)
            if note:
                data["portal_note"] = note
            text = json.dumps(data, ensure_ascii=False)
            PortalDossier.update(version=data["version"], data=text, updated_at=now).where(
                PortalDossier.id == row.id).execute()
            Change.create(dossier_uuid=uuid, version=data["version"], origin="portal",
                          snapshot=text, at=now, agency=agency_of(data["code"]))
        return data
