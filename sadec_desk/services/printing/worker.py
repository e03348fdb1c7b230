"""The print worker's round: print the slips that are due, count what waits, and now and
then ask the printer how it is.

The shell runs :class:`PrintRounds` in a background thread every few seconds and shows
the :class:`PrintState` it returns in the status bar; the round itself only calls the
print-job queue (:mod:`sadec_desk.services.printing.jobs`) and asks the printer
(:mod:`sadec_desk.services.printing.devices`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sadec_desk.services.access import ANY_ROLE, as_machine, require_role
from sadec_desk.services.printing import devices as printer_devices
from sadec_desk.services.printing import jobs

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

#: the printer's status is asked every 6th round only (~30 s at the shell's 5 s interval):
#: a network printer that is off makes the question wait for its timeout
PRINTER_CHECK_EVERY = 6


@dataclass(frozen=True)
class PrintState:
    printer: str
    ready: bool | None  # None: not checked yet
    message: str
    waiting: int
    failed: int


def print_state(ctx: AppContext, *, check_printer: bool, last: PrintState | None
                ) -> PrintState:
    """One round of the print worker: print what is due, count what waits."""
    require_role(ctx, *ANY_ROLE)
    jobs.process_queue(ctx)
    waiting = len(jobs.list_jobs(ctx, status="queued", limit=1000))
    failed = len(jobs.list_jobs(ctx, status="failed", limit=1000))
    # the default printer changed since the last check (the IT tab saved another one):
    # ask it now, or the status bar would name the old printer until the next check
    current = ctx.config["printing.printer"] or printer_devices.PREVIEW_PRINTER
    if check_printer or last is None or last.printer != current:
        try:
            status = printer_devices.printer_status(ctx)
            return PrintState(status.printer, status.reachable and status.online is not False,
                              status.message, waiting, failed)
        except Exception as exc:  # a UserError (bad printer set-up) or an OS error
            return PrintState(ctx.config["printing.printer"], False, str(exc), waiting, failed)
    return PrintState(last.printer, last.ready, last.message, waiting, failed)


class PrintRounds:
    """The worker's memory between rounds: how many ran (the printer is asked on the 1st,
    7th, 13th...) and the last state (its printer answer is kept in between).
    Called from one worker thread only."""

    def __init__(self, ctx: AppContext, *, check_every: int = PRINTER_CHECK_EVERY):
        self.ctx = ctx
        self.check_every = check_every
        self.rounds = 0
        self.last: PrintState | None = None

    def __call__(self) -> PrintState:
        self.rounds += 1
        # the app's own round (the shell's print worker), not a request of whoever is
        # signed in: it prints as the machine, like the CLI's ``print process``
        self.last = print_state(as_machine(self.ctx),
                                check_printer=self.rounds % self.check_every == 1,
                                last=self.last)
        return self.last
