"""Announcements: sequential, never overlapping; the real espeak-ng engine; no engine."""

import logging
import os
import shutil
import subprocess
import threading
import time
import wave

import pytest

from sadec_desk.adapters.speech import (
    Announcer,
    EspeakEngine,
    WindowsSpeechEngine,
    find_engine,
)
from sadec_desk.domain.queue_policy import render_announcement

TEMPLATE = "Xin mời công dân có số thứ tự {number} đến quầy số {counter}"


class FakeEngine:
    """Takes a little time per sentence and records overlaps."""

    name = "fake"

    def __init__(self, seconds=0.01, fail_on=None):
        self.seconds = seconds
        self.fail_on = fail_on
        self.said: list[str] = []
        self.active = 0
        self.max_active = 0
        self.lock = threading.Lock()

    def speak(self, text):
        with self.lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            time.sleep(self.seconds)  # the engine "speaking", not a wait for a condition
            if text == self.fail_on:
                raise subprocess.CalledProcessError(1, ["espeak-ng"], stderr=b"boom")
            self.said.append(text)
        finally:
            with self.lock:
                self.active -= 1


def test_calls_are_said_in_order_one_at_a_time_even_from_many_threads():
    engine = FakeEngine()
    announcer = Announcer(engine)
    texts = [render_announcement(TEMPLATE, f"A{i:03d}", 1 + i % 2, "") for i in range(1, 21)]
    # four counters calling at once: each one's calls keep their order
    threads = [threading.Thread(target=lambda k=k: [announcer.announce(t)
                                                    for t in texts[k::4]]) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert announcer.wait_idle(timeout=10)
    announcer.close()
    assert engine.max_active == 1, "two announcements overlapped"
    assert sorted(engine.said) == sorted(texts)
    for k in range(4):
        mine = [t for t in engine.said if t in texts[k::4]]
        assert mine == texts[k::4]


def test_engine_failure_is_logged_and_the_next_call_is_still_said(caplog):
    engine = FakeEngine(seconds=0, fail_on="hỏng")
    announcer = Announcer(engine)
    with caplog.at_level(logging.WARNING, logger="sadec_desk.adapters.speech"):
        for text in ("một", "hỏng", "hai"):
            announcer.announce(text)
        assert announcer.wait_idle(timeout=5)
    announcer.close()
    assert engine.said == ["một", "hai"]
    assert "boom" in caplog.text


def test_without_an_engine_calls_are_skipped_with_a_log_line(caplog):
    with caplog.at_level(logging.INFO, logger="sadec_desk.adapters.speech"):
        announcer = Announcer(None)
        announcer.announce("Xin mời số A001")
        assert announcer.wait_idle(timeout=5)
        announcer.close()
    assert "not spoken (no speech engine): Xin mời số A001" in caplog.text
    assert find_engine(platform="linux", which=lambda name: None) is None


def test_engine_choice_per_platform_and_windows_command():
    found = find_engine(platform="linux", which=lambda n: "/usr/bin/espeak-ng"
                        if n == "espeak-ng" else None)
    assert isinstance(found, EspeakEngine) and found.voice == "vi"
    calls = []

    def runner(cmd, **kw):
        calls.append((cmd, kw))
        return subprocess.CompletedProcess(cmd, 0)

    engine = find_engine(platform="win32", which=lambda n: "C:/ps.exe" if n == "powershell"
                         else None)
    assert isinstance(engine, WindowsSpeechEngine)
    engine.runner = runner
    engine.speak("Mời số 'A001'; Remove-Item x")
    cmd, kw = calls[0]
    # the sentence travels in the environment, never inside the PowerShell script
    assert kw["env"]["SADEC_DESK_SAY"] == "Mời số 'A001'; Remove-Item x"
    assert "A001" not in " ".join(cmd) and "vi-VN" in cmd[-1]
    assert find_engine(platform="win32", which=lambda n: None) is None


def test_real_espeak_ng_says_a_vietnamese_call_into_a_wav(tmp_path):
    if shutil.which("espeak-ng") is None:
        if os.environ.get("CI"):  # bootstrap.sh test installs it: a skip would hide that
            pytest.fail("CI is set but espeak-ng is missing", pytrace=False)
        pytest.skip("espeak-ng not installed (bootstrap.sh test installs it)")
    engine = find_engine()
    assert isinstance(engine, EspeakEngine)
    text = render_announcement(TEMPLATE, "A012", 2, "Quầy 2", spoken=True)
    path = engine.to_wav(text, tmp_path / "call.wav")
    with wave.open(str(path)) as wav:
        frames, rate = wav.getnframes(), wav.getframerate()
        seconds = frames / rate
        data = wav.readframes(frames)
    # 14 syllables at 140 words/min: a few seconds of sound, not silence
    assert 2.0 < seconds < 15.0, seconds
    samples = memoryview(data).cast("h")
    assert max(abs(s) for s in samples) > 1000
    short = engine.to_wav("Mời", tmp_path / "short.wav")
    with wave.open(str(short)) as wav:
        assert wav.getnframes() < frames
