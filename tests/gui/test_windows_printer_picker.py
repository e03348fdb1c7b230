"""The IT screen's picker of the Windows spooler's printers (issue #19 item 4): on Windows
the printers tab lists the spooler's printers; choosing one fills ``win32:NAME`` for a
receipt printer, or the name for the office printer. A stand-in plays pywin32's
win32print; the tab believes it runs on Windows."""

from __future__ import annotations

import sys
import types

import pytest
from guikit import sign_in_it

from sadec_desk.errors import UserError
from sadec_desk.services.printing import devices
from sadec_desk.views.settings import printers as printers_view

NAMES = ["EPSON TM-T82 Receipt", "HP LaserJet M404"]


@pytest.fixture
def windows_spooler(monkeypatch):
    spooler = types.ModuleType("win32print")
    spooler.PRINTER_ENUM_LOCAL, spooler.PRINTER_ENUM_CONNECTIONS = 2, 4
    spooler.EnumPrinters = lambda flags, name, level: [{"pPrinterName": n} for n in NAMES]
    monkeypatch.setitem(sys.modules, "win32print", spooler)
    monkeypatch.setattr(printers_view, "sys", types.SimpleNamespace(platform="win32"))


def test_picker_fills_the_connection_and_the_office_printer(windows_spooler, shell, ctx):
    tab = sign_in_it(shell, ctx, tab="printers").printers
    shell.tasks.pump()
    assert list(tab.windows_picker.cget("values")) == NAMES
    tab.windows_picker.set(NAMES[0])
    tab.windows_picker.event_generate("<<ComboboxSelected>>")
    assert tab.p_connection.get() == "win32:EPSON TM-T82 Receipt"
    tab.office_picker.set(NAMES[1])
    tab.office_picker.event_generate("<<ComboboxSelected>>")
    assert tab.office_printer.get() == "HP LaserJet M404"


def test_no_picker_elsewhere(shell, ctx):
    tab = sign_in_it(shell, ctx, tab="printers").printers
    assert tab.windows_picker is None and tab.office_picker is None


def test_the_service_is_for_it_and_says_when_there_is_no_spooler(monkeypatch, ctx):
    from appfixtures import sign_in_as

    from sadec_desk.services.admin import users

    users.create_user(ctx, username="admin", full_name="Lê Văn Tín", role="it",
                      password="matkhau-cntt")
    sign_in_as(ctx, "admin")
    monkeypatch.setitem(sys.modules, "win32print", None)
    with pytest.raises(UserError, match="pywin32"):
        devices.windows_printers(ctx)
