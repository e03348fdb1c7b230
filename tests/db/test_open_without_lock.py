"""Opening an up-to-date database takes no write lock (issue #18): while another process
holds SQLite's write lock, reading commands still work."""

import sqlite3
import time

from appfixtures import AGENCY, SAMPLE_QR
from appfixtures import run_cli as run

from sadec_desk.config import load_config, save_setting


def test_dossier_list_works_while_another_connection_holds_the_write_lock(capsys):
    assert run(capsys, "init", "--agency-code", AGENCY)[0] == 0
    assert run(capsys, "dossier", "receive", "--procedure", "1.004873", "--qr", SAMPLE_QR)[0] == 0
    save_setting("database.busy_timeout_ms", 300)
    other = sqlite3.connect(load_config().sqlite_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another counter in the middle of a write
        started = time.monotonic()
        code, out, err = run(capsys, "dossier", "list")
        assert code == 0, err
        assert AGENCY in out
        assert time.monotonic() - started < 5  # no wait for the lock
        # a write still waits for the lock and then says so in a sentence
        code, _out, err = run(capsys, "dossier", "receive", "--procedure", "1.004873",
                              "--qr", SAMPLE_QR)
        assert code == 2 and "khoá" in err
    finally:
        other.execute("ROLLBACK")
        other.close()
