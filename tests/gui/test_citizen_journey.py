"""Issue #6 end to end: one citizen's whole visit through the real windows.

Sign in as a clerk, take a ticket on the kiosk, the counter calls it with its F-key,
the clerk receives a dossier from the citizen's scanned ID card, the receipt goes to the
preview printer, the citizen checks the dossier on the kiosk by scanning the receipt QR
and rates the service. Services are only read (the database) for the assertions.
"""

from __future__ import annotations

from appfixtures import SAMPLE_QR
from guikit import key, sign_in_clerk, tick_papers, type_text

from sadec_desk.db.feedback_models import SatisfactionRating
from sadec_desk.db.models import Dossier
from sadec_desk.db.print_models import PrintJob
from sadec_desk.db.queue_models import Ticket, TicketDossier
from sadec_desk.services.printing import devices as printer_devices


def test_a_citizen_from_ticket_to_rating(shell, ctx):
    # 1. the clerk signs in at counter 1 (it serves group A)
    counter = sign_in_clerk(shell, ctx)
    assert counter.counter_box.get() == "Quầy 1"

    # 2. the kiosk: the citizen takes a ticket for group A by touch
    shell.kiosk_button.invoke()
    k = shell.kiosk
    assert shell.tasks.pump(until=lambda: "A" in getattr(k, "group_buttons", {}))
    k.group_buttons["A"].invoke()
    assert shell.tasks.pump(until=lambda: hasattr(k, "number_label"))
    assert k.number_label.cget("text") == "A001"
    assert shell.tasks.pump(until=lambda: "nhận phiếu" in k.print_label.cget("text"))
    assert Ticket.get(Ticket.display == "A001").status == "waiting"

    # 3. the counter (its own window; the kiosk is another screen) calls the next number: F2
    shell.window.focus_force()
    shell.window.update()
    key(shell.window, "F2")
    assert shell.tasks.pump(until=lambda: counter.ticket_label.cget("text") == "A001")
    assert Ticket.get(Ticket.display == "A001").status == "called"

    # 4. the card's QR comes in through the scanner's handler; the form fills itself
    shell.on_scan(SAMPLE_QR)  # what the wedge detector hands over for a card burst
    assert counter.citizen_entries["full_name"].get() == "Nguyễn Thị Hoa"
    assert counter.citizen_entries["date_of_birth"].get() == "21/03/2003"
    counter.choose_procedure("2.000635")
    assert shell.tasks.pump(until=lambda: "Lệ phí" in counter.quote_label.cget("text"))
    tick_papers(counter)
    key(shell.window, "F10")
    assert shell.tasks.pump(until=lambda: "in phiếu hẹn." in counter.receive_message.text)
    code = counter.result_label.cget("text")
    dossier = Dossier.get(Dossier.code == code)
    assert (dossier.status, dossier.received_by) == ("received", "Nguyễn Thị Hoa")
    link = TicketDossier.get()
    assert (link.ticket.display, link.dossier.code) == ("A001", code)

    # 5. the receipt went to the preview printer: a PNG of that very job
    job = PrintJob.get((PrintJob.kind == "receipt") & (PrintJob.reference == code))
    assert job.status == "printed"
    previews = list(printer_devices.preview_dir(ctx).glob(f"*-job{job.id}-receipt*.png"))
    assert previews and previews[0].stat().st_size > 0

    # 6. back at the kiosk: the citizen scans the receipt QR to check the dossier
    done = [b for b in k.body.winfo_children()
            if b.winfo_class() == "Button" and str(b.cget("text")) == "Xong"]
    done[0].invoke()
    assert k.check_button.winfo_exists()
    k.check_button.invoke()
    assert shell.tasks.pump(until=lambda: hasattr(k, "check_label"))
    receipt_qr = ctx.config["printing.lookup_url"].format(code=code)
    type_text(k.back_button, receipt_qr, gap_ms=5, enter=True)  # a scanner burst
    assert shell.tasks.pump(until=lambda: hasattr(k, "status_values")
                            and k.status_values["Mã hồ sơ"].winfo_exists())
    values = {label: w.cget("text") for label, w in k.status_values.items()}
    assert values["Mã hồ sơ"] == code
    assert values["Tình trạng"] == "Đã tiếp nhận"
    assert values["Người nộp"] == "N. T. Hoa"

    # 7. and rates the service for that dossier
    k.level_buttons["very_satisfied"].invoke()
    assert shell.tasks.pump(until=lambda: hasattr(k, "thanks_label"))
    assert k.thanks_label.cget("text") == "Cảm ơn bạn đã đánh giá: Rất hài lòng."
    rating = SatisfactionRating.get()
    assert (rating.level, rating.source, rating.dossier_id) == (
        "very_satisfied", "kiosk", dossier.id)
