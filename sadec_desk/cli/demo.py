"""Text-mode counter demo: what ``sadec-desk`` starts until the desktop app lands.

It walks a clerk through the catalogue, receiving a dossier from a CCCD QR
(typed by a keyboard-wedge scanner or pasted), listing, showing and moving
dossiers — all through the same services the GUI will use.
"""

from __future__ import annotations

from collections.abc import Callable

from sadec_desk.domain.fees import format_vnd
from sadec_desk.errors import UserError
from sadec_desk.i18n import _
from sadec_desk.services import catalogue
from sadec_desk.services.context import AppContext
from sadec_desk.services.display import deadline_label, dossier_lines, format_datetime
from sadec_desk.services.reception import dossiers

SAMPLE_QR = ("034303011829||Nguyễn Thị Hoa|21032003|Nữ|"
             "Thôn Lai Ổn, An Quý, Quỳnh Phụ, Thái Bình|14082021")


def _ask(prompt: str, read: Callable[[str], str]) -> str:
    return read(prompt).strip()


def run_demo(ctx: AppContext, read: Callable[[str], str] = input,
             write: Callable[[str], None] = print) -> None:
    write(_("Sa Đéc Desk — bản chạy thử tại quầy (chế độ văn bản)."))
    write(_("Cơ sở dữ liệu: {db}").format(db=ctx.describe_database()))
    menu = [
        ("1", _("Xem danh mục thủ tục"), _show_catalogue),
        ("2", _("Tiếp nhận hồ sơ (quét/dán mã QR trên CCCD)"), _receive),
        ("3", _("Danh sách hồ sơ mới nhất"), _list),
        ("4", _("Xem một hồ sơ"), _show),
        ("5", _("Chuyển trạng thái hồ sơ"), _advance),
    ]
    while True:
        write("")
        for key, label, _action in menu:
            write(f"  {key}. {label}")
        write("  0. " + _("Thoát"))
        try:
            choice = _ask(_("Chọn: "), read)
        except EOFError:
            return
        if choice in ("0", "q", ""):
            return
        action = next((a for k, _label, a in menu if k == choice), None)
        if action is None:
            write(_("Không có lựa chọn '{c}'.").format(c=choice))
            continue
        try:
            action(ctx, read, write)
        except UserError as exc:
            write(_("Lỗi: {message}").format(message=exc))
        except EOFError:
            return


def _show_catalogue(ctx, read, write) -> None:
    for p in catalogue.list_procedures(ctx):
        write(f"  {p.code}  {p.name} — {p.fee_text}")


def _receive(ctx, read, write) -> None:
    code = _ask(_("Mã thủ tục (ví dụ 2.000815): "), read)
    write(_("Quét mã QR trên thẻ CCCD (Enter để dùng thẻ mẫu):"))
    qr = _ask("> ", read) or SAMPLE_QR
    phone = _ask(_("Số điện thoại (có thể bỏ trống): "), read)
    pages = copies = None
    if code.strip() == "2.000815":
        pages = _ask(_("Số trang mỗi bản: "), read)
        copies = _ask(_("Số bản: "), read)
    try:
        pages_n = int(pages) if pages else 0
        copies_n = int(copies) if copies else 1
    except ValueError:
        write(_("Số trang và số bản phải là số nguyên."))
        return
    info = dossiers.receive_dossier(ctx, procedure_code=code, qr_text=qr, phone=phone,
                                    pages=pages_n, copies=copies_n)
    write(_("Đã tiếp nhận hồ sơ {code} — hẹn trả {due} — lệ phí {fee}").format(
        code=info.code, due=format_datetime(info.due_at), fee=format_vnd(info.fee_vnd)))


def _list(ctx, read, write) -> None:
    items = dossiers.list_dossiers(ctx, limit=20)
    if not items:
        write(_("Chưa có hồ sơ nào."))
    for d in items:
        write(f"  {d.code}  {d.citizen.full_name}  {d.status_label}  "
              f"{format_datetime(d.due_at)}  {deadline_label(d.deadline_state)}")


def _show(ctx, read, write) -> None:
    info = dossiers.get_dossier(ctx, _ask(_("Mã hồ sơ: "), read))
    for line in dossier_lines(info):
        write(line)


def _advance(ctx, read, write) -> None:
    reference = _ask(_("Mã hồ sơ: "), read)
    target = _ask(_("Trạng thái mới (processing, done, returned, supplement_requested, "
                    "refused, withdrawn): "), read)
    note = _ask(_("Ghi chú/lý do: "), read)
    info = dossiers.advance_dossier(ctx, reference, target, note=note)
    write(_("Hồ sơ {code}: {label}").format(code=info.code, label=info.status_label))
