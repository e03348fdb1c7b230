"""A full disk is said as such (issue #18), even when SQLite has already rolled the
transaction back and peewee's own rollback fails with "no transaction is active"."""

import sqlite3

import pytest
from appfixtures import SAMPLE_QR

from sadec_desk.errors import DatabaseError
from sadec_desk.services.access import as_machine
from sadec_desk.services.reception import dossiers


def test_full_disk_while_another_connection_reads(ctx):
    machine = as_machine(ctx)
    dossiers.receive_dossier(machine, procedure_code="1.004873", qr_text=SAMPLE_QR)
    other = sqlite3.connect(ctx.config.sqlite_path)  # another counter reading
    other.execute("BEGIN")
    other.execute("SELECT count(*) FROM dossier").fetchone()
    # the database file may not grow any more: what a full disk looks like to SQLite
    pages = ctx.database.execute_sql("PRAGMA page_count").fetchone()[0]
    ctx.database.execute_sql(f"PRAGMA max_page_count = {pages}")
    try:
        with pytest.raises(DatabaseError, match="Ổ đĩa đầy"):
            for _ in range(200):
                dossiers.receive_dossier(machine, procedure_code="1.004873",
                                         qr_text=SAMPLE_QR, note="x" * 1500)
    finally:
        other.execute("ROLLBACK")
        other.close()
