"""Switching the interface to English from the IT screen, and the catalogue itself."""

from __future__ import annotations

import gettext
import re

from guikit import sign_in_it

from sadec_desk import i18n
from sadec_desk.config import load_config
from sadec_desk.tools import i18n as i18n_tool


def test_the_it_officer_switches_the_interface_to_english_and_back(shell, ctx):
    view = sign_in_it(shell, ctx, tab="office")
    try:
        tab = view.office
        tab.language.current(1)  # English
        tab.language_button.invoke()
        assert shell.tasks.pump(until=lambda: shell.screen is not view)
        shell.tasks.pump()
        assert load_config()["ui.language"] == "en"
        assert shell.sign_out_button.cget("text") == "Sign out"
        assert shell.message.text == "Interface language saved."
        settings = shell.screen
        assert [settings.notebook.tab(t, "text") for t in settings.notebook.tabs()] == [
            "Office", "Counters and groups", "Printers", "Sync", "Accounts", "Calendar",
            "Backups", "Workstations"]
        assert settings.office.language_button.cget("text") == "Save language"
        assert shell.status.user.cget("text") == "User: Lê Văn Tín (IT staff)"
        # a refused value comes back in English too
        settings.select("backup")
        settings.backup.folder.insert(0, "saoluu")
        settings.backup.save_button.invoke()
        shell.tasks.pump()
        assert settings.backup.message.text.startswith("Type the full path of the backup")
        # and back to Vietnamese
        settings.select("office")
        settings.office.language.current(0)
        settings.office.language_button.invoke()
        assert shell.tasks.pump(until=lambda: shell.screen is not settings)
        shell.tasks.pump()
        assert shell.sign_out_button.cget("text") == "Đăng xuất"
        assert load_config()["ui.language"] == "vi"
    finally:
        i18n.set_language("vi")


def test_every_interface_string_has_an_english_translation():
    """The windows', and the services', sync's and command line's sentences that reach them."""
    assert i18n_tool.untranslated("en") == []


def test_the_required_set_reaches_past_the_views_but_not_into_documents_or_records():
    extracted = {message.id for message in i18n_tool.extract() if message.id}
    required = {message.id for message in i18n_tool.extract() if message.id
                and any(loc.startswith(i18n_tool.REQUIRED_PREFIXES)
                        for loc, _line in message.locations)}
    # a sync error, a service's refusal, a command's line: the IT officer reads them
    assert "Cổng trục đang lỗi (HTTP {status})." in required
    assert "Không có bản sao lưu '{name}' trong {folder}. Xem danh sách bằng " \
           "'sadec-desk backup list'." in required
    assert "Chưa có bản sao lưu nào." in required
    # the citizen's Mẫu 01, the gateway's record and the history's notes are written
    # vietnamese("..."): Vietnamese always, so not in the catalogue at all
    for official in ("NGƯỜI TIẾP NHẬN HỒ SƠ", "Phí, lệ phí {procedure}",
                     "Cập nhật từ cổng dịch vụ", "Cần bổ sung: {papers}",
                     "Gia hạn đến {due}: {reason}", "Biểu mẫu {form}, phiên bản {version}"):
        assert official not in extracted, official
    catalogue = {message.id for message in i18n_tool.read("en") if message.id}
    assert "Phí, lệ phí {procedure}" not in catalogue


def test_translations_keep_their_placeholders_and_the_mo_is_compiled():
    catalog = i18n_tool.read("en")
    field = re.compile(r"\{[a-z_]*\}")
    for message in catalog:
        if message.id and message.string:
            assert sorted(field.findall(message.id)) == sorted(field.findall(message.string)), \
                message.id
    # the .mo holds every translation of the .po, as compiled (by content: a checkout or a
    # save gives the two files any order of modification times)
    with i18n_tool.po_path("en").with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [m.id for m in catalog if isinstance(m.id, str) and m.id and m.string
             and not m.fuzzy and compiled.gettext(m.id) != m.string]
    assert not stale, f"run `python -m sadec_desk.tools.i18n compile`: {stale[:3]}"
    i18n.set_language("en")
    try:
        assert i18n._("Rất hài lòng") == "Very satisfied"
    finally:
        i18n.set_language("vi")
