"""The IT tab for the portal: sync status, sync now, enrolment, file transfer when there
is no network, the conflicts and rejected dossiers to resolve, and the portal's changes
set aside because they could not be applied here (apply again, or dismiss with a reason)."""

from __future__ import annotations

from pathlib import Path

import ttkbootstrap as ttk

from sadec_desk.i18n import _
from sadec_desk.services.display import format_datetime
from sadec_desk.sync import api
from sadec_desk.views.dialogs import AskDialog, Choice
from sadec_desk.views.file_dialog import ask_save_file
from sadec_desk.views.settings.base import Tab, create_row, create_tree
from sadec_desk.views.widgets import font, set_entry


def _when(moment) -> str:
    return format_datetime(moment) if moment else "—"


class _ReasonLine(ttk.Label):
    """Under a list whose reason column cuts the text short: the chosen row's whole
    reason (``describe(row id, reason)``), or ``prompt`` while rows are listed and none
    is chosen."""

    def __init__(self, parent, tree, describe, prompt: str):
        super().__init__(parent, text="", font=font(10), wraplength=700, justify="left")
        self.pack(anchor="w", pady=(2, 0))
        self.tree, self.describe, self.prompt = tree, describe, prompt
        self.reasons: dict[str, str] = {}  # row id -> the whole reason
        tree.bind("<<TreeviewSelect>>", lambda _e: self.show())

    def show(self, reasons: dict[str, str] | None = None) -> None:
        if reasons is not None:
            self.reasons = reasons
        chosen = self.tree.selection()
        if chosen:
            text = self.describe(chosen[0], self.reasons.get(chosen[0]) or "—")
        else:
            text = self.prompt if self.reasons else ""
        self.configure(text=text)


class SyncTab(Tab):
    def __init__(self, parent, shell):
        super().__init__(parent, shell, _("Kết nối cổng dịch vụ công và đồng bộ"))
        row = ttk.Frame(self)
        row.pack(fill="both", expand=True)
        left = ttk.Frame(row)
        left.pack(side="left", anchor="n")
        self.status_text = ttk.Label(left, text=_("Đang đọc trạng thái…"), font=font(11),
                                     justify="left")
        self.status_text.pack(anchor="w")
        buttons = ttk.Frame(left)
        buttons.pack(anchor="w", pady=(6, 0))
        self.run_button = ttk.Button(buttons, text=_("Đồng bộ ngay"), bootstyle="primary",
                                     command=self.on_run)
        self.run_button.pack(side="left", padx=(0, 4))
        self.retry_button = ttk.Button(buttons, text=_("Gửi lại thao tác lỗi"),
                                       bootstyle="secondary", command=self.on_retry)
        self.retry_button.pack(side="left", padx=4)
        enrol = ttk.Labelframe(left, text=_("Đăng ký máy với cổng"), padding=8)
        enrol.pack(fill="x", pady=(10, 0))
        self.portal_url = create_row(enrol, 0, _("Địa chỉ cổng"), width=40)
        self.enrol_code = create_row(enrol, 2, _("Mã đăng ký"), width=40)
        ttk.Button(enrol, text=_("Đăng ký"), bootstyle="primary", command=self.on_enrol).grid(
            row=4, column=1, sticky="e", pady=(4, 0))
        files = ttk.Labelframe(left, text=_("Chuyển bằng tệp khi không có mạng"), padding=8)
        files.pack(fill="x", pady=(10, 0))
        self.file_path = create_row(files, 0, _("Tệp"), width=40)
        fb = ttk.Frame(files)
        fb.grid(row=2, column=0, columnspan=2, sticky="e", pady=(4, 0))
        ttk.Button(fb, text=_("Chọn tệp…"), bootstyle="link", command=self.on_choose_file).pack(
            side="left")
        self.export_button = ttk.Button(fb, text=_("Xuất thao tác chờ gửi"),
                                        bootstyle="secondary", command=self.on_export)
        self.export_button.pack(side="left", padx=4)
        self.import_button = ttk.Button(fb, text=_("Nhập tệp lên cổng"), bootstyle="secondary",
                                        command=self.on_import)
        self.import_button.pack(side="left")
        right = ttk.Frame(row)
        right.pack(side="left", anchor="n", padx=(20, 0))
        self.side_by_side(left, right)
        ttk.Label(right, text=_("Xung đột và hồ sơ bị từ chối"), font=font(12, "bold")).pack(
            anchor="w")
        # widths: a whole dossier code (~205 px) and the longest status label ("Hủy do
        # nhập nhầm", ~135 px) fit; the reason, often longer than any column, is shown
        # whole under the list for the chosen row. 700 px in all keeps this column beside
        # the left one on a 1366 px screen (side_by_side)
        self.conflicts = create_tree(right, (("code", _("Mã hồ sơ"), 215),
                                             ("state", _("Tình trạng"), 90),
                                             ("local", _("Trên máy"), 140),
                                             ("portal", _("Trên cổng"), 140),
                                             ("message", _("Lý do"), 115)), height=8)
        self.conflicts.pack(anchor="w")
        self.conflict_reason = _ReasonLine(
            right, self.conflicts, lambda code, why: _("Lý do ({code}): {why}").format(
                code=code, why=why), _("Chọn một hồ sơ để xem đầy đủ lý do."))
        cb = ttk.Frame(right)
        cb.pack(anchor="w", pady=(4, 0))
        self.keep_local = ttk.Button(cb, text=_("Giữ bản trên máy"), bootstyle="secondary",
                                     command=lambda: self.on_resolve("local"))
        self.keep_local.pack(side="left", padx=(0, 4))
        self.keep_portal = ttk.Button(cb, text=_("Giữ bản trên cổng"), bootstyle="secondary",
                                      command=lambda: self.on_resolve("portal"))
        self.keep_portal.pack(side="left")
        self.dismiss_rejected = ttk.Button(cb, text=_("Bỏ qua (đã xử lý)…"),
                                           bootstyle="secondary", command=self.on_dismiss_rejected)
        self.dismiss_rejected.pack(side="left", padx=(4, 0))
        self.conflict_states: dict[str, str] = {}  # code -> conflict | rejected, as listed
        self.dialog: AskDialog | None = None  # the reason window open, if any
        ttk.Label(right, text=_("Thay đổi từ cổng để riêng (không áp dụng được)"),
                  font=font(12, "bold")).pack(anchor="w", pady=(12, 0))
        self.quarantined = create_tree(right, (("id", _("Số"), 45),
                                               ("code", _("Mã hồ sơ"), 215),
                                               ("received", _("Nhận lúc"), 205),
                                               ("reason", _("Lý do"), 235)), height=5)
        self.quarantined.pack(anchor="w")
        self.kept_reason = _ReasonLine(
            right, self.quarantined, lambda key, why: _("Lý do (số {id}): {why}").format(
                id=key, why=why), _("Chọn một thay đổi để xem đầy đủ lý do."))
        qb = ttk.Frame(right)
        qb.pack(anchor="w", fill="x", pady=(4, 0))
        self.apply_kept = ttk.Button(qb, text=_("Áp dụng lại"), bootstyle="secondary",
                                     command=self.on_apply_kept)
        self.apply_kept.pack(side="left", padx=(0, 4))
        ttk.Label(qb, text=_("Lý do bỏ qua"), font=font(11)).pack(side="left", padx=(8, 4))
        self.dismiss_reason = ttk.Entry(qb, width=28, font=font(11))
        self.dismiss_reason.pack(side="left")
        self.dismiss_kept = ttk.Button(qb, text=_("Bỏ qua"), bootstyle="secondary",
                                       command=self.on_dismiss_kept)
        self.dismiss_kept.pack(side="left", padx=4)
        self.on_reload()

    def on_reload(self) -> None:
        self.shell.tasks.submit(api.status, self.ctx, on_done=self.on_status,
                                on_error=lambda m: self.message.show(m, "error"))
        self.shell.tasks.submit(api.conflicts, self.ctx, on_done=self.on_conflicts,
                                on_error=lambda m: self.message.show(m, "error"))
        self.shell.tasks.submit(api.quarantined, self.ctx, on_done=self.on_quarantined,
                                on_error=lambda m: self.message.show(m, "error"))

    def on_status(self, s) -> None:
        if s.portal_url and not self.portal_url.get():
            set_entry(self.portal_url, s.portal_url)
        lines = [
            _("Cổng: {v}").format(v=s.portal_url or _("chưa cấu hình (làm việc ngoại tuyến)")),
            _("Máy đã đăng ký: {v}").format(v=_("có") if s.enrolled else _("chưa")),
            _("Chờ gửi: {n} thao tác; bị giữ lại: {h}").format(n=s.pending, h=s.held),
            _("Xung đột: {c}; bị từ chối: {r}; thay đổi để riêng: {q}").format(
                c=s.conflicts, r=s.rejected, q=s.quarantined),
            _("Lần đồng bộ được gần nhất: {t}").format(t=_when(s.last_success_at)),
            _("Lỗi gần nhất: {e}").format(e=s.last_error or _("không có")),
        ]
        if s.next_try_at:
            lines.append(_("Thử lại lúc: {t}").format(t=_when(s.next_try_at)))
        self.status_text.configure(text="\n".join(lines))
        self.shell.status.show_sync(s)

    def on_conflicts(self, items) -> None:
        chosen = self.conflicts.selection()  # kept across a reload while still listed
        self.conflicts.delete(*self.conflicts.get_children())
        self.conflict_states = {c.code: c.state for c in items}
        for c in items:
            self.conflicts.insert("", "end", iid=c.code, values=(
                c.code, c.state_label, c.local_status_label, c.portal_status_label,
                c.message[:80]))
        self.conflicts.selection_set([i for i in chosen if self.conflicts.exists(i)])
        self.conflict_reason.show({c.code: c.message for c in items})

    def on_quarantined(self, items) -> None:
        chosen = self.quarantined.selection()  # kept across a reload while still listed
        self.quarantined.delete(*self.quarantined.get_children())
        for q in items:
            self.quarantined.insert("", "end", iid=str(q.id), values=(
                q.id, q.code or q.dossier_uuid or "—", _when(q.received_at), q.reason[:120]))
        self.quarantined.selection_set([i for i in chosen if self.quarantined.exists(i)])
        self.kept_reason.show({str(q.id): q.reason for q in items})

    def _chosen_kept(self) -> int | None:
        chosen = self.quarantined.selection()
        if not chosen:
            self.message.show(_("Hãy chọn một thay đổi trong danh sách để riêng."), "error")
            return None
        return int(chosen[0])

    def on_apply_kept(self) -> None:
        ident = self._chosen_kept()
        if ident is None:
            return

        def done(result) -> None:
            applied, problems = result
            if problems:
                self.message.show(_("Chưa áp dụng được: {why}").format(why=problems[0]),
                                  "error")
            else:
                self.ok(_("Đã áp dụng thay đổi số {id}.").format(id=ident))
            self.on_reload()

        self.submit(api.apply_quarantined, ident, on_done=done)

    def on_dismiss_kept(self) -> None:
        ident = self._chosen_kept()
        if ident is None:
            return
        self.submit(api.dismiss_quarantined, ident, self.dismiss_reason.get(),
                    on_done=lambda info: (
                        self.ok(_("Đã bỏ qua thay đổi số {id}; lý do đã được ghi lại.").format(
                            id=info.id)), set_entry(self.dismiss_reason, ""),
                        self.on_reload()))

    def on_run(self) -> None:
        self.message.show(_("Đang đồng bộ…"), "info")
        self.submit(api.run_now, on_done=self.on_report)

    def on_report(self, r) -> None:
        if r.skipped:
            self.message.show(r.skipped, "warning")
        elif r.error:
            self.message.show(_("Đồng bộ dừng vì lỗi: {e} Các thao tác vẫn được giữ để gửi lại.")
                              .format(e=r.error), "error")
        else:
            self.ok(_("Đã gửi {p} thao tác, nhận {n} thay đổi; {c} xung đột, {r} bị từ chối.")
                    .format(p=r.pushed, n=r.pulled, c=r.conflicts, r=r.rejected))
        self.on_reload()

    def on_retry(self) -> None:
        self.submit(api.retry, on_done=lambda n: (
            self.ok(_("Đã xếp lại {n} thao tác để gửi.").format(n=n)), self.on_reload()))

    def on_enrol(self) -> None:
        self.submit(api.enrol, self.portal_url.get(), self.enrol_code.get(),
                    on_done=lambda device: (self.ok(_("Đã đăng ký máy (mã thiết bị {id}).")
                                                    .format(id=device)), self.on_reload()))

    def on_choose_file(self) -> None:
        """Our Vietnamese file window (Tk's own is English and tiny, issue #17): a name to
        export to, or an existing bundle picked in the list to import."""
        current = self.file_path.get().strip()
        ask_save_file(self, title=_("Chọn tệp"), patterns=("*.json",), suffix=".json",
                      folder=str(Path(current).parent) if current else None,
                      file_name=Path(current).name if current else "",
                      on_chosen=lambda path: path and set_entry(self.file_path, path))

    def on_export(self) -> None:
        self.submit(api.export_pending, self.file_path.get(), on_done=lambda info: (
            self.ok(_("Đã xuất {n} thao tác vào {path}.").format(n=info.operations,
                                                                   path=info.path)),
            self.on_reload()))

    def on_import(self) -> None:
        self.submit(api.import_bundle, self.file_path.get(), on_done=lambda info: (
            self.ok(_("Đã chuyển {n} thao tác lên cổng: {a} áp dụng, {d} đã có, {c} xung đột, "
                      "{r} bị từ chối.").format(n=info.operations, a=info.applied,
                                                d=info.duplicates, c=info.conflicts,
                                                r=info.rejected)), self.on_reload()))

    def on_resolve(self, keep: str) -> None:
        chosen = self.conflicts.selection()
        if not chosen:
            self.message.show(_("Hãy chọn một hồ sơ trong danh sách xung đột."), "error")
            return
        self.submit(api.resolve, chosen[0], keep, on_done=lambda code: (
            self.ok(_("Đã giải quyết xung đột của hồ sơ {code}.").format(code=code)),
            self.on_reload()))

    def on_dismiss_rejected(self) -> None:
        """A rejected dossier the IT officer dealt with outside the app (the province
        deleted it, or fixed it on its side): asks why, then the refused operation is not
        sent (the changes made since go on)."""
        chosen = self.conflicts.selection()
        if not chosen:
            self.message.show(_("Hãy chọn một hồ sơ bị từ chối trong danh sách."), "error")
            return
        code = chosen[0]
        if self.conflict_states.get(code) == "conflict":
            self.message.show(_("Hồ sơ {code} đang xung đột, không phải bị từ chối: hãy chọn "
                                "«Giữ bản trên máy» hoặc «Giữ bản trên cổng».").format(code=code),
                              "error")
            return
        self.dialog = AskDialog(
            self, title=_("Bỏ qua hồ sơ bị từ chối"),
            message=_("Thôi gửi thao tác bị từ chối của hồ sơ {code}? Chỉ làm khi tỉnh đã xử "
                      "lý hồ sơ này bên ngoài phần mềm (ví dụ đã xóa hồ sơ hủy do nhập nhầm "
                      "trên trục) hoặc không còn gì cần gửi. Lý do được ghi vào lịch sử hồ sơ; "
                      "các thay đổi làm sau đó vẫn được gửi như thường.").format(code=code),
            choices=[Choice(_("Quay lại"), lambda _r: None),
                     Choice(_("Bỏ qua"), lambda r: self.submit_dismiss_rejected(code, r),
                            style="danger", needs_reason=True)],
            reason_label=_("Lý do (ghi vào lịch sử hồ sơ)"))

    def submit_dismiss_rejected(self, code: str, reason: str) -> None:
        def done(info) -> None:
            self.ok(_("Hồ sơ {code}: đã bỏ qua {n} thao tác bị từ chối; lý do đã được ghi vào "
                      "lịch sử hồ sơ.").format(code=info.code, n=info.discarded_operations))
            self.on_reload()

        self.submit(api.dismiss_rejected, code, reason, on_done=done)
