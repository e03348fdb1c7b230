"""Spoken calls: one worker thread says the announcements one after another.

Calls never overlap or cut each other off: :class:`Announcer` keeps a FIFO queue and
its single worker waits for the engine to finish one sentence before starting the
next. Speech is offline only (no network speech service, docs/design.md §1 offline-first):

- Linux and others: ``espeak-ng -v vi`` (Debian package ``espeak-ng``);
- Windows: the Windows speech API (System.Speech through PowerShell, which ships with
  Windows), started without a console window (``CREATE_NO_WINDOW``: no black window
  flashes over the board at every call). Only a Vietnamese (vi-VN) voice is used: an
  English voice reading Vietnamese is gibberish to the hall, so without one nothing is
  said and :data:`NO_VIETNAMESE_VOICE` (how to add one) is logged and kept in
  ``Announcer.problem`` for the screens. Tested with a stand-in runner (no Windows here).

With no engine the announcement is skipped with a log line; the board still shows it.
"""

from __future__ import annotations

import logging
import queue
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sadec_desk.i18n import _

log = logging.getLogger(__name__)

#: subprocess.CREATE_NO_WINDOW (defined only on Windows): the child gets no console window
CREATE_NO_WINDOW = 0x08000000
#: the PowerShell script's exit code when Windows has no vi-VN voice
NO_VOICE_EXIT = 3


def no_vietnamese_voice() -> str:
    return _("Windows chưa có giọng đọc tiếng Việt nên lời gọi số chỉ hiện trên màn hình. Cách "
             "thêm: Settings (Cài đặt) > Time & language > Speech > Add voices, chọn Tiếng Việt "
             "(Microsoft An), rồi mở lại Sa Đéc Desk.")


class NoVietnameseVoice(RuntimeError):
    """The engine runs but has no Vietnamese voice; ``str()`` says how to add one."""

#: longest one sentence may take to say before the engine is considered stuck
SPEAK_TIMEOUT_S = 30.0


class SpeechEngine(Protocol):
    name: str

    def speak(self, text: str) -> None:
        """Say ``text`` and return when it has been said (or raise)."""


Runner = Callable[..., subprocess.CompletedProcess]


@dataclass
class EspeakEngine:
    """espeak-ng through a subprocess; ``runner`` is replaceable in tests."""

    executable: str
    voice: str = "vi"
    speed_wpm: int = 140  # a little slower than the default 175: public-hall acoustics
    runner: Runner = subprocess.run
    name: str = "espeak-ng"

    def _command(self, *extra: str) -> list[str]:
        # "--" ends the options: a sentence starting with "-" is still text
        return [self.executable, "-v", self.voice, "-s", str(self.speed_wpm), *extra, "--"]

    def speak(self, text: str) -> None:
        self.runner(self._command() + [text], check=True, timeout=SPEAK_TIMEOUT_S,
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def to_wav(self, text: str, path: Path) -> Path:
        """Write the spoken sentence to a WAV file instead of the loudspeaker."""
        self.runner(self._command("-w", str(path)) + [text], check=True,
                    timeout=SPEAK_TIMEOUT_S, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return path


# The sentence goes through an environment variable, never into the script text, so no
# quote in it can change what PowerShell runs.
_SAPI_SCRIPT = (
    "Add-Type -AssemblyName System.Speech; "
    "$s = New-Object System.Speech.Synthesis.SpeechSynthesizer; "
    "$v = $s.GetInstalledVoices() | Where-Object { $_.VoiceInfo.Culture.Name -eq 'vi-VN' } "
    "| Select-Object -First 1; "
    "if (-not $v) { exit " + str(NO_VOICE_EXIT) + " }; "
    "$s.SelectVoice($v.VoiceInfo.Name); "
    "$s.Speak($env:SADEC_DESK_SAY)"
)


@dataclass
class WindowsSpeechEngine:
    """Windows speech API (System.Speech / SAPI) through PowerShell."""

    executable: str
    runner: Runner = subprocess.run
    name: str = "windows-speech"

    def speak(self, text: str) -> None:
        import os

        env = {**os.environ, "SADEC_DESK_SAY": text}
        try:
            self.runner([self.executable, "-NoProfile", "-NonInteractive", "-WindowStyle",
                         "Hidden", "-Command", _SAPI_SCRIPT],
                        check=True, timeout=SPEAK_TIMEOUT_S, env=env,
                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                        stderr=subprocess.PIPE, creationflags=CREATE_NO_WINDOW)
        except subprocess.CalledProcessError as exc:
            if exc.returncode == NO_VOICE_EXIT:
                raise NoVietnameseVoice(no_vietnamese_voice()) from None
            raise


def find_engine(*, voice: str = "vi", platform: str | None = None,
                which: Callable[[str], str | None] = shutil.which) -> SpeechEngine | None:
    """The offline speech engine of this machine, or None."""
    platform = platform or sys.platform
    if platform.startswith("win"):
        exe = which("powershell") or which("pwsh")
        return WindowsSpeechEngine(exe) if exe else None
    exe = which("espeak-ng")
    return EspeakEngine(exe, voice=voice) if exe else None


_STOP = object()


class Announcer:
    """A sequential announcement queue with one worker thread.

    ``announce()`` returns at once; the worker says the sentences in order, one at a
    time. Engine failures are logged and the next sentence is said anyway.
    """

    def __init__(self, engine: SpeechEngine | None, *, repeat: int = 1):
        self.engine = engine
        self.repeat = max(1, repeat)
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="announcer", daemon=True)
        self._thread.start()
        self.spoken = 0  # sentences handed to the engine (for the status line)
        self.problem: str | None = None  # why nothing is said (a sentence), if known
        if engine is None:
            log.info("no speech engine found: calls will be shown but not spoken")

    def announce(self, text: str) -> None:
        self._queue.put(text)

    def pending(self) -> int:
        return self._queue.unfinished_tasks

    def wait_idle(self, timeout: float) -> bool:
        """Block until every queued announcement was said (or skipped); False on timeout."""
        done = threading.Event()

        def waiter():
            self._queue.join()
            done.set()

        threading.Thread(target=waiter, daemon=True).start()
        return done.wait(timeout)

    def close(self, timeout: float = SPEAK_TIMEOUT_S) -> None:
        """Say what is queued, then stop the worker."""
        self._queue.put(_STOP)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            text = self._queue.get()
            try:
                if text is _STOP:
                    return
                self._say(text)
            finally:
                self._queue.task_done()

    def _say(self, text: str) -> None:
        if self.engine is None:
            log.info("announcement not spoken (no speech engine): %s", text)
            return
        for _i in range(self.repeat):
            try:
                self.engine.speak(text)
                self.spoken += 1
            except NoVietnameseVoice as exc:
                if self.problem is None:
                    log.warning("%s", exc)
                self.problem = str(exc)
                return
            except (OSError, subprocess.SubprocessError) as exc:
                detail = getattr(exc, "stderr", b"") or b""
                log.warning("speech engine %s failed on %r: %s %s", self.engine.name, text, exc,
                            detail.decode("utf-8", "replace").strip()
                            if isinstance(detail, bytes) else detail)
                return
