"""The report's tables as an XLSX workbook (openpyxl, write-only mode for long books)."""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from sadec_desk.i18n import _
from sadec_desk.services.documents.pdf import BookRow, nfc

_HEADER_FILL = PatternFill("solid", fgColor="E8EAF0")


def _sheet(wb: Workbook, title: str, rows: Sequence[Sequence], widths: Sequence[int],
           header_rows: int = 1, percent_cols: Sequence[int] = ()) -> None:
    ws = wb.create_sheet(nfc(title)[:31])
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    ws.freeze_panes = f"A{header_rows + 1}"
    for n, row in enumerate(rows):
        cells = []
        for col, value in enumerate(row):
            cell = WriteOnlyCell(ws, value=nfc(value) if isinstance(value, str) else value)
            if n < header_rows:
                cell.font = Font(bold=True)
                cell.fill = _HEADER_FILL
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            elif col in percent_cols and isinstance(value, float):
                cell.number_format = "0.0%"
            elif hasattr(value, "tzinfo"):
                cell.value = value.replace(tzinfo=None)  # local time; Excel has no zones
                cell.number_format = "dd/mm/yyyy hh:mm"
            cells.append(cell)
        ws.append(cells)


def write_workbook(out, sheets: Sequence[tuple[str, Sequence[Sequence], Sequence[int],
                                                Sequence[int]]],
                   book: Sequence[BookRow] | None = None) -> None:
    """``sheets``: (title, rows with the header first, column widths, percent columns)."""
    wb = Workbook(write_only=True)
    for title, rows, widths, percent_cols in sheets:
        _sheet(wb, title, rows, widths, percent_cols=percent_cols)
    if book is not None:
        header = [_("STT"), _("Mã hồ sơ"), _("Tên thủ tục hành chính"),
                  _("Số lượng hồ sơ (bộ)"), _("Tên cá nhân, tổ chức"),
                  _("Địa chỉ, số điện thoại"), _("Nhận hồ sơ"), _("Hẹn trả kết quả"),
                  _("Trả kết quả"), _("Ghi chú")]
        rows = [header] + [[n, r.code, r.procedure, r.count, r.applicant, r.address_phone,
                            r.received_at, r.due_at, r.finished_at, r.note]
                           for n, r in enumerate(book, 1)]
        _sheet(wb, _("Sổ theo dõi (Mẫu 06)"), rows, [6, 26, 40, 10, 26, 40, 17, 17, 17, 30])
    wb.save(out)
