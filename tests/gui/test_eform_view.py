"""The generic e-form renderer and the on-screen Vietnamese keyboard, on real Tk widgets."""

from __future__ import annotations

import tkinter as tk

import pytest
from appfixtures import OTHER_QR, SAMPLE_QR

from sadec_desk.services import catalogue
from sadec_desk.services.reception import eforms
from sadec_desk.views.eform import RED, FormView
from sadec_desk.views.osk import FLASH_BG, OnScreenKeyboard


@pytest.fixture
def window(tk_root):
    top = tk.Toplevel(tk_root)
    top.geometry("1366x768+0+0")
    yield top
    top.destroy()
    tk_root.update()


def render(window, ctx, code, qr=SAMPLE_QR, *, keyboard=True, on_change=None):
    form = eforms.form_for(ctx, code)
    values = eforms.prefill_from_qr(ctx, code, qr)
    holder = tk.Frame(window)
    holder.pack(fill="both", expand=True)
    osk = OnScreenKeyboard(holder) if keyboard else None
    view = FormView(holder, form, values, keyboard=osk, on_change=on_change)
    if osk is not None:
        osk.frame.pack(side="bottom", fill="x")
    view.frame.pack(side="top", fill="both", expand=True)
    window.update()
    return form, view, osk


def tap(osk, *keys):
    for k in keys:
        osk.keys[k].invoke()
    osk.frame.update()


def focus(view, name):
    widget = view.widgets[name]
    widget.focus_force()
    widget.update()
    return widget


def test_every_catalogue_form_renders_with_required_marks_and_card_values(window, ctx):
    for procedure in catalogue.list_procedures(ctx):
        qr = OTHER_QR if procedure.code == "1.000894" else SAMPLE_QR
        form, view, _osk = render(window, ctx, procedure.code, qr, keyboard=False)
        assert set(view.widgets) == {f.name for f in form.fields}
        for f in form.fields:
            shown = view.field_labels[f.name].cget("text")
            assert shown.endswith(" *") == f.required, (procedure.code, f.name)
        prefilled = eforms.prefill_from_qr(ctx, procedure.code, qr)
        assert {k: view.values()[k] for k in prefilled} == prefilled
        assert "Nguyễn Thị Hoa" in view.values().values() or qr == OTHER_QR
        view.frame.master.destroy()
    window.update()


def test_birth_form_shows_the_requester_from_the_card(window, ctx):
    _form, view, _osk = render(window, ctx, "1.001193")
    assert view.widgets["req_name"].get() == "Nguyễn Thị Hoa"
    assert view.widgets["req_residence"].get() == "Thôn Lai Ổn, An Quý, Quỳnh Phụ, Thái Bình"
    assert view.widgets["child_name"].get() == ""
    assert view.widgets["child_nationality"].get() == "Việt Nam"
    # sex is two big toggle buttons, not a drop-down
    assert set(view.choice_buttons["child_gender"]) == {"Nam", "Nữ"}


def test_typing_nguyen_with_diacritics_on_the_keyboard(window, ctx):
    changes = []
    _form, view, osk = render(window, ctx, "1.001193", on_change=lambda: changes.append(1))
    focus(view, "child_name")
    tap(osk, "shift", "n", "g", "u", "y", "e", "n", "circumflex", "tilde", "space",
        "shift", "m", "i", "n", "h", "space", "shift", "k", "h", "o", "circumflex", "grave",
        "i")
    assert view.values()["child_name"] == "Nguyễn Minh Khồi"
    tap(osk, "backspace", "backspace", "o", "i", "circumflex", "grave")
    assert view.values()["child_name"] == "Nguyễn Minh Khồi"
    tap(osk, "grave", "acute")  # same mark again removes it; another tone replaces it
    assert view.values()["child_name"] == "Nguyễn Minh Khối"
    assert changes  # every key reached on_change
    # the keyboard follows the focus to the next field
    focus(view, "child_birth_date")
    tap(osk, "2", "0", "/", "1", "1", "/", "2", "0", "2", "6")
    assert view.values()["child_birth_date"] == "20/11/2026"


def test_caps_lock_horn_stroke_and_a_text_box(window, ctx):
    _form, view, osk = render(window, ctx, "1.004859")
    focus(view, "reason")
    tap(osk, "shift", "shift", "d", "u", "o", "c", "horn", "dot", "stroke")
    assert view.values()["reason"] == "ĐƯỢC"
    tap(osk, "shift", "space", "g", "h", "i", "space", "s", "a", "i", "acute")
    assert view.values()["reason"] == "ĐƯỢC ghi sái"
    tap(osk, "enter", "x", "y")
    assert view.values()["reason"] == "ĐƯỢC ghi sái\nxy"


def test_a_mark_with_nothing_to_go_on_flashes_and_changes_nothing(window, ctx):
    _form, view, osk = render(window, ctx, "1.001193")
    entry = focus(view, "child_name")
    tap(osk, "b", "space", "acute")
    assert entry.get() == "b "
    assert osk.keys["acute"].cget("bg") == FLASH_BG


def test_errors_appear_under_their_fields_and_go_away(window, ctx):
    _form, view, osk = render(window, ctx, "1.001193")
    focus(view, "child_birth_date")
    tap(osk, "3", "1", "/", "0", "2", "/", "2", "0", "2", "6")
    view.choice_buttons["child_gender"]["Nữ"].invoke()
    values = view.values()
    assert values["child_gender"] == "Nữ"
    errors = eforms.check(ctx, "1.001193", values)
    assert "không phải ngày có thật" in errors["child_birth_date"]
    view.show_errors(errors)
    window.update()
    label = view.error_labels["child_birth_date"]
    assert label.winfo_ismapped() and label.cget("text") == errors["child_birth_date"]
    assert view.field_labels["child_birth_date"].cget("fg") == RED
    assert not view.error_labels["req_name"].winfo_ismapped()
    view.show_errors({})
    window.update()
    assert not label.winfo_ismapped()


def test_counter_fills_the_form_of_a_paper_dossier_and_prints_it(shell, ctx):
    from guikit import sign_in_clerk

    from sadec_desk.services.reception import dossiers
    from sadec_desk.views.eform import FormEditor

    sign_in_clerk(shell, ctx)
    info = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)
    saved = []
    editor = FormEditor(shell.root, shell, info.code, on_saved=saved.append)
    assert shell.tasks.pump(until=lambda: editor.view is not None)
    view = editor.view
    # the applicant's card data is already there; the print waits for a saved form
    assert view.values()["req_name"] == "Nguyễn Thị Hoa"
    assert str(editor.print_button.cget("state")) == "disabled"
    editor.save_button.invoke()
    assert shell.tasks.pump(until=lambda: editor.message.kind == "error")
    assert view.error_labels["child_name"].cget("text").startswith("Hãy nhập")
    for name, value in {"req_relation": "mẹ", "child_name": "Trần Minh Khôi",
                        "child_birth_date": "20/11/2026", "child_gender": "Nam",
                        "child_ethnicity": "Kinh", "child_birth_place": "Sa Đéc",
                        "child_hometown": "Sa Đéc", "mother_name": "Nguyễn Thị Hoa",
                        "mother_birth_date": "21/03/2003", "mother_ethnicity": "Kinh",
                        "mother_residence": "Sa Đéc"}.items():
        view.set_value(name, value)
    editor.save_button.invoke()
    assert shell.tasks.pump(until=lambda: saved)
    assert eforms.form_of(ctx, info.code).values["child_name"] == "Trần Minh Khôi"
    assert not view.error_labels["child_name"].winfo_ismapped()
    editor.print_button.invoke()
    # no office printer configured here: the PDF is saved and the message says where
    assert shell.tasks.pump(until=lambda: "printing.office_printer" in editor.message.text)
    assert f"{info.code}.to-khai.du-lieu-ca-nhan.pdf" in editor.message.text
    editor.close()
