"""The background sync worker: runs the engine every few seconds in its own thread.

The GUI never touches the database or the network from the Tk thread (docs/design.md
§2): it starts a :class:`SyncWorker`, reads :meth:`SyncWorker.snapshot` or drains
:attr:`SyncWorker.events` with ``after()``, and stops it on exit.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import TYPE_CHECKING

from sadec_desk.errors import UserError
from sadec_desk.services.access import as_machine
from sadec_desk.sync import engine
from sadec_desk.sync.records import SyncReport, SyncStatus

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

log = logging.getLogger(__name__)


class SyncWorker:
    def __init__(self, ctx: AppContext):
        self.ctx = ctx
        self.events: queue.Queue[SyncReport | SyncStatus] = queue.Queue(maxsize=100)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._status: SyncStatus | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> SyncWorker:
        self._thread = threading.Thread(target=self._loop, name="sadec-sync", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run_now(self) -> None:
        """Ask for a run at once (the IT officer pressed "Đồng bộ ngay")."""
        self._wake.set()

    def snapshot(self) -> SyncStatus | None:
        with self._lock:
            return self._status

    def _post(self, item) -> None:
        try:
            self.events.put_nowait(item)
        except queue.Full:
            pass  # the GUI is not draining; the snapshot still has the latest state

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.step()
            self._wake.wait(max(1, self.ctx.config["sync.interval_seconds"]))
            self._wake.clear()
        if not self.ctx.database.is_closed():
            self.ctx.database.close()  # this thread's connection

    def step(self) -> SyncReport | None:
        """One run and a fresh status; failures are recorded, never raised."""
        report = None
        # the app's own round, not a request of whoever is signed in: it runs as the
        # machine (like the CLI), so that a clerk's session still syncs
        machine = as_machine(self.ctx)
        try:
            report = engine.run_once(machine)
            self._post(report)
            status = engine.sync_status(machine)
            with self._lock:
                self._status = status
            self._post(status)
        except UserError as exc:
            log.warning("sync run failed: %s", exc)
        except Exception:
            log.exception("sync worker: unexpected error")
        return report
