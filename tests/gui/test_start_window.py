"""``sadec-desk gui --open kiosk|board`` (the Start-menu shortcuts of a kiosk PC and of the
hall's screen, issue #19 item 4): the window opens once staff sign in."""

from __future__ import annotations

from guikit import sign_in_clerk

from sadec_desk.app import open_after_sign_in
from sadec_desk.cli import build_parser


def test_kiosk_opens_after_sign_in(shell, ctx):
    open_after_sign_in(shell, "kiosk")
    assert shell.kiosk is None
    sign_in_clerk(shell, ctx)
    assert shell.kiosk is not None and shell.kiosk.alive
    assert shell.board is None


def test_board_opens_after_sign_in(shell, ctx):
    open_after_sign_in(shell, "board")
    sign_in_clerk(shell, ctx)
    assert shell.board is not None and shell.kiosk is None


def test_counter_opens_nothing_more(shell, ctx):
    open_after_sign_in(shell, "counter")
    sign_in_clerk(shell, ctx)
    assert shell.kiosk is None and shell.board is None


def test_the_option_is_on_the_gui_command():
    parser = build_parser()
    assert parser.parse_args(["gui", "--open", "board"]).open == "board"
    assert parser.parse_args(["gui"]).open == "counter"
