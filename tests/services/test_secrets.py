"""Secrets at rest (#14 item 9): the device key, the token and the gateway password never
reach the database or a backup; they live in the OS keyring, or in a 0600 file beside the
data dir where no keyring works (this machine); older databases are migrated."""

from __future__ import annotations

import os
import sqlite3

import keyring
import pytest
from appfixtures import make_ctx
from jaraco.classes import properties
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from sadec_desk.bootstrap import open_context
from sadec_desk.config import data_dir
from sadec_desk.services import secrets
from sadec_desk.services.admin import backup
from sadec_desk.sync.state import get_state, set_state

SECRETS = {"device_key": "k-3f9a1c77e0b2d4a6", "token": "tok-5be0c2d1aa98",
           "gateway_password": "Mật-khẩu-cổng-0xA1"}


class MemoryKeyring(KeyringBackend):
    """A keyring backend registered through keyring's own API (no desktop session here).
    Not viable on its own (its priority raises), so keyring never picks it by itself."""

    @properties.classproperty
    def priority(cls):
        raise RuntimeError("chosen by the tests only, through keyring.set_keyring")

    def __init__(self):
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.entries.get((service, username))

    def set_password(self, service, username, password):
        self.entries[(service, username)] = password

    def delete_password(self, service, username):
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture
def memory_keyring(monkeypatch):
    # a desktop session's bus: without one, Linux has no keyring and none is probed
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def _store_all(ctx):
    for key, value in SECRETS.items():
        set_state(ctx, key, value)
    set_state(ctx, "device_id", "dev-1")


def _bytes_everywhere(ctx) -> bytes:
    """Every byte of the database and its WAL, as a thief copying the data dir gets them."""
    ctx.database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    folder = ctx.config.sqlite_path.parent
    return b"".join(p.read_bytes() for p in folder.glob("sadec_desk.sqlite3*"))


def test_without_a_keyring_secrets_go_to_a_private_file_beside_the_data_dir(ctx):
    assert secrets.working_keyring() is None  # this machine: the fallback is what runs
    _store_all(ctx)
    assert {k: get_state(k) for k in SECRETS} == SECRETS
    path = secrets.key_file_path()
    assert path.parent == data_dir().parent and path.name == "data.secrets.json"
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o600
    rows = dict(ctx.database.execute_sql("SELECT key, value FROM sync_state").fetchall())
    assert rows["device_id"] == "dev-1" and not set(SECRETS) & set(rows)
    raw = _bytes_everywhere(ctx)
    for value in SECRETS.values():
        assert value.encode() not in raw


def test_no_backup_carries_a_secret(ctx):
    _store_all(ctx)
    info = backup.create_backup(ctx)
    raw = open(info.path, "rb").read()
    for value in SECRETS.values():
        assert value.encode() not in raw
    if os.name == "posix":
        assert os.stat(info.path).st_mode & 0o777 == 0o600


def test_with_a_keyring_the_secrets_go_there_and_no_file_is_written(ctx, memory_keyring):
    _store_all(ctx)
    assert {k: get_state(k) for k in SECRETS} == SECRETS
    assert not secrets.key_file_path().exists()
    stored = {user.split("/", 1)[1]: value
              for (service, user), value in memory_keyring.entries.items()
              if service == secrets.SERVICE}
    assert stored == SECRETS
    set_state(ctx, "token", "")  # forgetting a secret removes it from the keyring
    assert get_state("token") == "" and "token" not in {
        u.split("/", 1)[1] for _s, u in memory_keyring.entries}


def test_a_key_file_written_before_the_keyring_appeared_is_still_read(ctx, monkeypatch):
    set_state(ctx, "device_key", "old-file-key")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        assert get_state("device_key") == "old-file-key"
        set_state(ctx, "device_key", "new-key")  # moves to the keyring, leaves the file
        assert get_state("device_key") == "new-key"
        assert "new-key" not in secrets.key_file_path().read_text()
        assert "old-file-key" not in secrets.key_file_path().read_text()
    finally:
        keyring.set_keyring(previous)


def _old_version_database(path, values):
    """Secrets in sync_state, as every version before this one wrote them."""
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany("INSERT INTO sync_state (key, value, updated_at) VALUES (?, ?, ?)",
                         [(k, v, "2026-11-26 02:00:00.000000") for k, v in values.items()])
    conn.close()


def test_an_older_database_is_migrated_secrets_moved_out_then_removed(ctx):
    path = ctx.config.sqlite_path
    ctx.close()
    _old_version_database(path, {**SECRETS, "device_id": "dev-1"})
    ctx = open_context()
    try:
        rows = dict(ctx.database.execute_sql("SELECT key, value FROM sync_state").fetchall())
        assert rows == {"device_id": "dev-1"}
        assert {k: get_state(k) for k in SECRETS} == SECRETS
        raw = _bytes_everywhere(ctx)  # freed pages included: nothing lingers there
        for value in SECRETS.values():
            assert value.encode() not in raw
    finally:
        ctx.close()


def test_a_restored_old_backup_never_overwrites_the_newer_secret_kept_outside(ctx):
    set_state(ctx, "token", "newest-token")
    path = ctx.config.sqlite_path
    ctx.close()
    _old_version_database(path, {"token": "stale-token-from-an-old-backup"})
    ctx = open_context()
    try:
        assert get_state("token") == "newest-token"
        assert ctx.database.execute_sql(
            "SELECT count(*) FROM sync_state WHERE key = 'token'").fetchone()[0] == 0
    finally:
        ctx.close()


def test_a_broken_key_file_is_a_sentence(ctx):
    secrets.key_file_path().write_text("{not json")
    with pytest.raises(Exception, match="Tệp khoá .* không đọc được"):
        get_state("token")


def test_two_data_dirs_keep_their_secrets_apart(tmp_path, monkeypatch, memory_keyring):
    first = make_ctx()
    set_state(first, "token", "office-A")
    first.close()
    monkeypatch.setenv("SADEC_DESK_DATA_DIR", str(tmp_path / "other"))
    second = make_ctx()
    try:
        assert get_state("token") == ""
    finally:
        second.close()
