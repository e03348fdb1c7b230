"""Declaration forms (tờ khai) of the catalogue procedures: fill, check, store, print.

The form of a procedure is catalogue data (``domain.eforms``); a dossier's filled form
is a ``DossierForm`` row holding the form id and version it was filled on, so a later
catalogue version never changes what a citizen declared. Saving writes the
``dossier.form`` outbox row in the same transaction (docs/design.md §5). The filled form
prints as the official paper layout (:mod:`sadec_desk.services.documents.form_pdf`) for the
citizen to sign, on the office printer like Mẫu 01–05.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sadec_desk.db.attachment_models import DossierForm
from sadec_desk.db.database import translated_errors
from sadec_desk.db.models import Dossier
from sadec_desk.db.models import Procedure as ProcedureRow
from sadec_desk.domain import eforms as domain
from sadec_desk.domain.cccd import CitizenCard, parse_cccd_qr
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.errors import InvalidInput, NotFound
from sadec_desk.i18n import _, vietnamese
from sadec_desk.services import catalogue
from sadec_desk.services.access import COUNTER_ROLES, require_role
from sadec_desk.services.audit import append_event
from sadec_desk.services.outbox import queue_change

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext
    from sadec_desk.services.documents.office_forms import OfficePrintResult

log = logging.getLogger(__name__)

#: who may fill a dossier's form: the counter (and the kiosk acting as one)
FILL_ROLES = ("clerk", "leader")
#: who may read or print a filled form (it holds personal data; handed to the citizen)
READ_ROLES = ("clerk", "leader", "it")
#: the office-printer result's "form" for a declaration (Mẫu 01–05 use "01".."05")
DECLARATION = "to-khai"


@dataclass(frozen=True)
class FieldInfo:
    name: str
    label: str
    type: str  # text | textarea | date | number | choice | phone | id_number | checkbox
    required: bool
    help: str
    choices: tuple[str, ...]
    max_length: int | None  # longest value accepted (None: no limit)
    cccd: str | None  # the CCCD field that fills it
    default: str


@dataclass(frozen=True)
class SectionInfo:
    title: str
    fields: tuple[FieldInfo, ...]


@dataclass(frozen=True)
class FormInfo:
    """What a screen needs to draw a procedure's declaration form."""

    procedure_code: str
    procedure_name: str
    form_id: str
    version: str
    title: str
    source: str
    paper_size: str  # A4 | A5
    paper_index: int | None  # the procedure paper the form stands for
    sections: tuple[SectionInfo, ...]
    unverified: tuple[str, ...] = ()

    @property
    def fields(self) -> tuple[FieldInfo, ...]:
        return tuple(f for s in self.sections for f in s.fields)


@dataclass(frozen=True)
class FilledForm:
    dossier_code: str
    dossier_uuid: str
    procedure_code: str
    procedure_name: str
    form: FormInfo
    values: dict[str, str]
    created_at: datetime
    updated_at: datetime


def _info(code: str, name: str, form: domain.FormDefinition) -> FormInfo:
    return FormInfo(
        procedure_code=code, procedure_name=name, form_id=form.form_id, version=form.version,
        title=form.title, source=form.source, paper_size=form.paper_size,
        paper_index=form.paper_index, unverified=form.unverified,
        sections=tuple(SectionInfo(s.title, tuple(
            FieldInfo(name=f.name, label=f.label, type=f.type, required=f.required,
                      help=f.help, choices=f.choices, max_length=f.limit, cccd=f.cccd,
                      default=f.default) for f in s.fields)) for s in form.sections))


def _today(ctx: AppContext) -> date:
    return ctx.now().astimezone(VN_TZ).date()


def _active_form(ctx: AppContext, procedure_code: str):
    """(procedure, its form) of the active catalogue version; the form may be None."""
    with translated_errors():
        _row, procedure = catalogue.active_procedure(ctx, procedure_code)
    return procedure, procedure.form


def _required_form(ctx: AppContext, procedure_code: str):
    procedure, form = _active_form(ctx, procedure_code)
    if form is None:
        raise InvalidInput(_("Thủ tục {code} ({name}) không có tờ khai điện tử; hãy dùng tờ "
                             "khai giấy.").format(code=procedure.code, name=procedure.name))
    return procedure, form


def form_for(ctx: AppContext, procedure_code: str) -> FormInfo | None:
    """The declaration form of the active version of a procedure; None when it has none."""
    procedure, form = _active_form(ctx, procedure_code)
    return None if form is None else _info(procedure.code, procedure.name, form)


def prefill_from_qr(ctx: AppContext, procedure_code: str, qr_text: str) -> dict[str, str]:
    """The form's starting values: its defaults and what the ID card's QR fills."""
    _procedure, form = _required_form(ctx, procedure_code)
    card = parse_cccd_qr(qr_text, today=_today(ctx))
    return domain.prefill(form, card)


def check(ctx: AppContext, procedure_code: str, values: dict[str, str]) -> dict[str, str]:
    """Field name → what is wrong, in Vietnamese; empty when the values can be saved."""
    _procedure, form = _required_form(ctx, procedure_code)
    return domain.validate(form, values, today=_today(ctx))


def _own_procedure(dossier: Dossier):
    # the dossier query joins only the procedure's code and name, not its data
    row = (ProcedureRow.select().join(Dossier, on=(Dossier.procedure == ProcedureRow.id))
           .where(Dossier.id == dossier.id).get())
    return catalogue.procedure_from_row(row)


def _form_of_dossier(ctx: AppContext, dossier: Dossier):
    """The form a dossier is filled on: its own procedure version's, or — for a dossier
    received before its procedure had an e-form — the active version's."""
    procedure = _own_procedure(dossier)
    if procedure.form is not None:
        return procedure, procedure.form
    return _required_form(ctx, procedure.code)


def _fill_form(ctx: AppContext, dossier: Dossier):
    """The form a dossier's values go on: the one it was filled on before, if any."""
    stored = _stored(dossier)
    if stored is not None:
        return _definition_for(dossier, stored.form_id, stored.form_version)
    return _form_of_dossier(ctx, dossier)


def save_form(ctx: AppContext, dossier_id: int, procedure_code: str,
              values: dict[str, str]) -> None:
    """Store the filled form of a dossier (new or corrected) with its ``dossier.form``
    outbox row, in the caller's transaction (or its own). Invalid values are refused
    with InvalidInput naming every field to fix."""
    require_role(ctx, *FILL_ROLES)
    with translated_errors(), ctx.database.atomic():
        dossier = Dossier.get_or_none(Dossier.id == dossier_id)
        if dossier is None:
            raise NotFound(_("Không có hồ sơ số {id}.").format(id=dossier_id))
        procedure, form = _fill_form(ctx, dossier)
        if (procedure_code or "").strip() != procedure.code:
            raise InvalidInput(_("Hồ sơ {code} thuộc thủ tục {have}, không phải {given}; hãy "
                                 "điền đúng tờ khai của thủ tục {have}.").format(
                code=dossier.code, have=procedure.code, given=procedure_code))
        errors = domain.validate(form, values, today=_today(ctx))
        if errors:
            raise InvalidInput(_("Tờ khai chưa lưu được, hãy sửa: {problems}").format(
                problems=" ".join(errors.values())))
        clean = domain.normalise(form, values)
        text = json.dumps(clean, ensure_ascii=False)
        now = ctx.now()
        (DossierForm.insert(dossier=dossier.id, form_id=form.form_id,
                            form_version=form.version, values=text, created_at=now,
                            updated_at=now)
         .on_conflict(conflict_target=[DossierForm.dossier],
                      update={DossierForm.form_id: form.form_id,
                              DossierForm.form_version: form.version,
                              DossierForm.values: text, DossierForm.updated_at: now})
         .execute())
        # the history keeps who filled or corrected the form, and a hash of its values
        append_event(ctx.database, dossier=dossier.id, at=now, actor=ctx.actor, kind="form",
                     from_status=dossier.status, to_status=dossier.status,
                     note=vietnamese("{title} (mẫu {version})").format(
                         title=form.title.capitalize(), version=form.version),
                     data=json.dumps({"form_id": form.form_id, "form_version": form.version,
                                      "values_sha256": hashlib.sha256(
                                          text.encode("utf-8")).hexdigest()}))
        Dossier.update({Dossier.updated_at: now}).where(Dossier.id == dossier.id).execute()
        queue_change(ctx, dossier.uuid, "dossier.form",
                     {"uuid": dossier.uuid, "form_id": form.form_id,
                      "form_version": form.version, "values": clean})
    log.info("declaration form %s saved for %s", form.form_id, dossier.code)


def update_form(ctx: AppContext, reference: str, values: dict[str, str]) -> FilledForm:
    """The counter fills or corrects a dossier's form (any channel): the given values
    replace those stored, the others stay."""
    require_role(ctx, *COUNTER_ROLES)
    from sadec_desk.services.reception.dossiers import find_dossier_row

    with translated_errors():
        dossier = find_dossier_row(reference)
        current = _stored(dossier)
        merged = {**(json.loads(current.values) if current else {}), **values}
        save_form(ctx, dossier.id, _own_procedure(dossier).code, merged)
    filled = form_of(ctx, dossier.uuid)
    assert filled is not None
    return filled


def form_to_fill(ctx: AppContext, reference: str) -> tuple[FormInfo, dict[str, str]]:
    """What the counter's form editor shows for a dossier: its filled form and values, or
    — for a dossier received on a paper form — the form of its procedure version with
    the applicant's card data and the defaults filled in."""
    from sadec_desk.services.reception.dossiers import find_dossier_row, get_dossier

    require_role(ctx, *READ_ROLES)
    filled = form_of(ctx, reference)
    if filled is not None:
        return filled.form, dict(filled.values)
    with translated_errors():
        dossier = find_dossier_row(reference)
        procedure, form = _form_of_dossier(ctx, dossier)
    c = get_dossier(ctx, reference).citizen
    # A known gap, left as it is (no behaviour change here): an applicant pulled from the
    # portal may have no date of birth, which CitizenCard and eforms.prefill require.
    card = CitizenCard(id_number=c.id_number, old_id_number=c.old_id_number,
                       full_name=c.full_name,
                       date_of_birth=c.date_of_birth,  # type: ignore[arg-type]
                       gender=c.gender, address=c.address, issue_date=c.issue_date)
    return _info(procedure.code, procedure.name, form), domain.prefill(form, card)


def check_for(ctx: AppContext, reference: str, values: dict[str, str]) -> dict[str, str]:
    """Like :func:`check`, on the form a dossier is (or will be) filled on."""
    require_role(ctx, *READ_ROLES)
    from sadec_desk.services.reception.dossiers import find_dossier_row

    with translated_errors():
        dossier = find_dossier_row(reference)
        _procedure, form = _fill_form(ctx, dossier)
    return domain.validate(form, values, today=_today(ctx))


def _stored(dossier: Dossier) -> DossierForm | None:
    return DossierForm.get_or_none(DossierForm.dossier == dossier.id)


def _definition_for(dossier: Dossier, form_id: str, version: str):
    """The catalogue version whose form a stored form was filled on (fixed per dossier)."""
    own = _own_procedure(dossier)
    if own.form is not None and (own.form.form_id, own.form.version) == (form_id, version):
        return own, own.form
    rows = (ProcedureRow.select().where(ProcedureRow.code == own.code)
            .order_by(ProcedureRow.version.desc()))
    for row in rows:
        procedure = catalogue.procedure_from_row(row)
        if procedure.form is not None and (procedure.form.form_id,
                                           procedure.form.version) == (form_id, version):
            return procedure, procedure.form
    raise NotFound(_("Không còn định nghĩa tờ khai {form} phiên bản {version} trong danh mục; "
                     "hãy cập nhật danh mục thủ tục.").format(form=form_id, version=version))


def form_of(ctx: AppContext, reference: str) -> FilledForm | None:
    """The filled form of a dossier (code, UUID or receipt QR text); None when it has none."""
    from sadec_desk.services.reception.dossiers import find_dossier_row

    require_role(ctx, *READ_ROLES)
    with translated_errors():
        dossier = find_dossier_row(reference)
        stored = _stored(dossier)
        if stored is None:
            return None
        procedure, form = _definition_for(dossier, stored.form_id, stored.form_version)
        values = domain.normalise(form, json.loads(stored.values))
        return FilledForm(
            dossier_code=dossier.code, dossier_uuid=dossier.uuid,
            procedure_code=procedure.code, procedure_name=procedure.name,
            form=_info(procedure.code, procedure.name, form), values=values,
            created_at=stored.created_at.astimezone(VN_TZ),
            updated_at=stored.updated_at.astimezone(VN_TZ))


class NoFilledForm(InvalidInput):
    """The dossier has no filled e-form (received at the counter on a paper form)."""

    code = "no_filled_form"

    def __init__(self, dossier_code: str):
        super().__init__(_("Hồ sơ {code} chưa có tờ khai điện tử đã điền (hồ sơ nộp tại quầy "
                           "dùng tờ khai giấy); hãy điền tờ khai cho hồ sơ (sadec-desk form "
                           "fill) trước khi in.").format(code=dossier_code))


def declaration_pdf(ctx: AppContext, reference: str, out: str | Path | None = None) -> Path:
    """Write the dossier's filled declaration form as a PDF in the official layout (A4 or
    A5 as the form says) for the citizen to sign. Default file: ``<data dir>/forms/``.
    The file holds personal data, so its name says so."""
    from sadec_desk.services.documents import form_pdf, office_forms
    from sadec_desk.services.documents.output import output_path, pdf_fonts, write_output

    require_role(ctx, *READ_ROLES)
    filled = form_of(ctx, reference)
    if filled is None:
        from sadec_desk.services.reception.dossiers import get_dossier

        raise NoFilledForm(get_dossier(ctx, reference).code)
    if out is None:
        folder = office_forms.forms_dir(ctx)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InvalidInput(_("Không tạo được thư mục {folder} ({error}).").format(
                folder=folder, error=exc)) from None
        out = folder / f"{filled.dossier_code}.to-khai.pdf"
    path = output_path(out, "pdf", True)
    with translated_errors():
        _procedure, form = _definition_for(Dossier.get(Dossier.uuid == filled.dossier_uuid),
                                           filled.form.form_id, filled.form.version)
        document = form_pdf.declaration_document(ctx, form, filled)
    pdf_fonts(ctx)
    write_output(path, lambda f: form_pdf.write_declaration_pdf(f, document))
    log.info("declaration form of %s written to a PDF file", filled.dossier_code)
    return path


def print_declaration(ctx: AppContext, reference: str) -> OfficePrintResult:
    """The filled declaration form on the office printer (``printing.office_printer``),
    like Mẫu 01–05; with no printer set it is only saved. A printer problem is a sentence
    in the result and the PDF stays."""
    require_role(ctx, *READ_ROLES)
    from sadec_desk.services.documents import office_forms

    path = str(declaration_pdf(ctx, reference))
    filled = form_of(ctx, reference)
    code = filled.dossier_code if filled else reference
    printer = (ctx.config["printing.office_printer"] or "").strip()
    if not printer:
        return office_forms.OfficePrintResult(
            code, DECLARATION, path, "", "saved",
            _("Đã lưu tờ khai của hồ sơ {code} tại {path}. Chưa đặt máy in văn phòng "
              "(printing.office_printer): mở tệp để in.").format(code=code, path=path))
    try:
        office_forms.send_pdf(path, printer, seconds=2 * ctx.config["printing.timeout_seconds"])
    except office_forms.OfficePrintFailed as exc:
        log.warning("declaration form of %s not printed: %s", code, exc)
        return office_forms.OfficePrintResult(
            code, DECLARATION, path, printer, "failed",
            _("Chưa in được tờ khai của hồ sơ {code}: {error} Tờ khai đã lưu tại {path}.")
            .format(code=code, error=str(exc), path=path), error=str(exc))
    return office_forms.OfficePrintResult(
        code, DECLARATION, path, printer, "printed",
        _("Đã in tờ khai của hồ sơ {code} ra máy in {printer}.").format(code=code,
                                                                        printer=printer))
