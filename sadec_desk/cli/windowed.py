"""``sadec-desk-gui``: the desktop app as a windowed program (no console window).

On Windows a windowed program (``pythonw``, the ``gui_scripts`` launcher, the frozen
``sadec-desk-gui.exe``) has no console: ``sys.stdout`` and ``sys.stderr`` are ``None``,
so whatever the command line would say on stderr (no display, a database it cannot
open, a bug's pointer to the log file, a traceback Tk prints for a failed callback)
would vanish. Here every line written to stderr goes to the log file as it is written,
and when the program ends with an error the same text is shown in a dialog, so an
error is never lost. Without any window system the text stays in the log.
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Sequence

from sadec_desk.i18n import _

log = logging.getLogger("sadec_desk.windowed")


class LoggedStream(io.TextIOBase):
    """A text stream that keeps what is written, logs it line by line and passes it on
    to ``echo`` (the real stream, when there is one)."""

    def __init__(self, echo=None):
        super().__init__()
        self.echo = echo
        self.kept = io.StringIO()
        self._line = ""

    @property
    def encoding(self) -> str:  # what a reader of sys.stderr.encoding expects
        return "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.kept.write(text)
        if self.echo is not None:
            try:
                self.echo.write(text)
            except (OSError, ValueError, UnicodeError):  # a closed or narrow console
                pass
        self._line += text
        *lines, self._line = self._line.split("\n")
        for line in lines:
            if line.strip():
                log.warning("%s", line)
        return len(text)

    def flush(self) -> None:
        if self._line.strip():
            log.warning("%s", self._line)
        self._line = ""
        if self.echo is not None:
            try:
                self.echo.flush()
            except (OSError, ValueError):
                pass

    def getvalue(self) -> str:
        return self.kept.getvalue()


def _log_to_file() -> None:
    """The app's log file, when the command line has not set it up yet (an error before
    it, such as an import that failed in a broken installation)."""
    if any(isinstance(h, logging.FileHandler) for h in logging.getLogger().handlers):
        return
    try:
        from sadec_desk.config import data_dir

        folder = data_dir() / "logs"
        folder.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(folder / "sadec-desk.log", encoding="utf-8")
    except Exception:  # nowhere to write: the dialog still shows the text
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)


def show_dialog(title: str, text: str) -> bool:
    """Show ``text`` in an error dialog; False when no dialog could be shown."""
    try:
        import tkinter as tk
        from tkinter import messagebox

        root = tk.Tk()
        root.withdraw()
        try:
            messagebox.showerror(title, text[-3000:], parent=root)
        finally:
            root.destroy()
        return True
    except Exception:
        log.info("no error dialog could be shown", exc_info=True)
    if sys.platform == "win32":  # Tk itself missing or broken: the system's own box
        try:
            import ctypes

            ctypes.windll.user32.MessageBoxW(None, text[-3000:], title, 0x10)  # MB_ICONERROR
            return True
        except Exception:
            log.info("no Windows message box either", exc_info=True)
    return False


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``sadec-desk ARGS`` (``gui`` when none) with stderr kept, logged and shown."""
    args = list(sys.argv[1:] if argv is None else argv) or ["gui"]
    real_out, real_err = sys.stdout, sys.stderr
    stream = LoggedStream(echo=real_err)
    sys.stderr = stream
    if sys.stdout is None:  # pythonw: print() must not fail
        sys.stdout = io.StringIO()
    code: int
    try:
        from sadec_desk.cli import main as cli_main

        code = cli_main(args)
    except SystemExit as exc:  # argparse: a wrong option (its usage text is on stderr)
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except Exception:  # a broken installation: an import that failed, and the like
        _log_to_file()
        log.exception("sadec-desk-gui could not start")
        stream.write(_("Sa Đéc Desk không khởi động được; chi tiết đã ghi vào tệp nhật ký "
                       "(thư mục logs của ứng dụng). Hãy báo cho bộ phận CNTT.") + "\n")
        code = 70
    finally:
        stream.flush()
        sys.stdout, sys.stderr = real_out, real_err
    said = stream.getvalue().strip()
    if code not in (0, 130) and said:
        _log_to_file()
        log.error("sadec-desk-gui %s ended with exit code %s", " ".join(args), code)
        show_dialog(_("Sa Đéc Desk"), said)
    return code


if __name__ == "__main__":  # pragma: no cover - the frozen build's entry calls main()
    sys.exit(main())
