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


def result_lines(window) -> list[str]:
    if not window.tree.exists("results"):
        return []
    return [window.tree.item(c, "text") for c in window.tree.get_children("results")]


def ask_remove(shell, window, info):
    window.tree.selection_set(f"result-{info.id}")
    window.tree.update()
    assert str(window.remove_result_button.cget("state")) == "normal"
    window.remove_result_button.invoke()
    window.dialog.update()
    return window.dialog


def test_the_viewer_lists_results_and_removes_one_after_a_question(tk_root, shell, ctx):
    sign_in_clerk(shell, ctx)
    code = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR).code
    dossiers.advance_dossier(ctx, code, "processing")
    wrong = results.add_result(ctx, code, make_pdf("NHẦM"), name="Trích lục của hồ sơ khác")
    right = results.add_result(ctx, code, make_pdf(), name="Trích lục khai sinh")
    window = PagesWindow(tk_root, shell, code)
    try:
        assert shell.tasks.pump(until=lambda: result_lines(window) != [])
        assert window.tree.item("results", "text") == "Kết quả đã đính kèm — 2"
        assert result_lines(window) == ["Trích lục của hồ sơ khác", "Trích lục khai sinh"]
        # nothing picked: the button waits for a result
        assert str(window.remove_result_button.cget("state")) == "disabled"

        dialog = ask_remove(shell, window, wrong)
        keep, remove = dialog.buttons["Giữ lại"], dialog.buttons["Bỏ kết quả"]
        # the safe answer on the left, the destructive one red on the right
        assert keep.winfo_rootx() < remove.winfo_rootx()
        assert "danger" in str(remove.cget("style")).lower()
        assert "Trích lục của hồ sơ khác" in dialog.message and code in dialog.message
        keep.invoke()
        assert len(results.dossier_results(ctx, code)) == 2

        dialog = ask_remove(shell, window, wrong)
        dialog.reason.insert(0, "đính kèm nhầm hồ sơ")
        dialog.buttons["Bỏ kết quả"].invoke()
        assert shell.tasks.pump(until=lambda: result_lines(window) == ["Trích lục khai sinh"])
        assert window.message.text.startswith("Đã bỏ kết quả «Trích lục của hồ sơ khác»")
        assert results.dossier_results(ctx, code) == [right]
        assert dossiers.get_dossier(ctx, code).events[-1].note == (
            "«Trích lục của hồ sơ khác»: đính kèm nhầm hồ sơ")

        # once returned: the service's sentence, the result stays
        dossiers.advance_dossier(ctx, code, "done")
        dossiers.advance_dossier(ctx, code, "returned")
        ask_remove(shell, window, right).buttons["Bỏ kết quả"].invoke()
        assert shell.tasks.pump(until=lambda: "đã trả kết quả cho công dân"
                                in window.message.text)
        assert results.dossier_results(ctx, code) == [right]
    finally:
        window.close()
