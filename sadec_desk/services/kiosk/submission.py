"""One citizen's self-service submission at the kiosk (issue #8; APS kiosk of An Hòa ward).

The citizen picks a procedure, scans the ID card QR (the e-form fills itself), completes
the form, places each paper on the scanner and submits. Until the submission the pages
belong to a *draft* (a UUID made by :func:`start`); :func:`submit` turns the draft into a
dossier with channel ``kiosk`` in one transaction, and :func:`discard` removes it (rows
and the files no other row uses) when the citizen cancels or walks away.

Who receives a kiosk dossier
----------------------------
:func:`dossiers.receive_dossier` is guarded by the counter roles, but nobody stands at
the kiosk: it is opened by a signed-in staff member of any role (like the ticket screen,
:func:`queue.take_ticket`) and then serves citizens on its own, weekends included. The
staff sign-in that keeps the kiosk open is what authorises it: :func:`submit` requires
that sign-in (any role; the command line, the machine's administrator, passes as
everywhere), then acts as the kiosk itself through a private copy of the context whose
user is :data:`KIOSK_ACTOR` with the receiving clerk's role. That copy lives only for
the one call in the worker: the shared context, the counter's rules and the CLI's are
untouched, and the dossier's ``received_by`` and its events say "Kiosk tự phục vụ", not
the name of whoever happened to open the kiosk. The clerk who later checks the dossier
accepts it (→ processing) or asks for a supplement (Mẫu 02) under their own name.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sadec_desk.adapters import imaging
from sadec_desk.db.database import translated_errors
from sadec_desk.domain import eforms as eform_rules
from sadec_desk.domain.cccd import CitizenCard, mask_id_number, parse_cccd_qr
from sadec_desk.domain.dossier_code import find_dossier_code
from sadec_desk.domain.fees import compute_fee, format_vnd
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.errors import InvalidInput, UserError
from sadec_desk.i18n import _
from sadec_desk.services import catalogue
from sadec_desk.services.access import ANY_ROLE, require_role
from sadec_desk.services.admin.users import UserInfo
from sadec_desk.services.display import format_datetime
from sadec_desk.services.due_dates import due_date
from sadec_desk.services.kiosk import guide, page_checks, usb_files
from sadec_desk.services.pages import dossier_pages
from sadec_desk.services.printing import jobs
from sadec_desk.services.reception import dossiers, eforms, intake
from sadec_desk.services.records import PaperInfo

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

log = logging.getLogger(__name__)

#: who received a kiosk dossier (stored data: the same words whatever the screen language)
KIOSK_ACTOR = "Kiosk tự phục vụ"
#: a draft older than this was left by a crash or a power cut: nobody is at it any more
STALE_DRAFT_AGE = timedelta(hours=2)


@dataclass(frozen=True)
class KioskPaper:
    index: int  # position in the procedure's paper list (DossierPage.paper_index)
    name: str
    kind_label: str  # "bản chính" / "bản sao" / ...
    count: int
    required: bool


@dataclass(frozen=True)
class KioskProcedure:
    code: str
    name: str
    time_limit_text: str
    fee_text: str
    #: the papers to place on the scanner: the procedure's papers except the declaration
    #: form, which the kiosk's e-form replaces
    papers: tuple[KioskPaper, ...]
    form_paper: str  # name of the paper the e-form fills ("" when none matches)


@dataclass(frozen=True)
class ReviewPaper:
    paper: KioskPaper
    pages: int


@dataclass(frozen=True)
class Review:
    """What the citizen checks before "Nộp hồ sơ": nothing a bystander should not see."""

    procedure_name: str
    applicant_name: str
    applicant_id_masked: str
    form_lines: tuple[tuple[str, str], ...]  # (label, value) of the main form fields
    papers: tuple[ReviewPaper, ...]
    fee_text: str
    due_text: str
    missing: tuple[str, ...]  # names of required papers without a page


@dataclass(frozen=True)
class SubmissionReceipt:
    code: str
    procedure_name: str
    received_at: datetime
    due_at: datetime
    due_text: str
    fee_text: str
    pages: int
    printed: bool  # the receipt came out of the kiosk's printer
    print_message: str  # why not, when it did not


# --- the kiosk acting as receiver -----------------------------------------------------


def _as_kiosk(ctx: AppContext) -> AppContext:
    """The context the kiosk receives under; see the module's docstring for why."""
    require_role(ctx, *ANY_ROLE)  # the kiosk runs under a staff sign-in
    kiosk_user = UserInfo(id=0, username="kiosk", full_name=KIOSK_ACTOR, role="clerk",
                          role_label=KIOSK_ACTOR, secret_kind="", counter=None, active=True,
                          last_sign_in_at=None)
    own = dataclasses.replace(ctx, user=kiosk_user)
    if "calendar" in vars(ctx):
        own.__dict__["calendar"] = ctx.calendar  # the same calendar, not a second file read
    return own


# --- procedures and papers -----------------------------------------------------------


def _form_paper(form, papers) -> int | None:
    """Index of the paper the e-form stands for (the declaration); None: the form is an
    extra (e.g. the request slip of a certification), every paper is still handed in."""
    index = form.paper_index
    return index if index is not None and 0 <= index < len(papers) else None


def _procedure(ctx: AppContext, code: str, form) -> KioskProcedure:
    _row, proc = catalogue.active_procedure(ctx, code)
    info = catalogue.to_info(ctx, proc)
    skip = _form_paper(form, proc.papers)
    papers = tuple(KioskPaper(index=i, name=p.name, kind_label=guide.paper_kind(p.kind),
                              count=p.count, required=p.required)
                   for i, p in enumerate(proc.papers) if i != skip)
    return KioskProcedure(code=info.code, name=info.name,
                          time_limit_text=_time_text(info.time_limit_days),
                          fee_text=guide.citizen_fee_text(info), papers=papers,
                          form_paper=proc.papers[skip].name if skip is not None else "")


def _time_text(days: int) -> str:
    """Short, for a card a citizen reads at a glance; the review screen shows the date."""
    if days <= 0:
        return _("Giải quyết trong ngày")
    return _("Giải quyết trong {n} ngày làm việc").format(n=days)


def start(ctx: AppContext) -> str:
    """A new citizen's submission: the draft id its pages are kept under."""
    require_role(ctx, *ANY_ROLE)
    return str(uuid.uuid4())


def list_procedures(ctx: AppContext) -> list[KioskProcedure]:
    """The active catalogue procedures that have an e-form, by name."""
    out = []
    with translated_errors():
        for info in guide.list_procedures(ctx):
            form = eforms.form_for(ctx, info.code)
            if form is not None:
                out.append(_procedure(ctx, info.code, form))
    return out


def procedure(ctx: AppContext, code: str) -> KioskProcedure:
    form = _form(ctx, code)
    with translated_errors():
        return _procedure(ctx, code, form)


def _form(ctx: AppContext, code: str):
    form = eforms.form_for(ctx, code)
    if form is None:
        raise InvalidInput(_("Thủ tục này chưa nộp được tại kiosk; mời bạn lấy số thứ tự để "
                             "nộp tại quầy."))
    return form


# --- the ID card ------------------------------------------------------------------------


def read_card(ctx: AppContext, procedure_code: str, qr_text: str) -> dict[str, str]:
    """The form's values filled from the scanned ID card QR.

    A receipt QR or anything else scanned at this step gets a sentence that says which
    QR is wanted, instead of the card parser's field-count message.
    """
    require_role(ctx, *ANY_ROLE)
    text = (qr_text or "").strip()
    if "|" not in text:
        if find_dossier_code(text):
            raise InvalidInput(_("Đây là mã QR trên phiếu hẹn, không phải thẻ căn cước. Hãy "
                                 "đưa mã QR ở mặt trước thẻ CCCD vào máy quét."))
        raise InvalidInput(_("Mã vừa quét không phải mã QR trên thẻ căn cước công dân. Hãy "
                             "đưa mã QR ở mặt trước thẻ CCCD vào máy quét, hoặc chọn "
                             "«Nhập tay»."))
    parse_cccd_qr(text, today=ctx.now().astimezone(VN_TZ).date())  # its precise sentence
    return eforms.prefill_from_qr(ctx, procedure_code, text)


def manual_card(ctx: AppContext, procedure_code: str,
                fields: dict[str, str]) -> tuple[str, dict[str, str]]:
    """A citizen without their card types what is on it (number, name, date of birth,
    sex, address): checked by the same rules as the counter's manual entry, it stands in
    for the card's QR text. Returns (that text, the form's values filled from it)."""
    require_role(ctx, *ANY_ROLE)
    qr_text = intake.citizen_from_fields(ctx, fields)
    return qr_text, eforms.prefill_from_qr(ctx, procedure_code, qr_text)


def _applicant(ctx: AppContext, qr_text: str) -> CitizenCard:
    """The person submitting, from the card's QR (scanned or typed, see :func:`manual_card`).

    The declaration forms do not ask the requester's date of birth and sex, which the
    citizen record needs, so the card (or its typed stand-in) is always the source."""
    if not (qr_text or "").strip():
        raise InvalidInput(_("Chưa có thông tin người nộp: hãy quét mã QR trên thẻ CCCD "
                             "hoặc chọn «Nhập tay»."))
    return parse_cccd_qr(qr_text, today=ctx.now().astimezone(VN_TZ).date())


# --- pages ----------------------------------------------------------------------------


def add_page(ctx: AppContext, draft: str, procedure_code: str, paper_index: int,
             image: bytes, source: str):
    """One page for one paper of the draft (scanner, camera or file); a blank or
    near-uniform page is refused with a sentence (nobody at the kiosk would notice)."""
    require_role(ctx, *ANY_ROLE)
    # decoded once for the blank-page check and the stored page (a PNG costs ~120 ms)
    page = imaging.decode_page(image, max_long_side=ctx.config["attachments.max_long_side"])
    page_checks.refuse_blank(page, source)
    with translated_errors():
        _row, proc = catalogue.active_procedure(ctx, procedure_code)
    if not 0 <= paper_index < len(proc.papers):
        raise InvalidInput(_("Giấy tờ số {n} không có trong thủ tục này.").format(
            n=paper_index + 1))
    return dossier_pages.add_page(ctx, page, paper_index=paper_index,
                                  paper_name=proc.papers[paper_index].name, source=source,
                                  draft=draft)


def scan_page(ctx: AppContext, draft: str, procedure_code: str, paper_index: int):
    """Scan one page from the kiosk's scanner into the draft (worker thread)."""
    require_role(ctx, *ANY_ROLE)
    from sadec_desk.adapters import scanner

    try:
        image = scanner.scan_page(ctx)
    except UserError as exc:  # the device's detail is for the IT officer, in the log
        log.warning("kiosk scan failed: %s", exc)
        raise InvalidInput(_("Máy quét chưa sẵn sàng. Bạn có thể bấm «Chụp ảnh» (hoặc chọn "
                             "tệp từ USB), hoặc nhờ cán bộ hỗ trợ.")) from None
    return add_page(ctx, draft, procedure_code, paper_index, image, "scanner")


def file_page(ctx: AppContext, draft: str, procedure_code: str, paper_index: int,
              path: str) -> list:
    """The pages of a file the citizen picked from a USB stick's touch list (an image:
    one page; a PDF: its first pages), each through the same checks as a scan."""
    require_role(ctx, *ANY_ROLE)
    images = usb_files.read_usb_file(ctx, path)
    return [add_page(ctx, draft, procedure_code, paper_index, image, "file")
            for image in images]


def camera_page(ctx: AppContext, draft: str, procedure_code: str, paper_index: int,
                *, source=None):
    """A still from the kiosk's webcam (``source``: a stand-in camera in tests)."""
    require_role(ctx, *ANY_ROLE)
    from sadec_desk.adapters import scanner

    try:
        image = scanner.photo_from_camera(source=source)
    except UserError as exc:  # "camera number 0", a library name: the log's business
        log.warning("kiosk photo failed: %s", exc)
        raise InvalidInput(_("Máy ảnh chưa sẵn sàng. Bạn có thể bấm «Quét giấy tờ», hoặc "
                             "nhờ cán bộ hỗ trợ.")) from None
    return add_page(ctx, draft, procedure_code, paper_index, image, "camera")


def pages(ctx: AppContext, draft: str):
    require_role(ctx, *ANY_ROLE)
    return dossier_pages.draft_pages(ctx, draft)


def remove_page(ctx: AppContext, draft: str, page_id: int) -> None:
    require_role(ctx, *ANY_ROLE)
    if not any(p.id == page_id for p in dossier_pages.draft_pages(ctx, draft)):
        return  # not this citizen's page: a kiosk never touches another submission
    dossier_pages.remove_page(ctx, page_id)


def missing_papers(ctx: AppContext, draft: str, procedure_code: str) -> list[str]:
    """Names of the required papers that have no page yet."""
    require_role(ctx, *ANY_ROLE)
    proc = procedure(ctx, procedure_code)
    have = {p.paper_index for p in dossier_pages.draft_pages(ctx, draft)}
    return [p.name for p in proc.papers if p.required and p.index not in have]


def _missing_sentence(names: list[str]) -> str:
    return _("Còn thiếu giấy tờ bắt buộc: {names}. Hãy đặt giấy tờ lên máy quét và bấm «Quét "
             "giấy tờ» (hoặc chụp ảnh, chọn tệp).").format(names="; ".join(names))


# --- review and submit ----------------------------------------------------------------


def _fee(ctx: AppContext, proc, page_count: int) -> str:
    council = catalogue.council_fee(ctx, proc.code)
    if proc.fee.kind == "council" and not council:
        # not free: the council's amount is not set here yet (never "Miễn lệ phí")
        return guide.citizen_fee_text(catalogue.to_info(ctx, proc))
    fee = compute_fee(proc.fee, pages=page_count, copies=1, on_time=True,
                      council_amount_vnd=council)
    return format_vnd(fee) if fee else _("Miễn lệ phí")


def review(ctx: AppContext, draft: str, *, procedure_code: str, qr_text: str,
           values: dict[str, str]) -> Review:
    """Everything the review screen shows, the ID number masked (NĐ 13/2023: the kiosk
    screen is seen by everyone in the hall)."""
    require_role(ctx, *ANY_ROLE)
    with translated_errors():
        _row, proc = catalogue.active_procedure(ctx, procedure_code)
    form = _form(ctx, procedure_code)
    card = _applicant(ctx, qr_text)
    info = _procedure(ctx, procedure_code, form)
    page_list = dossier_pages.draft_pages(ctx, draft)
    counts: dict[int, int] = {}
    for page in page_list:
        counts[page.paper_index] = counts.get(page.paper_index, 0) + 1
    due = due_date(ctx, procedure_code, ctx.now())
    lines = tuple(_review_lines(form, values))
    return Review(
        procedure_name=info.name, applicant_name=card.full_name,
        applicant_id_masked=mask_id_number(card.id_number), form_lines=lines,
        papers=tuple(ReviewPaper(p, counts.get(p.index, 0)) for p in info.papers),
        fee_text=_fee(ctx, proc, len(page_list)), due_text=format_datetime(due.due_at),
        missing=tuple(p.name for p in info.papers if p.required and p.index not in counts))


def _review_lines(form, values: dict[str, str]):
    """(label, value) of what the citizen typed: the card's own fields are on the
    "Người nộp" line already, and ID numbers stay masked on a screen others can see."""
    for section in form.sections:
        for field in section.fields:
            value = (values.get(field.name) or "").strip()
            if not value or field.cccd:
                continue
            if field.type == "id_number":
                value = mask_id_number(value)
            elif field.type == "checkbox":
                value = _("Có")
            yield f"{field.label} ({section.title.lower()})", value


def check_phone(phone: str) -> str:
    """"" when the phone number is empty or valid, else the sentence to show."""
    try:
        dossiers.normalise_phone(phone)
    except InvalidInput as exc:
        return str(exc)
    return ""


def submit(ctx: AppContext, draft: str, *, procedure_code: str, qr_text: str,
           values: dict[str, str], phone: str = "") -> SubmissionReceipt:
    """Receive the draft as a kiosk dossier, then print its receipt on the kiosk's printer.

    Dossier, filled form, pages and the receipt's print job are written in one
    transaction, each change with its outbox row (dossier.received, then dossier.form and
    dossier.pages): a failure anywhere leaves nothing but the draft, which the citizen can
    submit again. The receipt is then printed at once, like the kiosk's tickets, on the
    default printer (``printing.printer``); a printer that is off leaves the job queued
    for the print worker and the code on the screen.
    """
    require_role(ctx, *ANY_ROLE)
    kctx = _as_kiosk(ctx)
    errors = eforms.check(kctx, procedure_code, values)
    if errors:
        raise InvalidInput(_("Tờ khai còn ô chưa đúng: {fields}. Hãy quay lại bước tờ khai "
                             "để sửa.").format(fields="; ".join(errors.values())))
    missing = missing_papers(kctx, draft, procedure_code)
    if missing:
        raise InvalidInput(_missing_sentence(missing))
    card = _applicant(kctx, qr_text)
    with translated_errors():
        _row, proc = catalogue.active_procedure(kctx, procedure_code)
    form_index = _form_paper(eforms.form_for(kctx, procedure_code), proc.papers)
    page_list = dossier_pages.draft_pages(kctx, draft)
    have = {p.paper_index for p in page_list}
    # Mẫu 01 lists the papers received (TT 01/2018/TT-VPCP Art. 9): the filled e-form
    # stands for the declaration, the others are the papers with at least one page
    handed = tuple(PaperInfo(p.name, p.kind, p.count) for i, p in enumerate(proc.papers)
                   if i == form_index or i in have)
    # the office row is made (and cached in the context) on first use: made inside the
    # transaction below, a rollback would leave the cache naming a row that is not there
    kctx.office()
    with translated_errors(), kctx.database.atomic():
        dossier = dossiers.receive_dossier(
            kctx, procedure_code=procedure_code, card=card, phone=phone,
            pages=len(page_list), channel="kiosk", papers=handed)
        dossier_id = _dossier_id(dossier.uuid)
        eforms.save_form(kctx, dossier_id, procedure_code, values)
        dossier_pages.attach_draft(kctx, draft, dossier_id)
        job = jobs.enqueue_print(kctx, "receipt", {"dossier": dossier.code})
    try:
        printed = jobs.attempt_job(kctx, job.id)
    except Exception:  # the dossier is in: the citizen must still see its code
        log.exception("kiosk receipt %s not printed", dossier.code)
        printed = dataclasses.replace(job, status="failed", last_error=_(
            "Lỗi chương trình khi in; chi tiết trong tệp nhật ký."))
    return SubmissionReceipt(
        code=dossier.code, procedure_name=dossier.procedure_name,
        received_at=dossier.received_at, due_at=dossier.due_at,
        due_text=format_datetime(dossier.due_at),
        fee_text=(format_vnd(dossier.fee_vnd) if dossier.fee_vnd
                  else _fee(kctx, proc, len(page_list))),
        pages=len(page_list), printed=printed.status == "printed",
        print_message=printed.last_error if printed.status != "printed" else "")


def _dossier_id(dossier_uuid: str) -> int:
    from sadec_desk.db.models import Dossier

    return Dossier.select(Dossier.id).where(Dossier.uuid == dossier_uuid).scalar()


def discard(ctx: AppContext, draft: str) -> int:
    """Forget an unfinished submission: its page rows, and the files nobody else uses."""
    require_role(ctx, *ANY_ROLE)
    return dossier_pages.discard_draft(ctx, draft)


def purge_stale(ctx: AppContext) -> int:
    """Drafts left by a crash (the kiosk window was not there to discard them)."""
    require_role(ctx, *ANY_ROLE)
    return dossier_pages.purge_stale_drafts(ctx, STALE_DRAFT_AGE)


# --- "Người khai là mẹ/cha của cháu" ----------------------------------------------------


def declarant_choices(ctx: AppContext, procedure_code: str) -> list[tuple[int, str]]:
    """(index, label) of the form's "the declarant is the child's mother/father" choices
    (none for most forms)."""
    require_role(ctx, *ANY_ROLE)
    with translated_errors():
        _row, proc = catalogue.active_procedure(ctx, procedure_code)
    form = proc.form
    return [(i, c.label) for i, c in enumerate(form.declarant_copies)] if form else []


def declarant_values(ctx: AppContext, procedure_code: str, qr_text: str,
                     index: int) -> dict[str, str]:
    """The values that choice sets: the relation, and the declarant's own data from the
    card read at the card step (so a mother does not type them again)."""
    require_role(ctx, *ANY_ROLE)
    card = _applicant(ctx, qr_text)
    with translated_errors():
        _row, proc = catalogue.active_procedure(ctx, procedure_code)
    if proc.form is None or not 0 <= index < len(proc.form.declarant_copies):
        raise InvalidInput(_("Tờ khai này không có lựa chọn đó."))
    return eform_rules.declarant_values(proc.form, index, card)
