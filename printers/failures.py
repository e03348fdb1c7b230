"""What a transport raises when the printer did not print the job (kept apart so that the
transports, printers/transports.py and printers/win32.py, share it without an import cycle)."""

from __future__ import annotations

from sadec_desk.errors import UserError


class PrintFailed(UserError):
    """The printer could not print the job now; the job stays in the queue."""

    code = "print_failed"

    def __init__(self, message: str, *, reason: str = "error"):
        super().__init__(message)
        self.reason = reason  # offline | refused | timeout | no_paper | closed | driver | error
