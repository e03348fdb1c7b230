"""Helpers of the GUI tests: typing keys into real widgets, signing a clerk in."""

from __future__ import annotations

import subprocess

from appfixtures import sign_in_as

from sadec_desk.services.admin import office, users

#: keysyms of the characters the tests type (letters and digits are their own keysym)
KEYSYMS = {".": "period", "-": "minus", "|": "bar", "_": "underscore", " ": "space",
           ":": "colon", "/": "slash", "+": "plus", "@": "at", ",": "comma", "?": "question",
           "=": "equal", "&": "ampersand"}


def key(widget, keysym: str, *, time: int = 0) -> None:
    widget.event_generate("<KeyPress>", keysym=keysym, time=time)
    widget.event_generate("<KeyRelease>", keysym=keysym, time=time)


def type_text(widget, text: str, *, start_ms: int = 1000, gap_ms: int = 150,
              enter: bool = False) -> int:
    """Type ASCII ``text`` into ``widget`` key by key; ``gap_ms`` apart (a person: 150 ms,
    a scanner: 5 ms). Returns the time of the last key."""
    widget.focus_force()
    widget.update()
    t = start_ms
    for ch in text:
        widget.event_generate("<KeyPress>", keysym=KEYSYMS.get(ch, ch), time=t)
        t += gap_ms
    if enter:
        widget.event_generate("<KeyPress>", keysym="Return", time=t)
    widget.update()
    return t


def _sign_in_through_form(shell, ctx, username: str, secret: str, screen: str):
    """Sign out whoever set the accounts up, then sign in by typing into the form."""
    users.sign_out(ctx)
    shell.on_sign_out()
    shell.tasks.pump()
    view = shell.screen
    type_text(view.username, username)
    type_text(view.secret, secret, enter=True)
    assert shell.tasks.pump(until=lambda: type(shell.screen).__name__ == screen)
    shell.tasks.pump()
    return shell.screen


def sign_in_clerk(shell, ctx, *, counter: int = 1):
    users.create_user(ctx, username="admin", full_name="Lê Văn Tín", role="it",
                      password="matkhau-cntt")
    sign_in_as(ctx, "admin")
    office.init_office(ctx)  # the default service groups and counters
    users.create_user(ctx, username="hoa.nt", full_name="Nguyễn Thị Hoa", role="clerk",
                      pin="246810", counter=counter)
    return _sign_in_through_form(shell, ctx, "hoa.nt", "246810", "CounterView")


def sign_in_it(shell, ctx, *, tab: str | None = None):
    """Create the office and an IT account, sign in through the form; the SettingsView."""
    users.create_user(ctx, username="admin", full_name="Lê Văn Tín", role="it",
                      password="matkhau-cntt")
    sign_in_as(ctx, "admin")
    office.init_office(ctx)
    _sign_in_through_form(shell, ctx, "admin", "matkhau-cntt", "SettingsView")
    if tab:
        shell.screen.select(tab)
        shell.tasks.pump()
    return shell.screen


def pdf_text(path) -> str:
    raw = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    return " ".join(raw.split())


def find(shell, counter, code: str) -> None:
    key(shell.window, "F9")
    counter.search.delete(0, "end")
    type_text(counter.search, code, enter=True)
    assert shell.tasks.pump(until=lambda: counter.selected is not None
                            and counter.selected.code == code)


def tick_papers(counter) -> None:
    """Tick every paper of the chosen procedure (they start unticked, issue #17 item 1)."""
    for check in counter.papers_frame.winfo_children():
        check.invoke()


def choose_files(owner, *paths) -> None:
    """Pick ``paths`` (one folder) in the open/save window ``owner`` opened
    (views/file_dialog.py) and press its OK button, as a clerk would click them."""
    from pathlib import Path

    dialog = owner.file_dialog
    dialog.show_folder(Path(paths[0]).parent)
    dialog.listing.selection_set([str(p) for p in paths])
    dialog.ok_button.invoke()
