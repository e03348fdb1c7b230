"""Keeping the window responsive: service calls run in a worker thread (docs/design.md §6.2).

Only the Tk main thread touches widgets. A :class:`TaskRunner` runs service calls one
after another in its own thread (database work, printing a slip, hashing a password)
and hands each result back to the Tk thread through a queue that ``after()`` drains
every few milliseconds; other workers (print queue, sync, speech) post to the same
queue with :meth:`TaskRunner.post`. Calls run in submission order, so "save, then
print the receipt" keeps its order.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import tkinter
from collections.abc import Callable
from typing import Any

from sadec_desk.errors import UserError
from sadec_desk.i18n import _

log = logging.getLogger(__name__)

POLL_MS = 20
_STOP = object()


def _orphaned(callback) -> bool:
    """A screen's answer arriving after the screen was closed (the clerk switched screens
    while its call ran): there is nothing left to show it on, so it is dropped instead
    of failing on destroyed widgets."""
    owner = getattr(callback, "__self__", None)
    exists = getattr(owner, "winfo_exists", None)
    if exists is None:
        return False
    try:
        return not exists()
    except tkinter.TclError:  # the whole Tk interpreter is gone
        return True


class TaskRunner:
    def __init__(self, widget, *, on_error: Callable[[str], None] | None = None,
                 on_thread_exit: Callable[[], None] | None = None):
        self.widget = widget
        self.on_error = on_error or (lambda message: log.warning("%s", message))
        self._on_thread_exit = on_thread_exit
        self._jobs: queue.Queue = queue.Queue()
        self._results: queue.Queue = queue.Queue()
        self._pending = 0  # submitted, callback not yet run (Tk thread only)
        #: (seconds, name) of the longest callback run on the Tk thread (tests, tuning)
        self.slowest: tuple[float, str] = (0.0, "")
        self._closed = False
        self._thread = threading.Thread(target=self._work, name="sadec-tasks", daemon=True)
        self._thread.start()
        self._after_id = widget.after(POLL_MS, self._drain)

    # --- Tk thread -----------------------------------------------------------------------

    def submit(self, fn: Callable, *args, on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[str], None] | None = None, **kwargs) -> None:
        """Run ``fn(*args, **kwargs)`` in the worker; then ``on_done(result)`` or
        ``on_error(message)`` on the Tk thread (UserError: its sentence; a bug: a
        generic sentence, the traceback in the log)."""
        if self._closed:
            return
        self._pending += 1
        self._jobs.put((fn, args, kwargs, on_done, on_error))

    @property
    def busy(self) -> bool:
        return self._pending > 0 or not self._results.empty()

    def _drain(self) -> None:
        deadline = time.monotonic() + 0.05  # never hold the Tk thread long
        while time.monotonic() < deadline:
            try:
                callback, value, counted, _job = self._results.get_nowait()
            except queue.Empty:
                break
            if counted:
                self._pending -= 1
            started = time.perf_counter()
            try:
                if callback is not None and not _orphaned(callback):
                    callback(value)
            except Exception:
                log.exception("error in a window callback")
                self.on_error(_("Lỗi chương trình; chi tiết đã ghi vào tệp nhật ký. "
                                "Hãy báo cho bộ phận CNTT."))
            spent = time.perf_counter() - started
            if spent > self.slowest[0]:
                self.slowest = (spent, getattr(callback, "__qualname__", str(callback)))
        if not self._closed:
            self._after_id = self.widget.after(POLL_MS, self._drain)

    def pump(self, until: Callable[[], bool] | None = None, timeout: float = 10.0) -> bool:
        """Process events until every task is done (or ``until()``); for tests and
        for closing. Returns False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.widget.update()
            if (until() if until is not None else not self.busy):
                return True
            time.sleep(0.005)
        return False

    def close(self, timeout: float = 5.0) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self.widget.after_cancel(self._after_id)
        except Exception:  # the widget is already gone
            pass
        self._jobs.put(_STOP)
        self._thread.join(timeout)

    # --- any thread ----------------------------------------------------------------------

    def post(self, callback: Callable[[Any], None], value: Any = None) -> None:
        """Have ``callback(value)`` called on the Tk thread (safe from any thread)."""
        self._results.put((callback, value, False, None))

    # --- worker thread -------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is _STOP:
                break
            fn, args, kwargs, on_done, on_error = job
            try:
                value = fn(*args, **kwargs)
            except UserError as exc:
                result = (on_error or self.on_error, str(exc), True, job)
            except Exception:
                log.exception("unexpected error in %s", getattr(fn, "__name__", fn))
                result = (on_error or self.on_error,
                          _("Lỗi không mong muốn; chi tiết đã ghi vào tệp nhật ký. "
                            "Hãy báo cho bộ phận CNTT."), True, job)
            else:
                result = (on_done, value, True, job)
            # The callbacks may hold the last reference to a screen that was closed meanwhile:
            # the whole job goes back to the Tk thread and this thread keeps nothing, so the
            # screen (and its Tk variables, whose __del__ calls Tk) is freed on the Tk thread.
            del fn, args, kwargs, on_done, on_error, job
            self._results.put(result)
            del result
        if self._on_thread_exit is not None:
            self._on_thread_exit()


class Periodic:
    """A worker thread that calls ``step()`` every ``interval`` seconds (or at once when
    woken) and posts its result to the Tk thread through ``runner.post``."""

    def __init__(self, name: str, step: Callable[[], Any], interval: float,
                 runner: TaskRunner, on_result: Callable[[Any], None],
                 on_thread_exit: Callable[[], None] | None = None):
        self.step, self.interval = step, interval
        self.runner, self.on_result = runner, on_result
        self._on_thread_exit = on_thread_exit
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> Periodic:
        self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.runner.post(self.on_result, self.step())
            except UserError as exc:
                log.info("%s: %s", self._thread.name, exc)
            except Exception:
                log.exception("%s: unexpected error", self._thread.name)
            self._wake.wait(self.interval)
            self._wake.clear()
        if self._on_thread_exit is not None:
            self._on_thread_exit()
