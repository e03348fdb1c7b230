"""Windows speech without a console window, and a plain sentence when Windows has no
Vietnamese voice (issue #19 item 5). A stand-in runner plays PowerShell (no Windows here)."""

from __future__ import annotations

import subprocess

from sadec_desk.adapters.speech import (
    CREATE_NO_WINDOW,
    NO_VOICE_EXIT,
    Announcer,
    NoVietnameseVoice,
    WindowsSpeechEngine,
)


def engine_answering(returncode: int, calls: list) -> WindowsSpeechEngine:
    def runner(cmd, **kw):
        calls.append((cmd, kw))
        if returncode:
            raise subprocess.CalledProcessError(returncode, cmd, stderr=b"")
        return subprocess.CompletedProcess(cmd, 0)

    return WindowsSpeechEngine("C:/Windows/System32/WindowsPowerShell/v1.0/powershell.exe",
                               runner=runner)


def test_powershell_starts_without_a_console_window():
    calls: list = []
    engine_answering(0, calls).speak("Mời số A001 đến quầy 2")
    cmd, kw = calls[0]
    assert kw["creationflags"] & CREATE_NO_WINDOW
    assert "-WindowStyle" in cmd and "Hidden" in cmd
    assert kw["stdin"] is subprocess.DEVNULL and kw["timeout"] > 0
    # only a vi-VN voice: without one the script ends with its own exit code, saying nothing
    assert "vi-VN" in cmd[-1] and f"exit {NO_VOICE_EXIT}" in cmd[-1]


def test_no_vietnamese_voice_is_a_sentence_saying_how_to_add_one():
    calls: list = []
    engine = engine_answering(NO_VOICE_EXIT, calls)
    try:
        engine.speak("Mời số A001")
    except NoVietnameseVoice as exc:
        said = str(exc)
    else:
        raise AssertionError("no error")
    assert "giọng đọc tiếng Việt" in said and "Add voices" in said


def test_announcer_keeps_the_problem_for_the_screens_and_goes_on():
    calls: list = []
    announcer = Announcer(engine_answering(NO_VOICE_EXIT, calls))
    try:
        announcer.announce("Mời số A001")
        announcer.announce("Mời số A002")
        assert announcer.wait_idle(10)
    finally:
        announcer.close(timeout=5)
    assert announcer.spoken == 0 and len(calls) == 2
    assert announcer.problem is not None and "Tiếng Việt" in announcer.problem


def test_other_failures_are_not_taken_for_a_missing_voice():
    calls: list = []
    announcer = Announcer(engine_answering(1, calls))
    try:
        announcer.announce("Mời số A001")
        assert announcer.wait_idle(10)
    finally:
        announcer.close(timeout=5)
    assert announcer.problem is None
