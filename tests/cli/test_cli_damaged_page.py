"""A damaged table page met while reading rows (the error comes from the cursor, after
the service's own translation has returned) is a sentence, not exit 70 (issue #18)."""

import sqlite3

from appfixtures import AGENCY, SAMPLE_QR
from appfixtures import run_cli as run

from sadec_desk.config import load_config


def test_dossier_list_and_audit_verify_on_a_damaged_page(capsys):
    assert run(capsys, "init", "--agency-code", AGENCY)[0] == 0
    for _ in range(40):
        assert run(capsys, "dossier", "receive", "--procedure", "1.004873",
                   "--qr", SAMPLE_QR)[0] == 0
    path = load_config().sqlite_path
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    # the leaf pages of the dossier table: damage the last one, which the cursor meets
    # only after the first rows have come back
    pages = [row[0] for row in connection.execute(
        "SELECT pageno FROM dbstat WHERE name = 'dossier' AND pagetype = 'leaf' "
        "ORDER BY pageno")]
    connection.close()
    assert len(pages) > 1
    with open(path, "r+b") as file:
        file.seek((pages[-1] - 1) * page_size)
        file.write(b"\x0d" + b"\xff" * (page_size - 1))
    code, _out, err = run(capsys, "dossier", "list", "--limit", "1000")
    assert code == 2 and "hỏng" in err, err
    code, _out, err = run(capsys, "audit", "verify")
    assert code in (1, 2) and "Lỗi không mong muốn" not in err, err
