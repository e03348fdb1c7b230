"""This machine's secrets, kept out of the database and so out of every backup (#14 item 9).

The portal device key and token, the provincial gateway's password and the key that
authenticates the audit anchors (:mod:`sadec_desk.services.audit`) live in the operating
system's keyring through the ``keyring`` library; where no keyring backend works they live
in a private file (0600) beside the data dir, ``<data dir>.secrets.json`` — beside, not
inside, so that copying the data dir or its database does not copy the secrets.

Secrets belong to the machine, not to the office's database: with a PostgreSQL database
shared by several counters, the machine that enrolled with the portal is the one that
syncs. Databases of older versions kept these secrets in ``sync_state``: they are moved out
when the database is opened (:func:`move_secrets_out`), then removed from the table.
"""

from __future__ import annotations

import hashlib
import secrets as random_source
from pathlib import Path

import peewee

from sadec_desk.adapters.secret_store import (
    FileStore,
    KeyringStore,
    SecretStore,
    working_keyring,
)
from sadec_desk.config import data_dir
from sadec_desk.db.sync_models import SyncState

SERVICE = "sadec-desk"
#: the ``sync_state`` keys that are secrets: never stored in the database
SYNC_SECRETS = ("device_key", "token", "gateway_password")
AUDIT_KEY = "audit_hmac_key"
#: data dir -> its audit key, read once per process (every event's write seals with it)
_audit_keys: dict[str, bytes] = {}


def key_file_path() -> Path:
    folder = data_dir()
    return folder.parent / f"{folder.name}.secrets.json"


def _scope() -> str:
    """Two data dirs of one user account (two offices, the tests) keep separate secrets."""
    return hashlib.sha256(str(data_dir().resolve()).encode("utf-8")).hexdigest()[:16]


def _stores() -> list[SecretStore]:
    """Where secrets are written first, then where they may also be found (a key file
    written before a keyring became available is still read)."""
    backend = working_keyring()
    file_store = FileStore(key_file_path())
    if backend is None:
        return [file_store]
    return [KeyringStore(backend, SERVICE, _scope()), file_store]


def where_kept() -> str:
    """Where new secrets go, in one Vietnamese phrase (for ``sync status`` and the docs)."""
    return _stores()[0].description


def read_secret(name: str) -> str:
    for store in _stores():
        value = store.get(name)
        if value:
            return value
    return ""


def write_secret(name: str, value: str) -> None:
    """Keep ``value`` (an empty one forgets the secret everywhere)."""
    stores = _stores()
    if value:
        stores[0].set(name, value)
        for older in stores[1:]:
            if older.get(name) is not None:
                older.delete(name)
    else:
        for store in stores:
            store.delete(name)


def audit_key() -> bytes:
    """The key that authenticates the audit anchors and the backup manifests' chain head;
    made once per machine (32 random bytes)."""
    key = existing_audit_key()
    if key is None:
        write_secret(AUDIT_KEY, random_source.token_hex(32))
        key = existing_audit_key()
        assert key is not None  # just written
    return key


def existing_audit_key() -> bytes | None:
    """The audit key if one was ever made here (verifying never makes one)."""
    where = str(data_dir())
    cached = _audit_keys.get(where)
    if cached is not None:
        return cached
    try:
        key = bytes.fromhex(read_secret(AUDIT_KEY))
    except ValueError:
        return None
    if key:
        _audit_keys[where] = key
    return key or None


def move_secrets_out(database: peewee.Database) -> list[str]:
    """Secrets an older version kept in ``sync_state``: written to the secret store, then
    deleted from the table (in that order: an interruption leaves them to move again). A
    secret the store already holds is newer than a database's copy (a restored old backup
    still carries one) and is kept. Returns the names found in the table."""
    # the queries run on ``database`` explicitly: rebinding the model (bind_ctx) is
    # process-wide and races with another thread opening another database
    moved = []
    for row in SyncState.select().where(SyncState.key.in_(SYNC_SECRETS)).execute(database):
        if row.value and not read_secret(row.key):
            write_secret(row.key, row.value)
        moved.append(row.key)
    if moved:
        sqlite = isinstance(database, peewee.SqliteDatabase)
        if sqlite:  # zero the freed bytes: the old text must not linger in a free page
            database.execute_sql("PRAGMA secure_delete = ON")
        with database.atomic():
            SyncState.delete().where(SyncState.key.in_(moved)).execute(database)
        if sqlite:
            database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            database.execute_sql("PRAGMA secure_delete = OFF")
    return moved
