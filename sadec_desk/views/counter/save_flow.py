"""Saving the receive form so that a stray key press cannot make a wrong dossier
(issue #17 item 1).

A part of :class:`sadec_desk.views.counter.screen.CounterView`: owns ``dialog`` (the
question window open, if any), ``clear_button``'s two meanings and the state
``form_id``, ``saving``, ``locked``, ``saved``.

- The form has an identity (``form_id``, the dossier's UUID to be): saving it twice is
  one dossier in the service too (``receive_from_form(form_id=...)``).
- F10 while a save runs, or after it, does nothing but say so; after a save the form is
  locked, read-only, with what was received, until "Hồ sơ mới" or a new card.
- Before saving, the service says what to ask (:func:`intake.check_before_save`): a
  second dossier of the same citizen and procedure today, papers not ticked (Mẫu 02, or
  "Vẫn tiếp nhận" with a reason).
- What follows a save (ticket linked, receipt or Mẫu 02) is
  :func:`sadec_desk.services.desk.after_receive`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sadec_desk.errors import UserError
from sadec_desk.i18n import _
from sadec_desk.services import desk
from sadec_desk.services.display import format_datetime
from sadec_desk.services.reception import intake
from sadec_desk.views.dialogs import AskDialog, Choice


@dataclass(frozen=True)
class FieldRefusal:
    """A service's refusal that names a field of the form (``UserError.field``)."""

    message: str
    field: str


def naming_the_field(fn):
    """``fn`` run in the worker, a refusal naming a field returned as a
    :class:`FieldRefusal` (the task runner passes on only the sentence)."""
    def call(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except UserError as exc:
            if not exc.field:
                raise
            return FieldRefusal(str(exc), exc.field)
    return call


class SaveFlow:
    """Saving and locking the receive form (a mixin of CounterView)."""

    def field_error_label(self, field: str):
        """The red line beside (under) ``field`` of the receive form, or None."""
        return {"phone": self.phone_error, "pages": self.count_error,
                "copies": self.count_error, "procedure": self.procedure_error,
                }.get(field, self.citizen_error if field == "citizen"
                      or field in self.citizen_entries else None)

    def on_field_refused(self, refusal: FieldRefusal) -> None:
        """A service refused the save because of one field: the sentence goes beside that
        field (issue #17 item 5), the message bar points at it; nothing typed is lost."""
        self.saving = False
        self.save_button.configure(state="normal")
        label = self.field_error_label(refusal.field)
        if label is None:
            self.receive_message.show(refusal.message, "error")
            return
        label.configure(text=refusal.message)
        self.receive_message.show(_("Chưa lưu: xem các dòng màu đỏ."), "error")
        entry = {"phone": self.phone, "pages": self.pages, "copies": self.copies,
                 "procedure": self.procedure_box}.get(refusal.field,
                                                      self.citizen_entries.get(refusal.field))
        if entry is not None:
            entry.focus_set()

    def new_form(self) -> None:
        """A fresh, unlocked form with a new identity."""
        self.form_id = str(uuid.uuid4())
        self.locked = False
        self.saved = None
        self.set_form_state("normal")  # first: a disabled entry ignores being cleared
        self.clear_inputs()
        self.clear_button.configure(text=_("Làm mới biểu mẫu"), bootstyle="info-outline")

    def on_clear_form(self) -> None:
        """"Làm mới biểu mẫu" / "Hồ sơ mới": everything goes, a new dossier starts."""
        if self.saving:
            return
        self.new_form()
        self.procedure_box.focus_set()

    def set_form_state(self, state: str) -> None:
        """"normal" or "disabled" for every input of the form (the lock after a save)."""
        readonly = "readonly" if state == "normal" else "disabled"
        for key, entry in self.citizen_entries.items():
            manual = self.manual_mode and key != "gender" and state == "normal"
            entry.configure(state="normal" if manual else readonly)
        for widget in (self.phone, self.pages, self.copies, self.procedure_box):
            widget.configure(state=state)
        for child in (*self.options_frame.winfo_children(),
                      *self.delivery_frame.winfo_children(),
                      *self.papers_frame.winfo_children()):
            if child.winfo_class() in ("TCheckbutton", "TRadiobutton", "TSpinbox", "TEntry"):
                child.configure(state=state)
        self.save_button.configure(state=state)

    def lock_form(self, info) -> None:
        self.locked, self.saved = True, info
        self.set_form_state("disabled")
        for button in self.gender_buttons.values():
            button.configure(state="disabled")
        self.clear_button.configure(text=_("Hồ sơ mới"), bootstyle="success")
        self.result_label.configure(text=info.code)

    def summary(self, info) -> str:
        """What was received, in one line: the locked form's read-only summary."""
        text = _("Đã tiếp nhận hồ sơ {code}: {name}, {procedure}. Hẹn trả {due}.").format(
            code=info.code, name=info.citizen.full_name, procedure=info.procedure_name,
            due=format_datetime(info.due_at))
        if info.status == "supplement_requested":
            text = _("Đã lập hồ sơ {code} ({name}) và yêu cầu bổ sung giấy tờ (Mẫu 02).").format(
                code=info.code, name=info.citizen.full_name)
        return text

    # --- F10 -----------------------------------------------------------------------------

    def form_papers(self) -> list:
        return [intake.FormPaper(p.name, p.kind, p.count, var.get())
                for p, var in self.paper_vars]

    def form_values(self) -> dict:
        procedure = self.procedure
        return dict(qr_text=self.qr_text,
                    manual=({k: e.get() for k, e in self.citizen_entries.items()}
                            if self.manual_mode else None),
                    procedure_code=procedure.code if procedure else "",
                    papers=self.form_papers())

    def on_save(self) -> None:
        if self.saving:
            return  # F10 pressed again while the first save is running: one dossier only
        if self.locked:
            self.receive_message.show(
                _("Hồ sơ {code} đã được lưu. Bấm «Hồ sơ mới» hoặc quét thẻ CCCD tiếp theo để "
                  "tiếp nhận hồ sơ khác.").format(code=self.saved.code), "warning")
            return
        if not self.here_first():
            return
        self.saving = True
        self.save_button.configure(state="disabled")
        self.receive_message.show(_("Đang kiểm tra hồ sơ…"))
        self.shell.tasks.submit(naming_the_field(intake.check_before_save), self.ctx,
                                **self.form_values(), on_done=self.on_save_checked,
                                on_error=self.on_save_failed)

    def here_first(self) -> bool:
        """What the form itself can tell, beside its field; False when something is
        missing (the services say the rest)."""
        ok = True
        if not self.manual_mode and not self.qr_text:
            self.citizen_error.configure(text=_("Chưa có người nộp: quét mã QR thẻ CCCD "
                                                "hoặc bấm «Nhập tay»."))
            ok = False
        if self.procedure is None:
            self.procedure_error.configure(text=_("Hãy chọn thủ tục hành chính (gõ vài chữ "
                                                  "để tìm)."))
            ok = False
        if not ok:
            self.receive_message.show(_("Chưa lưu: xem các dòng màu đỏ."), "error")
        return ok

    def on_save_checked(self, check) -> None:
        if isinstance(check, FieldRefusal):
            self.on_field_refused(check)
            return
        if check.same_day_codes:
            self.ask(_("Có thể trùng hồ sơ"),
                     _("Hôm nay công dân này đã có hồ sơ {codes} cùng thủ tục. Tiếp nhận thêm "
                       "một hồ sơ nữa?").format(codes=", ".join(check.same_day_codes)),
                     [Choice(_("Không, quay lại"), self.on_save_cancelled),
                      Choice(_("Vẫn tiếp nhận thêm"),
                             lambda _r: self.ask_missing(check, same_day=True),
                             style="warning")])
            return
        self.ask_missing(check, same_day=False)

    def ask_missing(self, check, *, same_day: bool) -> None:
        if not check.missing:
            self.submit_save(same_day_confirmed=same_day)
            return
        self.ask(_("Còn thiếu giấy tờ"),
                 _("Công dân chưa nộp: {papers}.\nIn Mẫu 02 để yêu cầu bổ sung, hoặc vẫn tiếp "
                   "nhận và ghi lý do.").format(papers="; ".join(check.missing)),
                 [Choice(_("Quay lại đánh dấu"), self.on_save_cancelled),
                  Choice(_("In Mẫu 02 (yêu cầu bổ sung)"),
                         lambda _r: self.submit_save(same_day_confirmed=same_day,
                                                     missing_action="supplement"),
                         style="primary"),
                  Choice(_("Vẫn tiếp nhận"),
                         lambda r: self.submit_save(same_day_confirmed=same_day,
                                                    missing_action="accept", missing_reason=r),
                         style="warning", needs_reason=True)],
                 reason_label=_("Lý do vẫn tiếp nhận (ghi vào lịch sử hồ sơ)"))

    def ask(self, title: str, message: str, choices: list, reason_label: str = "") -> None:
        self.dialog = AskDialog(self, title=title, message=message, choices=choices,
                                reason_label=reason_label)

    def on_save_cancelled(self, _reason: str = "") -> None:
        self.saving = False
        self.save_button.configure(state="normal")
        self.receive_message.show(_("Chưa lưu hồ sơ."), "warning")

    def submit_save(self, **answers) -> None:
        self.receive_message.show(_("Đang lưu hồ sơ…"))
        self.shell.tasks.submit(
            naming_the_field(intake.receive_from_form), self.ctx, **self.form_values(),
            phone=self.phone.get(), pages=self.pages.get(), copies=self.copies.get(),
            needs_verification=self.verification.get(), late=self.late.get(),
            form_id=self.form_id, **answers, **self.delivery_choice(),
            on_done=self.on_saved, on_error=self.on_save_failed)

    def on_save_failed(self, message: str) -> None:
        self.saving = False
        self.save_button.configure(state="normal")
        self.receive_message.show(message, "error")

    def on_saved(self, info) -> None:
        if isinstance(info, FieldRefusal):
            self.on_field_refused(info)
            return
        self.saving = False
        already = self.saved is not None and self.saved.code == info.code
        self.lock_form(info)
        self.receive_message.show(self.summary(info) + " " + _("Đang in…"), "ok")
        if already:
            return  # the same form's answer twice: its receipt is on its way already
        self.shell.refresh_sync_state()
        # what follows a save is the desk's rule: the called ticket linked, the receipt
        ticket = self.current_ticket.id if self.current_ticket is not None else None
        self.shell.tasks.submit(desk.after_receive, self.ctx, info.code, ticket=ticket,
                                on_done=self.on_printed,
                                on_error=lambda m: self.receive_message.show(m, "error"))

    def on_printed(self, outcome) -> None:
        """The save's follow-up is done (a :class:`desk.ReceiveFollowUp`)."""
        if outcome.link_error:
            self.shell.show_error(outcome.link_error)
        summary = self.summary(self.saved) if self.saved is not None else ""
        if outcome.receipt is None:  # Mẫu 02 instead of the receipt
            if outcome.form is not None:
                self.on_form_printed(outcome.form)
            form = outcome.form
            text = self.form_note(form) if form is not None else outcome.form_error
            self.receive_message.show(
                f"{summary} {text}", "ok" if form is not None else "error",
                details=f"{summary} {form.message}" if form is not None
                and form.status != "printed" else "")
        elif outcome.receipt.status == "printed":
            self.receive_message.show(f"{summary} " + _("Đã in phiếu hẹn."), "ok")
        else:
            job = outcome.receipt
            self.receive_message.show(
                f"{summary} " + _("Chưa in được phiếu hẹn: {error} Phiếu sẽ được in lại tự "
                                  "động khi máy in sẵn sàng.")
                .format(error=job.last_error or job.status_label), "warning")
        self.shell.refresh_print_state()

    def delivery_choice(self) -> dict:
        """Where the citizen receives the result: "office" or "post"."""
        return {"result_delivery": self.result_delivery.get()}
