"""'Đính kèm kết quả…' in the page viewer (issue #15 item 4), through real widgets under
Xvfb and our Vietnamese file window."""

from __future__ import annotations

from appfixtures import SAMPLE_QR
from guikit import sign_in_clerk
from resultsamples import make_pdf

from sadec_desk.services.pages import results
from sadec_desk.services.reception import dossiers
from sadec_desk.views.pages import PagesWindow


def choose(shell, window, folder, name: str) -> None:
    window.result_button.invoke()
    dialog = window.window.file_dialog
    dialog.show_folder(folder)
    dialog.listing.selection_set(str(folder / name))
    dialog.ok_button.invoke()
    assert shell.tasks.pump(until=lambda: str(window.result_button.cget("state")) == "normal"
                            and "Đang đính kèm" not in window.message.text)


def test_the_viewer_attaches_a_result_and_says_why_not(tk_root, shell, ctx, tmp_path):
    sign_in_clerk(shell, ctx)
    code = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR).code
    (tmp_path / "trich-luc.pdf").write_bytes(make_pdf())
    (tmp_path / "hong.pdf").write_bytes(b"%PDF-1.4 broken")
    window = PagesWindow(tk_root, shell, code)
    try:
        assert shell.tasks.pump(until=lambda: "Đang tải" not in window.message.text)
        choose(shell, window, tmp_path, "trich-luc.pdf")  # received: not yet
        assert "chỉ đính kèm kết quả khi hồ sơ đang xử lý" in window.message.text
        dossiers.advance_dossier(ctx, code, "processing")
        choose(shell, window, tmp_path, "hong.pdf")
        assert "không phải tệp PDF đọc được" in window.message.text
        choose(shell, window, tmp_path, "trich-luc.pdf")
        assert window.message.text.startswith("Đã đính kèm kết quả «Kết quả giải quyết»")
        assert [r.name for r in results.dossier_results(ctx, code)] == ["Kết quả giải quyết"]
    finally:
        window.close()
