"""The kiosk's self-service submission as a service: one transaction, kiosk authority,
missing papers named, unfinished submissions leave nothing behind."""

from __future__ import annotations

import io
import json

import pytest
from appfixtures import SAMPLE_QR, sign_in_as
from PIL import Image, ImageDraw

from sadec_desk.db.attachment_models import DossierForm, DossierPage, PageBlob
from sadec_desk.db.models import Dossier, DossierEvent, Outbox
from sadec_desk.db.print_models import PrintJob
from sadec_desk.errors import InvalidInput
from sadec_desk.services.access import PermissionDenied
from sadec_desk.services.admin import users
from sadec_desk.services.kiosk import submission
from sadec_desk.services.pages import dossier_pages, store
from sadec_desk.services.reception import dossiers, eforms

BIRTH = "1.001193"


def page_png(text: str = "GIAY CHUNG SINH", seed: int = 0) -> bytes:
    """A white A5-ish page with dark lines of 'text', different per seed."""
    image = Image.new("L", (600, 850), 255)
    draw = ImageDraw.Draw(image)
    draw.text((40, 40), f"{text} {seed}", fill=0)
    for i in range(12):
        y = 120 + i * 50
        draw.rectangle((40, y, 40 + 300 + (i * 37 + seed * 53) % 220, y + 12), fill=30)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def birth_values(ctx) -> dict[str, str]:
    """The birth declaration as the citizen completes it after the card filled its part."""
    values = submission.read_card(ctx, BIRTH, SAMPLE_QR)
    values.update({
        "req_relation": "Mẹ", "child_name": "Trần Minh Khôi", "child_birth_date": "20/11/2026",
        "child_gender": "Nam", "child_ethnicity": "Kinh", "child_birth_place":
        "Bệnh viện Đa khoa Sa Đéc", "child_hometown": "Sa Đéc, Đồng Tháp",
        "mother_name": "Nguyễn Thị Hoa", "mother_birth_date": "21/03/2003",
        "mother_ethnicity": "Kinh", "mother_residence": "Phường 1, Sa Đéc",
        "mother_id": "034303011829"})
    return values


def kiosk_signed_in(ctx):
    """The kiosk as it runs: opened by an IT officer (not a counter role), GUI rules on."""
    users.create_user(ctx, username="admin", full_name="Lê Văn Tín", role="it",
                      password="matkhau-cntt")
    sign_in_as(ctx, "admin")
    ctx.sign_in_required = True


def test_only_procedures_with_an_e_form_are_offered_without_the_form_paper(ctx):
    offered = submission.list_procedures(ctx)
    codes = [p.code for p in offered]
    assert BIRTH in codes
    assert all(eforms.form_for(ctx, c) is not None for c in codes)
    birth = next(p for p in offered if p.code == BIRTH)
    assert birth.form_paper == "Tờ khai đăng ký khai sinh"
    assert [p.index for p in birth.papers] == [1]
    assert birth.papers[0].name.startswith("Giấy chứng sinh") and birth.papers[0].required
    assert birth.fee_text and birth.time_limit_text


def test_the_card_fills_the_form_and_other_codes_get_a_sentence(ctx):
    values = submission.read_card(ctx, BIRTH, SAMPLE_QR)
    assert values["req_name"] == "Nguyễn Thị Hoa"
    assert values["req_id"] == "034303011829"
    with pytest.raises(InvalidInput, match="phiếu hẹn, không phải thẻ căn cước"):
        submission.read_card(ctx, BIRTH, "000.00.14.H20-261126-0001")
    with pytest.raises(InvalidInput, match="không phải mã QR trên thẻ căn cước"):
        submission.read_card(ctx, BIRTH, "https://example.org/hello")
    with pytest.raises(InvalidInput):
        submission.read_card(ctx, BIRTH, "0343|x|y")


def test_a_citizen_without_the_card_types_it_and_gets_the_same_checks(ctx):
    fields = {"id_number": "034303011829", "full_name": "Nguyễn Thị Hoa",
              "date_of_birth": "21/03/2003", "gender": "Nữ", "address": "Phường 1, Sa Đéc"}
    qr_text, values = submission.manual_card(ctx, BIRTH, fields)
    assert qr_text.startswith("034303011829||Nguyễn Thị Hoa|21032003|Nữ|")
    assert values["req_name"] == "Nguyễn Thị Hoa"
    with pytest.raises(InvalidInput, match="12 chữ số"):
        submission.manual_card(ctx, BIRTH, dict(fields, id_number="12345"))


def test_submit_receives_a_kiosk_dossier_with_form_pages_and_receipt_in_order(ctx):
    kiosk_signed_in(ctx)
    # the counter's rule is unchanged: an IT officer cannot receive at the counter
    with pytest.raises(PermissionDenied):
        dossiers.receive_dossier(ctx, procedure_code=BIRTH, qr_text=SAMPLE_QR)
    draft = submission.start(ctx)
    values = birth_values(ctx)
    first = submission.add_page(ctx, draft, BIRTH, 1, page_png(seed=1), "scanner")
    submission.add_page(ctx, draft, BIRTH, 1, page_png(seed=2), "file")
    assert first.paper_name.startswith("Giấy chứng sinh")
    review = submission.review(ctx, draft, procedure_code=BIRTH, qr_text=SAMPLE_QR,
                                     values=values)
    assert review.applicant_id_masked == "********1829" and review.missing == ()
    lines = dict(review.form_lines)
    assert lines["Họ, chữ đệm, tên (người được khai sinh)"] == "Trần Minh Khôi"
    assert "Nguyễn Thị Hoa" not in [v for k, v in review.form_lines if "yêu cầu" in k]
    assert lines["Số định danh cá nhân (mẹ)"] == "********1829"  # a screen others see
    assert not any("034303011829" in v for v in lines.values())
    assert [(p.paper.index, p.pages) for p in review.papers] == [(1, 2)]

    receipt = submission.submit(ctx, draft, procedure_code=BIRTH, qr_text=SAMPLE_QR,
                                      values=values, phone="0912 345 678")

    dossier = Dossier.get(Dossier.code == receipt.code)
    assert (dossier.channel, dossier.status, dossier.phone) == ("kiosk", "received",
                                                                "0912345678")
    assert dossier.received_by == submission.KIOSK_ACTOR
    assert DossierEvent.get(DossierEvent.dossier == dossier.id).actor == "Kiosk tự phục vụ"
    assert ctx.user.username == "admin"  # the shared context is untouched
    form = DossierForm.get(DossierForm.dossier == dossier.id)
    assert json.loads(form.values)["child_name"] == "Trần Minh Khôi"
    pages = list(DossierPage.select().order_by(DossierPage.position))
    assert [(p.dossier_id, p.draft, p.paper_index, p.position) for p in pages] == [
        (dossier.id, None, 1, 1), (dossier.id, None, 1, 2)]
    assert submission.pages(ctx, draft) == []
    ops = [o.op for o in Outbox.select().where(Outbox.dossier_uuid == dossier.uuid)
           .order_by(Outbox.id)]
    assert ops == ["dossier.received", "dossier.form", "dossier.pages"]
    job = PrintJob.get(PrintJob.reference == receipt.code)
    assert job.kind == "receipt" and job.status == "printed"  # the preview printer
    slip = json.loads(job.data)
    assert slip["id_masked"] == "********1829"
    assert [p["name"] for p in slip["papers"]] == [
        "Tờ khai đăng ký khai sinh",
        "Giấy chứng sinh (hoặc văn bản của người làm chứng, giấy cam đoan về việc sinh)"]
    assert receipt.printed and receipt.pages == 2
    assert receipt.due_text and receipt.procedure_name == "Đăng ký khai sinh"


def test_without_a_staff_sign_in_the_kiosk_cannot_submit(ctx):
    draft = submission.start(ctx)  # the CLI: the machine's administrator
    submission.add_page(ctx, draft, BIRTH, 1, page_png(), "scanner")
    ctx.sign_in_required = True  # the GUI after the staff member signed out
    with pytest.raises(PermissionDenied):
        submission.submit(ctx, draft, procedure_code=BIRTH, qr_text=SAMPLE_QR,
                                values=birth_values(ctx))
    assert Dossier.select().count() == 0


def test_a_failure_in_any_part_leaves_nothing_but_the_draft(ctx, monkeypatch):
    kiosk_signed_in(ctx)
    draft = submission.start(ctx)
    values = birth_values(ctx)
    submission.add_page(ctx, draft, BIRTH, 1, page_png(), "camera")
    real = dossier_pages.attach_draft

    def attach_then_fail(*args, **kwargs):
        real(*args, **kwargs)  # the pages moved and their outbox row written...
        raise RuntimeError("disk unplugged")  # ...then the last part fails

    monkeypatch.setattr(dossier_pages, "attach_draft", attach_then_fail)
    with pytest.raises(RuntimeError):
        submission.submit(ctx, draft, procedure_code=BIRTH, qr_text=SAMPLE_QR,
                                values=values)
    assert Dossier.select().count() == 0
    assert DossierForm.select().count() == 0
    assert Outbox.select().count() == 0
    assert PrintJob.select().count() == 0
    assert [(p.draft, p.dossier_id) for p in DossierPage.select()] == [(draft, None)]
    monkeypatch.setattr(dossier_pages, "attach_draft", real)
    receipt = submission.submit(ctx, draft, procedure_code=BIRTH, qr_text=SAMPLE_QR,
                                      values=values)
    assert receipt.code.endswith("-0001")  # the failed try took no number


def test_a_missing_required_paper_and_a_wrong_form_are_sentences(ctx):
    draft = submission.start(ctx)
    values = birth_values(ctx)
    with pytest.raises(InvalidInput, match="Còn thiếu giấy tờ bắt buộc: Giấy chứng sinh"):
        submission.submit(ctx, draft, procedure_code=BIRTH, qr_text=SAMPLE_QR,
                                values=values)
    assert submission.missing_papers(ctx, draft, BIRTH)[0].startswith("Giấy chứng sinh")
    submission.add_page(ctx, draft, BIRTH, 1, page_png(), "scanner")
    with pytest.raises(InvalidInput, match="Tờ khai còn ô chưa đúng"):
        submission.submit(ctx, draft, procedure_code=BIRTH, qr_text=SAMPLE_QR,
                                values=dict(values, child_name=""))
    assert Dossier.select().count() == 0


def test_discard_removes_the_rows_and_the_files_no_dossier_uses(ctx):
    kiosk_signed_in(ctx)
    kept = submission.start(ctx)
    shared = page_png(seed=7)
    submission.add_page(ctx, kept, BIRTH, 1, shared, "scanner")
    submission.submit(ctx, kept, procedure_code=BIRTH, qr_text=SAMPLE_QR,
                            values=birth_values(ctx))
    draft = submission.start(ctx)
    own = submission.add_page(ctx, draft, BIRTH, 1, page_png(seed=8), "scanner")
    same = submission.add_page(ctx, draft, BIRTH, 1, shared, "scanner")
    own_file = store.blob_path(ctx, own.sha256)
    shared_file = store.blob_path(ctx, same.sha256)
    assert own_file.is_file() and shared_file.is_file()
    assert submission.discard(ctx, draft) == 2
    assert submission.pages(ctx, draft) == []
    assert not own_file.exists()
    assert shared_file.is_file()  # the submitted dossier still uses it
    assert PageBlob.select().count() == 1


def test_remove_page_touches_only_this_citizens_pages(ctx):
    one, two = submission.start(ctx), submission.start(ctx)
    mine = submission.add_page(ctx, one, BIRTH, 1, page_png(seed=1), "scanner")
    theirs = submission.add_page(ctx, two, BIRTH, 1, page_png(seed=2), "scanner")
    submission.remove_page(ctx, one, theirs.id)
    assert [p.id for p in submission.pages(ctx, two)] == [theirs.id]
    submission.remove_page(ctx, one, mine.id)
    assert submission.pages(ctx, one) == []


def test_drafts_a_crash_left_are_purged_when_the_kiosk_opens(ctx, clock):
    from datetime import timedelta

    left = submission.start(ctx)
    page = submission.add_page(ctx, left, BIRTH, 1, page_png(seed=3), "scanner")
    left_file = store.blob_path(ctx, page.sha256)
    clock.moment += submission.STALE_DRAFT_AGE + timedelta(minutes=1)
    current = submission.start(ctx)
    submission.add_page(ctx, current, BIRTH, 1, page_png(seed=4), "scanner")
    assert submission.purge_stale(ctx) == 1
    assert submission.pages(ctx, left) == []
    assert not left_file.exists()
    assert len(submission.pages(ctx, current)) == 1  # someone is at this one


def test_a_receipt_printer_crash_after_the_commit_still_gives_the_code(ctx, monkeypatch):
    from sadec_desk.services.printing import jobs

    draft = submission.start(ctx)
    submission.add_page(ctx, draft, BIRTH, 1, page_png(), "scanner")

    def broken(*_args, **_kwargs):
        raise RuntimeError("driver bug")

    monkeypatch.setattr(jobs, "attempt_job", broken)
    receipt = submission.submit(ctx, draft, procedure_code=BIRTH, qr_text=SAMPLE_QR,
                                      values=birth_values(ctx))
    assert not receipt.printed and "nhật ký" in receipt.print_message
    assert Dossier.get(Dossier.code == receipt.code).channel == "kiosk"
    assert PrintJob.get(PrintJob.reference == receipt.code).status == "queued"  # retried later
