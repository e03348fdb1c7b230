"""Personal data (issue #7, Required 6): tickets carry none; the log never holds ID numbers
or names — checked by scanning the log file after a working run of the CLI, a refused
input and a crash whose message contains an ID number."""

from __future__ import annotations

import json
import logging
from datetime import datetime

from appfixtures import SAMPLE_QR, Clock, make_ctx

from sadec_desk.cli import main
from sadec_desk.db.print_models import PrintJob
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.services import audit
from sadec_desk.services.admin import office
from sadec_desk.services.context import AppContext
from sadec_desk.services.queue import tickets
from sadec_desk.services.reception import dossiers

ID_NUMBER, NAME, ADDRESS, PHONE = ("034303011829", "Nguyễn Thị Hoa", "Thôn Lai Ổn",
                                   "0912345678")
OLD_ID = "351234567"
TODAY = datetime.now(VN_TZ).date().isoformat()  # the CLI runs on the real clock
OTHER_QR = f"087099001234|{OLD_ID}|Trần Văn Đức|05061999|Nam|Phường 1, Sa Đéc, Đồng Tháp|01022022"


def test_tickets_carry_no_personal_data():
    ctx = make_ctx(Clock())
    office.init_office(ctx)
    ticket = tickets.take_ticket(ctx, "A")
    info = dossiers.receive_dossier(ctx, procedure_code="2.000815", qr_text=SAMPLE_QR,
                                    pages=1, phone=PHONE)
    tickets.link_dossier(ctx, ticket.id, info.code)
    tickets.take_ticket(ctx, "A")  # a ticket taken after the dossier exists
    jobs = list(PrintJob.select().where(PrintJob.kind == "ticket"))
    assert len(jobs) == 2
    for job in jobs:
        stored = json.dumps(json.loads(job.data), ensure_ascii=False) + job.title + job.reference
        for secret in (ID_NUMBER, NAME, ADDRESS, PHONE, "1829"):
            assert secret not in stored
    ctx.close()


def test_redaction_of_id_numbers():
    assert audit.redact(f"CCCD {ID_NUMBER}, CMND {OLD_ID}") == "CCCD ********1829, CMND *****4567"
    # dossier codes, dates and phone numbers are left alone
    text = "000.00.14.H20-261126-0001 at 2026-11-26 09:00, 0912345678"
    assert audit.redact(text) == text


def test_log_file_holds_no_id_numbers_or_names(tmp_path, monkeypatch, capsys):
    ctx = make_ctx(Clock())
    office.init_office(ctx)
    log_file = ctx.config.data_dir / "logs" / "sadec-desk.log"
    ctx.close()
    out = tmp_path / "exports"
    out.mkdir()
    assert main(["dossier", "receive", "--procedure", "2.000815", "--qr", SAMPLE_QR,
                 "--pages", "1", "--phone", PHONE, "--json"]) == 0
    code = json.loads(capsys.readouterr().out)["code"]
    assert main(["dossier", "receive", "--procedure", "1.004873", "--qr", OTHER_QR]) == 0
    for argv in (["dossier", "show", code], ["dossier", "list"],
                 ["citizen", "parse-qr", SAMPLE_QR],
                 ["dossier", "advance", code, "--to", "refused", "--note", f"Sai tên {NAME}"],
                 ["form", "print", code, "--form", "03", "--out", str(out / f"{NAME}.pdf")],
                 ["report", "book", "--from", TODAY, "--to", TODAY,
                  "--out", str(out / "so.pdf")],
                 ["report", "export", "--from", TODAY, "--to", TODAY,
                  "--format", "xlsx", "--book", "--out", str(out / "bc.xlsx")],
                 ["queue", "take", "--group", "A"],
                 ["backup", "create"], ["audit", "verify"]):
        assert main(argv) == 0, argv
    # refused input: a card QR with a wrong field count
    assert main(["dossier", "receive", "--procedure", "2.000815",
                 "--qr", f"{ID_NUMBER}|{NAME}"]) == 2
    # a bug whose message carries personal data: the traceback goes to the log, masked
    def broken(ctx: AppContext, reference: str):
        raise RuntimeError(f"boom on {ID_NUMBER} / {OLD_ID}")

    monkeypatch.setattr(dossiers, "get_dossier", broken)
    assert main(["dossier", "show", code]) == 70
    logging.shutdown()
    text = log_file.read_text(encoding="utf-8")
    assert "RuntimeError: boom on ********1829 / *****4567" in text
    assert "Traceback" in text
    for secret in (ID_NUMBER, OLD_ID, "087099001234", NAME, "Trần Văn Đức", ADDRESS):
        assert secret not in text, secret
