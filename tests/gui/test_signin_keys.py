"""Enter and fast typing on the first-start and sign-in screens (issue #17, low items):
Enter walks the first-start form and saves it from the last field; a password typed as
fast as a scanner (or by a password manager) and ended with Enter is a password, never a
scan."""

from __future__ import annotations

from appfixtures import sign_in_as
from guikit import type_text

from sadec_desk.db.user_models import User
from sadec_desk.services.admin import users


def test_enter_walks_the_first_start_form_and_saves_it(shell):
    view = shell.screen
    assert type(view).__name__ == "SetupView"
    scans = []
    shell.scanner.on_scan = scans.append  # nothing here may be taken for a scan
    view.office_name.insert(0, "UBND phường 1, Sa Đéc")  # Vietnamese letters: no keysyms
    t = type_text(view.office_name, "", enter=True)
    assert view.focus_get() is view.agency_code
    view.agency_code.delete(0, "end")
    t = type_text(view.agency_code, "000.00.14.H20", start_ms=t + 500, enter=True)
    assert view.focus_get() is view.full_name
    view.full_name.insert(0, "Lê Văn Tín")
    t = type_text(view.full_name, "", start_ms=t + 500, enter=True)
    assert view.focus_get() is view.username
    t = type_text(view.username, "tin.lv", start_ms=t + 500, enter=True)
    assert view.focus_get() is view.password
    # twelve characters 5 ms apart, then Enter: what a scanner would do
    t = type_text(view.password, "matkhau-cntt", start_ms=t + 500, gap_ms=5, enter=True)
    assert view.password.get() == "matkhau-cntt"
    assert view.focus_get() is view.password2
    type_text(view.password2, "matkhau-cntt", start_ms=t + 500, gap_ms=5, enter=True)
    assert view.password2.get() == "matkhau-cntt" and scans == []
    assert shell.tasks.pump(until=lambda: type(shell.screen).__name__ == "SettingsView")
    row = User.get()
    assert (row.username, row.role) == ("tin.lv", "it")
    # the account signs in with that password, typed as fast
    shell.on_sign_out()
    shell.tasks.pump()
    type_text(shell.screen.username, "tin.lv")
    type_text(shell.screen.secret, "matkhau-cntt", start_ms=90_000, gap_ms=4, enter=True)
    assert shell.tasks.pump(until=lambda: type(shell.screen).__name__ == "SettingsView")
    assert scans == []


def test_a_fast_typed_password_signs_in_and_is_not_a_scan(shell, ctx):
    users.create_user(ctx, username="admin", full_name="Lê Văn Tín", role="it",
                      password="matkhau-cntt")
    sign_in_as(ctx, "admin")
    users.create_user(ctx, username="hoa.nt", full_name="Nguyễn Thị Hoa", role="clerk",
                      password="mat-khau-quay-1")
    users.sign_out(ctx)
    shell.on_sign_out()
    shell.tasks.pump()
    view = shell.screen
    scans = []
    shell.scanner.on_scan = scans.append
    type_text(view.username, "hoa.nt")
    type_text(view.secret, "mat-khau-quay-1", start_ms=50_000, gap_ms=3, enter=True)
    assert scans == []
    assert shell.tasks.pump(until=lambda: type(shell.screen).__name__ == "CounterView")
    assert ctx.user.username == "hoa.nt"
