"""The kiosk's "Chạm để biết", status check by receipt QR and satisfaction rating."""

from __future__ import annotations

import io

import zxingcpp
from appfixtures import SAMPLE_QR
from guikit import sign_in_clerk, type_text
from PIL import Image

from sadec_desk.db.feedback_models import SatisfactionRating
from sadec_desk.db.models import Dossier
from sadec_desk.domain.lifecycle import deadline_label
from sadec_desk.services.kiosk import guide
from sadec_desk.services.reception import dossiers


def open_kiosk(shell, ctx):
    sign_in_clerk(shell, ctx)
    shell.kiosk_button.invoke()
    k = shell.kiosk
    assert shell.tasks.pump(until=lambda: hasattr(k, "lookup_button"))
    return k


def all_texts(widget) -> str:
    out = []
    for child in widget.winfo_children():
        try:
            out.append(str(child.cget("text")))
        except Exception:
            pass
        out.append(all_texts(child))
    return "\n".join(out)


def test_touch_to_know_shows_papers_fee_time_and_a_qr_to_the_procedure(shell, ctx):
    k = open_kiosk(shell, ctx)
    k.lookup_button.invoke()
    assert shell.tasks.pump(until=lambda: "2.000815" in getattr(k, "procedure_buttons", {}))
    assert len(k.procedure_buttons) == 10
    k.procedure_buttons["2.000815"].invoke()
    assert shell.tasks.pump(until=lambda: getattr(k, "qr_label", None) is not None)
    assert "Chứng thực bản sao từ bản chính" in all_texts(k.body)
    assert k.fee_label.cget("text").startswith("Lệ phí: ")
    assert "2.000" in k.fee_label.cget("text")
    assert k.time_label.cget("text").startswith("Thời hạn giải quyết: Trong ngày")
    assert k.paper_labels and all(p.cget("text").startswith("• ") for p in k.paper_labels)
    card = guide.procedure_card(ctx, "2.000815")
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(card.qr_png)))
    assert decoded[0].text == ctx.config["kiosk.procedure_url"].format(code="2.000815")
    k.show_start()
    assert k.lookup_button.winfo_exists() and "A" in k.group_buttons


def test_scanning_the_receipt_shows_the_status_and_the_citizen_rates_it(shell, ctx):
    k = open_kiosk(shell, ctx)
    info = dossiers.receive_dossier(ctx, procedure_code="1.004884", qr_text=SAMPLE_QR)
    k.check_button.invoke()
    shell.tasks.pump()
    # the receipt's QR holds the lookup address with the code; the scanner types it fast
    receipt_qr = ctx.config["printing.lookup_url"].format(code=info.code)
    type_text(k.back_button, receipt_qr, gap_ms=5, enter=True)
    assert shell.tasks.pump(until=lambda: hasattr(k, "status_values")
                            and k.status_values["Mã hồ sơ"].winfo_exists())
    values = {label: w.cget("text") for label, w in k.status_values.items()}
    assert values["Mã hồ sơ"] == info.code
    assert values["Người nộp"] == "N. T. Hoa"
    assert values["Tình trạng"] == "Đã tiếp nhận"
    assert values["Tiến độ"] == deadline_label(info.deadline_state)
    shown = all_texts(k.body)
    assert "034303011829" not in shown and "Nguyễn Thị Hoa" not in shown
    assert "Thái Bình" not in shown
    k.level_buttons["satisfied"].invoke()
    assert shell.tasks.pump(until=lambda: hasattr(k, "thanks_label"))
    assert k.thanks_label.cget("text") == "Cảm ơn bạn đã đánh giá: Hài lòng."
    rating = SatisfactionRating.get()
    assert (rating.level, rating.source) == ("satisfied", "kiosk")
    assert rating.dossier_id == Dossier.get(Dossier.code == info.code).id


def test_a_scan_that_is_not_a_receipt_says_so_and_rating_works_from_the_start(shell, ctx):
    k = open_kiosk(shell, ctx)
    type_text(k.check_button, "HELLO-WORLD-12345", gap_ms=5, enter=True)
    assert shell.tasks.pump(until=lambda: hasattr(k, "check_label")
                            and "phiếu hẹn" in k.check_label.cget("text")
                            and "không phải" in k.check_label.cget("text"))
    k.show_start()
    k.rate_button.invoke()
    shell.tasks.pump()
    assert [b.cget("text") for b in k.level_buttons.values()] == [
        "Rất hài lòng", "Hài lòng", "Chưa hài lòng"]
    k.level_buttons["not_satisfied"].invoke()
    assert shell.tasks.pump(until=lambda: hasattr(k, "thanks_label"))
    rating = SatisfactionRating.get()
    assert (rating.level, rating.dossier_id, rating.ticket_id) == ("not_satisfied", None, None)


def test_masked_name_keeps_only_initials_and_the_given_name():
    assert guide.mask_name("Nguyễn Thị Hoa") == "N. T. Hoa"
    assert guide.mask_name("Trần Văn Đức") == "T. V. Đức"
    assert guide.mask_name("Hoa") == "Hoa"
