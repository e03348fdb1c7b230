"""Our own Vietnamese open/save windows (views/file_dialog.py, issue #17 item 5)."""

from __future__ import annotations

from guikit import key, type_text

from sadec_desk.views.file_dialog import ask_open_file, ask_open_files, ask_save_file


def test_open_lists_folders_then_matching_files_and_walks_the_tree(tk_root, tmp_path):
    (tmp_path / "the").mkdir()
    (tmp_path / "the" / "cccd.PNG").write_bytes(b"x")
    (tmp_path / "ghi-chu.txt").write_text("x")
    (tmp_path / ".an").mkdir()
    chosen = []
    dialog = ask_open_file(tk_root, title="Chọn ảnh chụp thẻ CCCD", patterns=("*.png",),
                           folder=tmp_path, on_chosen=chosen.append)
    dialog.update()
    assert dialog.title() == "Chọn ảnh chụp thẻ CCCD"
    rows = dialog.listing.get_children()
    assert [dialog.listing.item(r)["text"] for r in rows] == ["the"]  # no .txt, no hidden
    assert dialog.ok_button.cget("text") == "Mở"
    dialog.ok_button.invoke()  # nothing chosen: said in the window, still open
    assert "Hãy chọn một tệp" in dialog.message.text and dialog.winfo_exists()
    dialog.listing.selection_set(str(tmp_path / "the"))
    dialog.listing.focus(str(tmp_path / "the"))
    dialog.listing.focus_force()
    dialog.update()
    key(dialog.listing, "Return")  # into the folder
    assert [dialog.listing.item(r)["text"] for r in dialog.listing.get_children()] == [
        "cccd.PNG"]
    dialog.listing.selection_set(str(tmp_path / "the" / "cccd.PNG"))
    dialog.ok_button.invoke()
    assert chosen == [str(tmp_path / "the" / "cccd.PNG")] and not dialog.winfo_exists()


def test_cancel_and_escape_give_nothing_and_several_files_come_as_a_list(tk_root, tmp_path):
    for name in ("a.jpg", "b.jpg"):
        (tmp_path / name).write_bytes(b"x")
    got = []
    dialog = ask_open_files(tk_root, title="Chọn ảnh", patterns=("*.jpg",), folder=tmp_path,
                            on_chosen=got.append)
    dialog.listing.selection_set([str(tmp_path / "a.jpg"), str(tmp_path / "b.jpg")])
    dialog.ok_button.invoke()
    assert got == [[str(tmp_path / "a.jpg"), str(tmp_path / "b.jpg")]]
    dialog = ask_open_files(tk_root, title="Chọn ảnh", patterns=("*.jpg",), folder=tmp_path,
                            on_chosen=got.append)
    dialog.listing.focus_force()
    dialog.update()
    dialog.listing.event_generate("<KeyPress>", keysym="Escape")
    tk_root.update()
    assert got[-1] == [] and not dialog.winfo_exists()
    one = ask_open_file(tk_root, title="x", patterns=("*",), folder=tmp_path,
                        on_chosen=got.append)
    [cancel] = [b for b in one.winfo_children()[0].winfo_children()[-1].winfo_children()
                if b.cget("text") == "Hủy"]
    cancel.invoke()
    assert got[-1] == ""


def test_save_takes_a_name_and_adds_the_suffix(tk_root, tmp_path):
    got = []
    dialog = ask_save_file(tk_root, title="Lưu báo cáo", patterns=("*.xlsx",), folder=tmp_path,
                           file_name="bao-cao.xlsx", suffix=".xlsx", on_chosen=got.append)
    assert dialog.ok_button.cget("text") == "Lưu"
    dialog.name.delete(0, "end")
    type_text(dialog.name, "a/b")
    dialog.ok_button.invoke()
    assert "không có dấu /" in dialog.message.text and not got
    dialog.name.delete(0, "end")
    type_text(dialog.name, "thang11")
    dialog.ok_button.invoke()
    assert got == [str(tmp_path / "thang11.xlsx")]
