"""Mẫu 01–05 of a dossier (TT 01/2018/TT-VPCP Art. 9): the filled form and its A5 PDF.

01 receipt and appointment, 02 request to supplement, 03 refusal, 04 apology and new
appointment, 05 processing control sheet. :mod:`.office_forms` sends them to the office
printer; :mod:`.pdf` draws them.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sadec_desk.db.database import translated_errors
from sadec_desk.db.models import Dossier, DossierEvent
from sadec_desk.domain.catalogue import Paper
from sadec_desk.domain.cccd import mask_id_number
from sadec_desk.domain.fees import format_vnd
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _, vietnamese, vietnamese_texts
from sadec_desk.services import actors
from sadec_desk.services.access import READ_ROLES, require_role
from sadec_desk.services.display import event_text, format_datetime
from sadec_desk.services.documents import pdf
from sadec_desk.services.documents.output import ExportInfo, output_path, pdf_fonts, write_output
from sadec_desk.services.printing import letterhead
from sadec_desk.services.reception.dossiers import get_dossier
from sadec_desk.services.records import SYNC_DISMISSED_EVENT, EventInfo

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

log = logging.getLogger(__name__)

#: who may write a form (it names the applicant): the leader and IT, and the counter
#: clerk, who hands it to the citizen
FORM_ROLES = ("clerk", "leader", "it")
# literal _() calls so that the catalogue extractor finds them: the titles are listed in
# the interface (translated); form_document prints them in Vietnamese (vietnamese_texts)
FORMS = {"01": lambda: _("Giấy tiếp nhận hồ sơ và hẹn trả kết quả"),
         "02": lambda: _("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"),
         "03": lambda: _("Phiếu từ chối tiếp nhận giải quyết hồ sơ"),
         "04": lambda: _("Phiếu xin lỗi và hẹn lại ngày trả kết quả"),
         "05": lambda: _("Phiếu kiểm soát quá trình giải quyết hồ sơ")}



def _place_date(ctx: AppContext) -> str:
    today = ctx.now().astimezone(VN_TZ)
    return vietnamese("{place}, ngày {d:02d} tháng {m:02d} năm {y}").format(
        place=ctx.config["office.province"], d=today.day, m=today.month, y=today.year)


def _events(info_uuid: str, kinds: tuple[str, ...] = (), to_status: str | None = None):
    query = (DossierEvent.select(DossierEvent.at, DossierEvent.actor, DossierEvent.kind,
                                 DossierEvent.to_status, DossierEvent.note, DossierEvent.data)
             .join(Dossier).where(Dossier.uuid == info_uuid).order_by(DossierEvent.seq))
    if kinds:
        query = query.where(DossierEvent.kind.in_(kinds))
    if to_status:
        query = query.where(DossierEvent.to_status == to_status, DossierEvent.kind == "status")
    return list(query)


def form_document(ctx: AppContext, reference: str, form: str) -> pdf.FormDocument:
    """The filled form ``01``..``05`` of a dossier (TT 01/2018/TT-VPCP Art. 9), Vietnamese
    whatever the interface language: a paper handed to the citizen."""
    require_role(ctx, *READ_ROLES)
    form = (form or "").strip().removeprefix("0").rjust(2, "0")
    if form not in FORMS:
        raise InvalidInput(_("Mẫu '{form}' không có; chọn 01, 02, 03, 04 hoặc 05 (Mẫu 06 là sổ "
                             "theo dõi: 'report book').").format(form=form))
    info = get_dossier(ctx, reference)
    office_name = letterhead.office_name(ctx)
    c = info.citizen
    who = [vietnamese("Ông/Bà: {name}").format(name=c.full_name),
           vietnamese("Số CCCD: {id}").format(id=mask_id_number(c.id_number)),
           vietnamese("Số điện thoại: {phone}").format(phone=info.phone or c.phone or "—"),
           vietnamese("Nội dung yêu cầu giải quyết: {p}").format(
               p=f"{info.procedure_name} ({info.procedure_code})")]
    received = format_datetime(info.received_at)
    clerk = info.received_by or ctx.clerk or ""
    receiver = vietnamese("NGƯỜI TIẾP NHẬN HỒ SƠ")
    signatures: tuple[tuple[str, str], ...]  # (role line, name), one or two per form
    if form == "01":
        papers = [[vietnamese("STT"), vietnamese("Tên giấy tờ"), vietnamese("Hình thức"),
                   vietnamese("Số lượng")]]
        with vietnamese_texts():  # the kind's words ("bản chính") are translated on screen
            papers += [[str(n), p.name, Paper(p.name, p.kind, p.count).kind_label,
                        str(p.count)] for n, p in enumerate(info.papers, 1)]
        fee = format_vnd(info.fee_vnd) if info.fee_vnd else vietnamese("Miễn lệ phí")
        body = (vietnamese("Bộ phận tiếp nhận và trả kết quả {office} tiếp nhận hồ sơ của:"
                           ).format(office=office_name), *who,
                ("bold", vietnamese("1. Thành phần hồ sơ nộp gồm:")),
                ("table", papers, (0.1, 0.55, 0.2, 0.15)),
                vietnamese("2. Số lượng hồ sơ: 01 (bộ)"),
                vietnamese("3. Thời gian nhận hồ sơ: {t}").format(t=received),
                vietnamese("4. Thời gian trả kết quả giải quyết hồ sơ: {t}").format(
                    t=format_datetime(info.due_at)),
                vietnamese("5. Lệ phí: {fee}").format(fee=fee),
                vietnamese("6. Nhận kết quả tại: Bộ phận tiếp nhận và trả kết quả {office}."
                           ).format(office=office_name),
                vietnamese("Mã hồ sơ để tra cứu: {code}").format(code=info.code))
        signatures = ((vietnamese("NGƯỜI NỘP HỒ SƠ"), c.full_name), (receiver, clerk))
    elif form in ("02", "03"):
        status = "supplement_requested" if form == "02" else "refused"
        events = _events(info.uuid, to_status=status)
        if not events:
            raise InvalidInput(_("Hồ sơ {code} chưa có {what}; chuyển hồ sơ sang trạng thái đó "
                                 "(kèm lý do) trước khi in Mẫu {form}.").format(
                code=info.code, form=form,
                what=_("yêu cầu bổ sung") if form == "02" else _("quyết định từ chối")))
        event = events[-1]
        intro = vietnamese("Lúc {t}, Bộ phận tiếp nhận và trả kết quả {office} tiếp nhận hồ sơ "
                           "của:").format(t=received, office=office_name)
        if form == "02":
            body = (intro, *who, vietnamese("Mã hồ sơ: {code}").format(code=info.code),
                    ("bold", vietnamese("Yêu cầu hoàn thiện hồ sơ gồm những nội dung sau:")),
                    event.note,
                    vietnamese("Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, Ông/Bà liên "
                               "hệ Bộ phận tiếp nhận và trả kết quả {office} để được hướng dẫn."
                               ).format(office=office_name))
            signatures = ((vietnamese("NGƯỜI HƯỚNG DẪN"),
                           actors.full_name(event.actor) or clerk),)
        else:
            body = (intro, *who, vietnamese("Mã hồ sơ: {code}").format(code=info.code),
                    vietnamese("Qua xem xét, Bộ phận tiếp nhận và trả kết quả từ chối tiếp nhận, "
                               "giải quyết hồ sơ này với lý do cụ thể như sau:"),
                    ("bold", event.note),
                    vietnamese("Xin thông báo để Ông/Bà được biết và thực hiện."))
            signatures = ((receiver, actors.full_name(event.actor) or clerk),)
    elif form == "04":
        events = _events(info.uuid, kinds=("rescheduled",))
        if not events:
            raise InvalidInput(_("Hồ sơ {code} chưa được hẹn lại; dùng 'dossier reschedule' "
                                 "trước khi in Mẫu 04.").format(code=info.code))
        event = events[-1]
        data = json.loads(event.data or "{}")
        old_due = datetime.fromisoformat(data["old_due"])
        new_due = datetime.fromisoformat(data["new_due"])
        body = (vietnamese("Lúc {t}, Bộ phận tiếp nhận và trả kết quả {office} tiếp nhận hồ sơ "
                           "của:").format(t=received, office=office_name), *who,
                vietnamese("Mã hồ sơ: {code}").format(code=info.code),
                vietnamese("Thời hẹn trả kết quả giải quyết hồ sơ: {t}").format(
                    t=format_datetime(old_due)),
                # The form's own wording ("đến nay chưa trả") is for a dossier already
                # late; NĐ 61/2018 Art. 19 also wants the apology when the office foresees
                # the delay, so a reschedule made before the appointment says that instead.
                (vietnamese("Tuy nhiên đến nay, {office} chưa trả kết quả giải quyết hồ sơ của "
                            "Ông/Bà.")
                 if event.at > old_due else
                 vietnamese("Tuy nhiên, {office} không thể trả kết quả giải quyết hồ sơ của "
                            "Ông/Bà đúng thời hạn đã hẹn.")).format(office=office_name),
                vietnamese("Lý do: {reason}").format(reason=event.note),
                vietnamese("Sự chậm trễ này đã gây phiền hà cho Ông/Bà. {office} xin lỗi Ông/Bà "
                           "và sẽ trả kết quả giải quyết hồ sơ cho Ông/Bà vào lúc {t}.").format(
                    office=office_name, t=format_datetime(new_due)),
                vietnamese("Mong nhận được sự thông cảm của Ông/Bà."))
        signatures = ((receiver, actors.full_name(event.actor) or clerk),
                      (vietnamese("THỦ TRƯỞNG CƠ QUAN"), ""))
    else:  # 05
        rows = [[vietnamese("Thời gian"), vietnamese("Người thực hiện"),
                 vietnamese("Nội dung, kết quả"), vietnamese("Ghi chú")]]
        with vietnamese_texts():  # the history's status names, as the form's own words
            for e in info.events:
                if e.kind == SYNC_DISMISSED_EVENT:
                    continue  # an office matter, not a step in handling the dossier
                rows.append([format_datetime(e.at), e.actor or "—",
                             event_text(EventInfo(e.at, "", e.kind, e.from_status, e.to_status,
                                                  "")),
                             e.note])
        body = (vietnamese("(Kèm theo Giấy tiếp nhận hồ sơ và hẹn trả kết quả mã số {code})"
                           ).format(code=info.code), *who,
                vietnamese("Thời gian nhận: {t}; hẹn trả: {d}").format(
                    t=received, d=format_datetime(info.due_at)),
                vietnamese("Cơ quan (bộ phận) giải quyết hồ sơ: {office}").format(
                    office=office_name),
                ("table", rows, (0.26, 0.18, 0.34, 0.22)))
        signatures = ((receiver, clerk),)
    with vietnamese_texts():  # the title, also listed in the interface's menu (translated)
        title = FORMS[form]().upper()
    return pdf.FormDocument(number=form, title=title, office_name=office_name,
                            code=info.code, place_date=_place_date(ctx), body=tuple(body),
                            signatures=signatures)


def print_form(ctx: AppContext, reference: str, form: str, *, out: str | Path) -> ExportInfo:
    """Write Mẫu ``form`` (01-05, A5) of a dossier as PDF for a laser printer.

    The form names the applicant (ID number masked), so the file name says it holds
    personal data; counter clerks, leaders and IT may write it (it is handed to the
    citizen)."""
    require_role(ctx, *FORM_ROLES)
    path = output_path(out, "pdf", True)
    with translated_errors():
        document = form_document(ctx, reference, form)
    pdf_fonts(ctx)
    write_output(path, lambda f: pdf.write_form_pdf(f, document))
    log.info("form %s of %s written to a PDF file", document.number, document.code)
    return ExportInfo(path=str(path), format="pdf", personal_data=True, pages=None)
