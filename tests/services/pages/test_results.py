"""services.pages.results: result documents attached to a dossier (issue #15 item 4)."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from appfixtures import SAMPLE_QR, make_ctx
from pagesamples import encode, text_page
from resultsamples import make_pdf

from sadec_desk.db.attachment_models import DossierResult, PageBlob
from sadec_desk.db.models import DossierEvent, Outbox
from sadec_desk.db.models import Procedure as ProcedureRow
from sadec_desk.errors import InvalidInput, NotFound
from sadec_desk.services import audit
from sadec_desk.services.access import PermissionDenied
from sadec_desk.services.admin import users
from sadec_desk.services.admin.users import UserInfo
from sadec_desk.services.pages import dossier_pages, results, store
from sadec_desk.services.reception import dossiers

BIRTH = "1.001193"


@pytest.fixture(scope="module")
def scan() -> bytes:
    return encode(text_page(600, 850, lines=8, label="KET QUA"))


def processing(ctx, to: str = "processing") -> str:
    code = dossiers.receive_dossier(ctx, procedure_code=BIRTH, qr_text=SAMPLE_QR).code
    dossiers.advance_dossier(ctx, code, "processing")
    if to != "processing":
        dossiers.advance_dossier(ctx, code, to)
    return code


def pages_payloads() -> list[dict]:
    return [json.loads(o.payload) for o in Outbox.select().where(Outbox.op == "dossier.pages")
            .order_by(Outbox.id)]


def test_a_pdf_is_kept_byte_for_byte_with_the_default_name_event_and_outbox(ctx):
    code = processing(ctx)
    data = make_pdf()
    info = results.add_result(ctx, code, data)
    assert info.name == "Kết quả giải quyết" and info.media_type == "application/pdf"
    assert info.sha256 == hashlib.sha256(data).hexdigest() and info.size == len(data)
    # a signed PDF must stay as signed: the stored file is the very bytes
    assert store.blob_path(ctx, info.sha256).read_bytes() == data
    assert store.blob_path(ctx, info.sha256).suffix == ".pdf"
    assert results.dossier_results(ctx, code) == [info]
    event = DossierEvent.select().where(DossierEvent.kind == "result").get()
    assert event.note == "Kết quả giải quyết"
    assert json.loads(event.data) == {"results": [[info.sha256, info.name]]}
    payload = pages_payloads()[-1]
    assert payload["papers"] == []
    assert payload["results"] == [{"sha256": info.sha256, "media_type": "application/pdf",
                                   "size": len(data), "name": "Kết quả giải quyết",
                                   "result_code": ""}]
    assert dossiers.get_dossier(ctx, code).sync_state == "pending"
    assert audit.verify_chain(ctx).problems == ()  # the event is chained like the others


def test_an_image_is_normalised_like_a_page_and_named_as_given(ctx, scan):
    code = processing(ctx, "done")
    info = results.add_result(ctx, code, scan, name="  Trích lục\tkhai sinh\n ")
    assert info.name == "Trích lục khai sinh"
    assert info.media_type in ("image/png", "image/jpeg")
    blob = PageBlob.get(PageBlob.sha256 == info.sha256)
    assert blob.width > 0 and blob.height > 0
    second = results.add_result(ctx, code, make_pdf("BẢN SAO"), name="Bản sao trích lục")
    assert [r.name for r in results.dossier_results(ctx, code)] == [
        "Trích lục khai sinh", "Bản sao trích lục"]
    assert [r["sha256"] for r in pages_payloads()[-1]["results"]] == [info.sha256,
                                                                      second.sha256]


def test_the_catalogue_result_name_and_code_are_used_when_the_procedure_has_them(ctx):
    row = ProcedureRow.get(ProcedureRow.code == BIRTH)
    data = json.loads(row.data)
    data.update(result_name="Trích lục khai sinh", result_code="KQ-G09-HT01")
    ProcedureRow.update(data=json.dumps(data, ensure_ascii=False)).where(
        ProcedureRow.id == row.id).execute()
    code = processing(ctx, "done")
    assert results.default_result_name(ctx, code) == "Trích lục khai sinh"
    info = results.add_result(ctx, code, make_pdf())
    assert (info.name, info.result_code) == ("Trích lục khai sinh", "KQ-G09-HT01")


@pytest.mark.parametrize("status", ["received", "refused", "withdrawn"])
def test_wrong_status_is_refused_with_a_sentence(ctx, status):
    code = dossiers.receive_dossier(ctx, procedure_code=BIRTH, qr_text=SAMPLE_QR).code
    if status != "received":
        dossiers.advance_dossier(ctx, code, status, note="lý do")
    with pytest.raises(InvalidInput, match="chỉ đính kèm kết quả khi hồ sơ đang xử lý"):
        results.add_result(ctx, code, make_pdf())
    assert not DossierResult.select().exists() and not PageBlob.select().exists()
    assert not store.pages_dir(ctx).exists() or not list(store.pages_dir(ctx).glob("*/*"))


@pytest.mark.parametrize("data, sentence", [
    (b"", "trống"),
    (b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "không phải tệp PDF đọc được"),
    (b"%PDF-1.4\n" + b"\x00" * 5000, "không phải tệp PDF đọc được"),
    (b"GIF89a not really", "ảnh"),
    (b"\x89PNG\r\n\x1a\n" + b"\xff" * 200, "ảnh"),
])
def test_bad_files_are_refused_with_a_sentence(ctx, data, sentence):
    code = processing(ctx)
    with pytest.raises(InvalidInput) as caught:
        results.add_result(ctx, code, data)
    assert sentence in str(caught.value).lower() or sentence in str(caught.value)
    assert not DossierResult.select().exists()


def test_a_too_big_file_a_password_pdf_an_empty_name_and_the_same_file_twice(ctx):
    code = processing(ctx)
    with pytest.raises(InvalidInput, match="lớn hơn 20 MB"):
        results.add_result(ctx, code, b"%PDF-1.4\n" + b"0" * results.RESULT_MAX_BYTES)
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(make_pdf())))
    writer.encrypt("mat-khau")
    locked = io.BytesIO()
    writer.write(locked)
    with pytest.raises(InvalidInput, match="mật khẩu"):
        results.add_result(ctx, code, locked.getvalue())
    with pytest.raises(InvalidInput, match="không được để trống"):
        results.add_result(ctx, code, make_pdf(), name=" \u200b\n ")
    data = make_pdf()
    results.add_result(ctx, code, data)
    with pytest.raises(InvalidInput, match="đã được đính kèm"):
        results.add_result(ctx, code, data, name="Lần hai")
    assert DossierResult.select().count() == 1
    with pytest.raises(NotFound):
        results.add_result(ctx, "000.00.14.H20-991231-9999", make_pdf())


def test_a_result_file_survives_when_a_page_with_the_same_bytes_goes(ctx, scan):
    """The blob is shared by content: removing pages must not take the result's file."""
    code = processing(ctx)
    page = dossier_pages.add_page(ctx, scan, paper_index=0, paper_name="Tờ khai",
                                  source="file", dossier=code)
    info = results.add_result(ctx, code, scan, name="Trích lục")
    assert info.sha256 == page.sha256
    dossier_pages.remove_page(ctx, page.id)
    assert store.blob_path(ctx, info.sha256).is_file()
    assert PageBlob.select().count() == 1


def test_roles(ctx):
    code = processing(ctx)
    users.create_user(ctx, username="admin", full_name="Lê Văn Tín", role="it",
                      password="matkhau-cntt")
    ctx.user = UserInfo(1, "admin", "Lê Văn Tín", "it", "Cán bộ CNTT", "password", None, True,
                        None)
    with pytest.raises(PermissionDenied):
        results.add_result(ctx, code, make_pdf())
    assert results.dossier_results(ctx, code) == []  # reading: anyone signed in
    for role, label in (("clerk", "Cán bộ tiếp nhận"), ("leader", "Lãnh đạo")):
        ctx.user = UserInfo(1, "admin", "Lê Văn Tín", role, label, "password", None, True,
                            None)
        results.add_result(ctx, code, make_pdf(role), name=role)
    assert [r.added_by for r in results.dossier_results(ctx, code)] == [ctx.clerk] * 2
    ctx.user = None
    ctx.sign_in_required = True
    with pytest.raises(PermissionDenied):
        results.dossier_results(ctx, code)


def test_an_old_database_gets_the_results_table(tmp_path):
    """Schema step 6 on a database made before it (the table is created, results work)."""
    from sadec_desk.db import migrations

    ctx = make_ctx()
    try:
        ctx.database.drop_tables([DossierResult])
        migrations.SchemaVersion.delete().where(migrations.SchemaVersion.version >= 6).execute()
        migrations.SchemaVersion.create(version=5, applied_at=ctx.now(), app_version="old")
        assert migrations.migrate(ctx.database) == 5
        assert DossierResult.table_exists()
        code = processing(ctx)
        assert results.add_result(ctx, code, make_pdf()).name == "Kết quả giải quyết"
    finally:
        ctx.close()


def test_the_history_line_says_a_result_was_attached(ctx):
    from sadec_desk.services.display import event_text

    code = processing(ctx)
    results.add_result(ctx, code, make_pdf(), name="Trích lục khai sinh")
    last = dossiers.get_dossier(ctx, code).events[-1]
    assert event_text(last).startswith("Đính kèm kết quả")
    assert event_text(last).endswith("— Trích lục khai sinh")


def test_a_result_attached_by_mistake_is_removed_until_the_dossier_is_returned(ctx, scan):
    code = processing(ctx)
    wrong = results.add_result(ctx, code, make_pdf("HỒ SƠ KHÁC"), name="Trích lục nhầm")
    right = results.add_result(ctx, code, scan, name="Trích lục khai sinh")
    queued = Outbox.select().where(Outbox.op == "dossier.pages").count()
    wrong_file = store.blob_path(ctx, wrong.sha256)
    gone = results.remove_result(ctx, code, wrong.id, reason="đính kèm nhầm hồ sơ")
    assert gone == wrong
    assert results.dossier_results(ctx, code) == [right]
    # the file went with it (nothing else used it); the other result's file stays
    assert not wrong_file.exists()
    assert store.blob_path(ctx, right.sha256).is_file()
    assert PageBlob.select().where(PageBlob.sha256 == wrong.sha256).count() == 0
    # an audited event with what is left, and the page list without it for the portal
    event = DossierEvent.select().order_by(DossierEvent.seq.desc()).get()
    assert (event.kind, event.note) == ("result_removed",
                                        "«Trích lục nhầm»: đính kèm nhầm hồ sơ")
    assert json.loads(event.data) == {"results": [[right.sha256, right.name]]}
    assert Outbox.select().where(Outbox.op == "dossier.pages").count() == queued + 1
    assert [r["sha256"] for r in pages_payloads()[-1]["results"]] == [right.sha256]
    assert dossiers.get_dossier(ctx, code).sync_state == "pending"
    assert audit.verify_chain(ctx).problems == ()
    from sadec_desk.services.display import event_text
    assert event_text(dossiers.get_dossier(ctx, code).events[-1]).startswith(
        "Bỏ kết quả đã đính kèm")

    # the last one: the portal's payload has no results left
    results.remove_result(ctx, code, right.id)
    assert "results" not in pages_payloads()[-1] and results.dossier_results(ctx, code) == []
    # unknown id, another dossier's result: a sentence
    other = processing(ctx)
    theirs = results.add_result(ctx, other, make_pdf("KHÁC"))
    for ident in (right.id, theirs.id, 999):
        with pytest.raises(NotFound, match=f"không có giấy tờ kết quả số {ident}"):
            results.remove_result(ctx, code, ident)

    # once returned, what the citizen received stays on record
    dossiers.advance_dossier(ctx, other, "done")
    dossiers.advance_dossier(ctx, other, "returned")
    with pytest.raises(InvalidInput, match="đã trả kết quả cho công dân"):
        results.remove_result(ctx, other, theirs.id)
    assert results.dossier_results(ctx, other) == [theirs]


def test_removing_a_result_needs_a_counter_role(ctx):
    code = processing(ctx)
    info = results.add_result(ctx, code, make_pdf())
    users.create_user(ctx, username="admin", full_name="Lê Văn Tín", role="it",
                      password="matkhau-cntt")
    ctx.user = UserInfo(1, "admin", "Lê Văn Tín", "it", "Cán bộ CNTT", "password", None, True,
                        None)
    with pytest.raises(PermissionDenied):
        results.remove_result(ctx, code, info.id)
    ctx.user = UserInfo(1, "admin", "Lê Văn Tín", "clerk", "Cán bộ tiếp nhận", "password",
                        None, True, None)
    results.remove_result(ctx, code, info.id)
    assert results.dossier_results(ctx, code) == []
