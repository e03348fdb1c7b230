"""The e-form service: filling, storing with its outbox row, the printed declaration, CLI."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from appfixtures import OTHER_QR, SAMPLE_QR, SCHEMA1_SAMPLE, run_cli, run_cli_json
from form_samples import BIRTH, CHILD, dossier_id

from sadec_desk.bootstrap import open_context
from sadec_desk.config import load_config
from sadec_desk.db.attachment_models import DossierForm
from sadec_desk.db.models import Outbox
from sadec_desk.domain.catalogue import procedure_to_data, procedures_from_data
from sadec_desk.domain.cccd import CccdQrError
from sadec_desk.errors import InvalidInput, NotFound
from sadec_desk.services import catalogue
from sadec_desk.services.reception import dossiers, eforms

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"),
                                   reason="poppler-utils (pdftotext) is not installed")



def birth_dossier(ctx, **changes):
    info = dossiers.receive_dossier(ctx, procedure_code=BIRTH, qr_text=SAMPLE_QR)
    values = {**eforms.prefill_from_qr(ctx, BIRTH, SAMPLE_QR), **CHILD, **changes}
    with ctx.database.atomic():
        eforms.save_form(ctx, dossier_id(info.uuid), BIRTH, values)
    return info


def form_ops(uuid: str) -> list[dict]:
    rows = Outbox.select().where(Outbox.dossier_uuid == uuid, Outbox.op == "dossier.form")
    return [json.loads(r.payload) for r in rows.order_by(Outbox.id)]


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True, timeout=30).stdout


def page_size(path: Path) -> str:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True,
                          timeout=30).stdout
    return next(line for line in info.splitlines() if line.startswith("Page size"))


def test_every_catalogue_procedure_has_a_form_to_render(ctx):
    for procedure in catalogue.list_procedures(ctx):
        form = eforms.form_for(ctx, procedure.code)
        assert form is not None and form.procedure_code == procedure.code
        assert form.fields and any(f.required for f in form.fields)
    with pytest.raises(NotFound):
        eforms.form_for(ctx, "9.999999")


def test_prefill_from_qr_fills_the_requester(ctx):
    values = eforms.prefill_from_qr(ctx, BIRTH, SAMPLE_QR)
    assert values["req_name"] == "Nguyễn Thị Hoa"
    assert values["req_id"] == "034303011829"
    assert values["child_nationality"] == "Việt Nam"
    with pytest.raises(CccdQrError):
        eforms.prefill_from_qr(ctx, BIRTH, "034303011829|Nguyễn Thị Hoa")


def test_check_returns_sentences_against_the_office_clock(ctx, clock):
    values = {**eforms.prefill_from_qr(ctx, BIRTH, SAMPLE_QR), **CHILD}
    assert eforms.check(ctx, BIRTH, values) == {}
    errors = eforms.check(ctx, BIRTH, {**values, "child_birth_date": "27/11/2026"})
    assert list(errors) == ["child_birth_date"]
    assert "không được sau hôm nay (26/11/2026)" in errors["child_birth_date"]


def test_save_form_stores_the_values_with_their_outbox_row(ctx):
    info = birth_dossier(ctx, child_name="  Trần   Minh Khôi ")
    row = DossierForm.get(DossierForm.dossier == dossier_id(info.uuid))
    assert (row.form_id, row.form_version) == ("tt04-2020/khai-sinh", "2023.1")
    assert json.loads(row.values)["child_name"] == "Trần Minh Khôi"
    [op] = form_ops(info.uuid)
    assert op == {"uuid": info.uuid, "form_id": "tt04-2020/khai-sinh", "form_version": "2023.1",
                  "values": json.loads(row.values)}
    filled = eforms.form_of(ctx, info.code)
    assert filled.values["child_name"] == "Trần Minh Khôi"
    assert filled.form.title == "TỜ KHAI ĐĂNG KÝ KHAI SINH"


def test_invalid_values_are_refused_and_nothing_is_written(ctx):
    info = dossiers.receive_dossier(ctx, procedure_code=BIRTH, qr_text=SAMPLE_QR)
    values = {**eforms.prefill_from_qr(ctx, BIRTH, SAMPLE_QR), **CHILD,
              "child_birth_date": "31/02/2026"}
    with pytest.raises(InvalidInput, match="không phải ngày có thật"):
        eforms.save_form(ctx, dossier_id(info.uuid), BIRTH, values)
    with pytest.raises(InvalidInput, match="thuộc thủ tục 1.001193"):
        eforms.save_form(ctx, dossier_id(info.uuid), "1.000656", CHILD)
    assert DossierForm.select().count() == 0 and form_ops(info.uuid) == []
    assert eforms.form_of(ctx, info.code) is None


def test_save_form_rolls_back_with_the_callers_transaction(ctx):
    info = dossiers.receive_dossier(ctx, procedure_code=BIRTH, qr_text=SAMPLE_QR)
    values = {**eforms.prefill_from_qr(ctx, BIRTH, SAMPLE_QR), **CHILD}
    with pytest.raises(RuntimeError), ctx.database.atomic():
        eforms.save_form(ctx, dossier_id(info.uuid), BIRTH, values)
        raise RuntimeError("the kiosk's submit failed after the form")
    assert DossierForm.select().count() == 0 and form_ops(info.uuid) == []


def test_the_counter_corrects_a_form_and_a_second_op_goes_out(ctx):
    info = birth_dossier(ctx)
    filled = eforms.update_form(ctx, info.code, {"child_name": "Trần Minh Khoa"})
    assert filled.values["child_name"] == "Trần Minh Khoa"
    assert filled.values["mother_name"] == "Nguyễn Thị Hoa"  # the others stay
    assert [op["values"]["child_name"] for op in form_ops(info.uuid)] == [
        "Trần Minh Khôi", "Trần Minh Khoa"]
    assert DossierForm.select().count() == 1


def test_a_dossier_keeps_the_form_version_it_was_filled_on(ctx):
    info = birth_dossier(ctx)
    _row, procedure = catalogue.active_procedure(ctx, BIRTH)
    data = procedure_to_data(procedure)
    data["version"] = procedure.version + 1
    data["form"]["version"] = "2026.1"
    data["form"]["title"] = "TỜ KHAI ĐĂNG KÝ KHAI SINH (MẪU MỚI)"
    newer = procedures_from_data({"format": 1, "procedures": [data]})[0]
    with ctx.database.atomic():
        assert catalogue.adopt_procedure(ctx, newer, "portal")
    ctx.forget_cached()
    assert eforms.form_for(ctx, BIRTH).version == "2026.1"
    filled = eforms.form_of(ctx, info.code)
    assert (filled.form.version, filled.form.title) == ("2023.1", "TỜ KHAI ĐĂNG KÝ KHAI SINH")
    # a correction stays on the dossier's version; a new dossier gets the new one
    eforms.update_form(ctx, info.code, {"father_name": ""})
    assert form_ops(info.uuid)[-1]["form_version"] == "2023.1"
    other = birth_dossier(ctx)
    assert form_ops(other.uuid)[-1]["form_version"] == "2026.1"


@needs_poppler
def test_declaration_pdf_has_the_layout_of_the_paper_form(ctx, tmp_path):
    info = birth_dossier(ctx)
    path = eforms.declaration_pdf(ctx, info.code, out=tmp_path / "to-khai.pdf")
    assert path.name == "to-khai.du-lieu-ca-nhan.pdf"  # personal data says so
    text = " ".join(pdf_text(path).split())
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                     "TỜ KHAI ĐĂNG KÝ KHAI SINH", "Kính gửi:", info.code,
                     "Họ, chữ đệm, tên: Trần Minh Khôi", "Nơi sinh: Bệnh viện Đa khoa Sa Đéc",
                     "Ghi bằng chữ: Ngày hai mươi tháng mười một năm hai nghìn không trăm "
                     "hai mươi sáu",
                     "Thôn Lai Ổn, An Quý, Quỳnh Phụ, Thái Bình", "Tôi cam đoan",
                     "Làm tại: Đồng Tháp, ngày 26 tháng 11 năm 2026", "NGƯỜI YÊU CẦU",
                     "(Ký, ghi rõ họ, chữ đệm, tên)", "Nguyễn Thị Hoa",
                     "Thông tư 04/2020/TT-BTP"):
        assert expected in text, expected
    assert page_size(path).endswith("(A4)")  # as the form says
    info_text = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                               check=True, timeout=30).stdout
    assert re.search(r"^Pages:\s+1$", info_text, re.M)  # one sheet, like the paper form


@needs_poppler
def test_chung_thuc_request_prints_on_a5_and_the_default_file_is_in_the_forms_dir(ctx):
    info = dossiers.receive_dossier(ctx, procedure_code="2.000884", qr_text=OTHER_QR)
    values = {**eforms.prefill_from_qr(ctx, "2.000884", OTHER_QR),
              "document_name": "Giấy ủy quyền"}
    with ctx.database.atomic():
        eforms.save_form(ctx, dossier_id(info.uuid), "2.000884", values)
    path = eforms.declaration_pdf(ctx, info.code)
    assert path.parent == load_config().data_dir / "forms"
    assert "419.528 x 595.276 pts" in page_size(path)  # A5 (148 x 210 mm)
    text = " ".join(pdf_text(path).split())
    assert "PHIẾU YÊU CẦU CHỨNG THỰC CHỮ KÝ" in text and "Giấy ủy quyền" in text
    assert "Trần Văn Đức" in text


def test_print_declaration_saves_without_an_office_printer_and_says_why_it_failed(
        ctx, monkeypatch, tmp_path):
    info = birth_dossier(ctx)
    saved = eforms.print_declaration(ctx, info.code)
    assert saved.status == "saved" and Path(saved.path).is_file()
    assert "printing.office_printer" in saved.message
    ctx.config.values["printing.office_printer"] = "van-phong"
    monkeypatch.setenv("PATH", str(tmp_path))  # no lp on this machine
    failed = eforms.print_declaration(ctx, info.code)
    assert failed.status == "failed" and "lp" in failed.message
    assert Path(failed.path).is_file()


def test_no_filled_form_is_a_sentence_not_a_crash(ctx):
    info = dossiers.receive_dossier(ctx, procedure_code=BIRTH, qr_text=SAMPLE_QR)
    with pytest.raises(eforms.NoFilledForm, match=f"Hồ sơ {info.code} chưa có tờ khai"):
        eforms.declaration_pdf(ctx, info.code)


def test_released_schema_1_database_gets_the_forms():
    path = load_config().sqlite_path
    path.parent.mkdir(parents=True)
    path.write_bytes(SCHEMA1_SAMPLE.read_bytes())
    ctx = open_context(load_config())
    try:
        for code in ("1.001193", "2.000815"):
            assert eforms.form_for(ctx, code) is not None
        [old] = dossiers.list_dossiers(ctx)
        # its procedure version had no e-form: the clerk fills it on the active version's
        values = {**eforms.prefill_from_qr(ctx, BIRTH, SAMPLE_QR), **CHILD,
                  "child_birth_date": "01/11/2026"}
        filled = eforms.update_form(ctx, old.code, values)
        assert filled.form.version == "2023.1"
        assert form_ops(old.uuid)[-1]["values"]["child_name"] == "Trần Minh Khôi"
    finally:
        ctx.close()


@needs_poppler
def test_cli_fills_shows_and_prints_the_declaration(ctx, capsys, tmp_path):
    info = dossiers.receive_dossier(ctx, procedure_code=BIRTH, qr_text=SAMPLE_QR)
    code, _out, err = run_cli(capsys, "form", "declaration", info.code)
    assert code != 0 and f"Hồ sơ {info.code} chưa có tờ khai" in err
    values = {**eforms.prefill_from_qr(ctx, BIRTH, SAMPLE_QR), **CHILD}
    shown = run_cli_json(capsys, "form", "fill", info.code,
                         *[f"{k}={v}" for k, v in values.items()])
    assert shown["values"]["child_name"] == "Trần Minh Khôi"
    code, out, _err = run_cli(capsys, "form", "show", info.code)
    assert code == 0 and "Họ, chữ đệm, tên: Trần Minh Khôi  [child_name]" in out
    code, out, err = run_cli(capsys, "form", "fill", info.code, "child_birth_date=30/02/2026")
    assert code != 0 and "không phải ngày có thật" in err
    code, out, _err = run_cli(capsys, "form", "declaration", info.code, "--out",
                              str(tmp_path / "tk.pdf"))
    assert code == 0 and "tk.du-lieu-ca-nhan.pdf" in out
    assert "Trần Minh Khôi" in pdf_text(tmp_path / "tk.du-lieu-ca-nhan.pdf")


def test_form_to_fill_a_paper_dossier_starts_from_the_applicants_card(ctx):
    info = dossiers.receive_dossier(ctx, procedure_code="1.004873", qr_text=OTHER_QR)
    form, values = eforms.form_to_fill(ctx, info.code)
    assert form.form_id == "tt04-2020/xac-nhan-tinh-trang-hon-nhan"
    assert values["person_name"] == "Trần Văn Đức" and values["person_gender"] == "Nam"
    assert values["req_relation"] == "Bản thân"
    assert "marital_status" in eforms.check_for(ctx, info.code, values)
    filled = eforms.update_form(ctx, info.code, {
        **values, "person_ethnicity": "Kinh", "marital_status": "Chưa đăng ký kết hôn với ai.",
        "purpose": "Để đăng ký kết hôn"})
    assert eforms.form_to_fill(ctx, info.code) == (filled.form, filled.values)


def test_a_checkbox_prints_in_vietnamese_whatever_the_screen_language():
    from sadec_desk import i18n
    from sadec_desk.domain.eforms import CHECKED, FormField
    from sadec_desk.services.documents.form_pdf import _shown

    field = FormField(name="agree", label="Đồng ý", type="checkbox")
    i18n.set_language("en")
    try:
        assert (_shown(field, CHECKED), _shown(field, "")) == ("Có", "Không")
    finally:
        i18n.set_language("vi")
