"""``sadec-desk-gui`` (sadec_desk/cli/windowed.py): with no console (pythonw, the frozen
windowed build: sys.stdout and sys.stderr are None) an error is logged and shown in a
dialog, never lost (issue #19 item 2)."""

from __future__ import annotations

import logging
import sys

import pytest

from sadec_desk.cli import windowed


@pytest.fixture
def no_console(monkeypatch, tmp_path):
    monkeypatch.setenv("SADEC_DESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SADEC_DESK_CONFIG", str(tmp_path / "config.toml"))
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(windowed, "show_dialog", lambda title, text: shown.append((title, text))
                        or True)
    yield shown
    logging.getLogger().handlers.clear()


def run_without_console(monkeypatch, argv) -> int:
    """pythonw: no streams at all (set here, not in the fixture: pytest's capture gives
    the test its own streams after the fixtures ran)."""
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    code = windowed.main(argv)
    streams = (sys.stdout, sys.stderr)
    monkeypatch.undo()
    assert streams == (None, None)  # given back as they were
    return code


def log_text(tmp_path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return (tmp_path / "data" / "logs" / "sadec-desk.log").read_text(encoding="utf-8")


def test_user_error_is_shown_and_logged(no_console, tmp_path, monkeypatch):
    code = run_without_console(monkeypatch, ["citizen", "scan", str(tmp_path / "missing.png")])
    assert code == 2
    [(title, text)] = no_console
    assert title == "Sa Đéc Desk" and text.startswith("Lỗi: ") and "missing.png" in text
    assert "missing.png" in log_text(tmp_path)


def test_wrong_option_is_shown_not_raised(no_console, tmp_path, monkeypatch):
    assert run_without_console(monkeypatch, ["--no-such-option"]) == 2
    [(_title, text)] = no_console
    assert "--no-such-option" in text


def test_success_shows_nothing(no_console, tmp_path, monkeypatch):
    assert run_without_console(monkeypatch, ["catalog", "--help"]) == 0
    assert no_console == []


def test_broken_installation_is_a_sentence(no_console, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "sadec_desk.cli", None)  # the import fails
    assert windowed.main(["gui"]) == 70
    [(_title, text)] = no_console
    assert "Traceback" not in text and "CNTT" in text
    assert "could not start" in log_text(tmp_path)


def test_logged_stream_passes_lines_to_the_log(caplog):
    stream = windowed.LoggedStream()
    with caplog.at_level(logging.WARNING, logger="sadec_desk.windowed"):
        stream.write("một\nhai ")
        stream.write("ba\n")
        stream.flush()
    assert [r.getMessage() for r in caplog.records] == ["một", "hai ba"]
    assert stream.getvalue() == "một\nhai ba\n"
