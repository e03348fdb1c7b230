"""The counter screen: the queue of this counter, receiving a dossier, finding one.

:class:`CounterView` is one frame put together from its parts, one module each:

- :mod:`.queue_panel` — the ticket queue on the left and the keys F2–F7;
- :mod:`.receive` — the receive form (tab F8);
- :mod:`.save_flow` — saving it (F10): the questions first, the form locked after;
- :mod:`.find` — finding dossiers (tab F9), their details and life-cycle buttons;
- :mod:`.papers` — the selected dossier's scanned papers (inside the find tab).

The parts are mixins of the one view, not separate widgets: they share its state (the
ticket being served, the dossier selected) and the tests and tools reach every widget as
an attribute of the view (``counter.note``, ``counter.search``...). Each part's module
says which attributes it owns. This module builds the frame, binds the keys, loads the
office's set-up and sends a scan to the part it is for.

Every service call goes through ``shell.tasks`` (a worker thread); the callbacks
``on_<...>`` run on the Tk thread with the frozen records the services return.
"""

from __future__ import annotations

import tkinter as tk
import uuid

import ttkbootstrap as ttk

from sadec_desk.errors import UserError
from sadec_desk.i18n import _
from sadec_desk.services import catalogue
from sadec_desk.services.queue import setup as queue_setup
from sadec_desk.services.reception import citizens
from sadec_desk.views.counter.find import FindPanel
from sadec_desk.views.counter.papers import PapersBox
from sadec_desk.views.counter.queue_panel import QUEUE_ACTIONS, QueuePanel
from sadec_desk.views.counter.receive import ReceiveForm
from sadec_desk.views.counter.save_flow import SaveFlow
from sadec_desk.views.widgets import set_entry

#: narrower than this (a portrait screen), the queue panel goes above the tabs: beside them
#: the receive form needs ~980 px of the window's width
STACKED_BELOW_PX = 1200


class CounterView(QueuePanel, ReceiveForm, SaveFlow, FindPanel, PapersBox, ttk.Frame):
    """The counter clerk's screen: the queue panel beside a notebook of the receive and
    find tabs."""

    def __init__(self, parent, shell):
        super().__init__(parent, padding=(8, 6))
        self.shell = shell
        self.ctx = shell.ctx
        # the parts' state, set before any part is built (a part reads another's)
        self.counters = []  # CounterInfo
        self.groups = []  # ServiceGroupInfo
        self.current_ticket = None  # TicketInfo at this counter
        self.procedures = []  # ProcedureInfo
        self.citizen = None  # CitizenInfo from the last card scan
        self.qr_text = ""
        self.paper_vars: list[tuple[object, tk.BooleanVar]] = []
        self.form_id = str(uuid.uuid4())  # the receive form's identity (save_flow)
        self.saving = False  # a save is running: F10 does nothing
        self.locked = False  # saved: read-only until "Hồ sơ mới" or a new card
        self.saved = None  # DossierInfo the locked form shows
        self.dialog = None  # the question window open (dialogs.AskDialog), if any
        self.found = []  # DossierInfo results of the last search
        self.selected = None  # DossierInfo shown in the detail pane
        self.papers = None  # DossierPapers of the selected dossier, once loaded
        self._quote_job = None
        self._refresh_job = None
        self.queue_panel = self.create_queue_panel()
        self.notebook = ttk.Notebook(self, bootstyle="primary")
        self.wide = None
        self.arrange(wide=True)
        self.bind("<Configure>", self.on_resized)
        self.receive_tab = self.create_receive_tab(self.notebook)
        self.find_tab = self.create_find_tab(self.notebook)
        self.notebook.add(self.receive_tab, text=_("Tiếp nhận hồ sơ (F8)"))
        self.notebook.add(self.find_tab, text=_("Tra cứu hồ sơ (F9)"))
        self.bind_keys()
        self.load()

    def on_resized(self, event) -> None:
        wide = event.width >= STACKED_BELOW_PX
        if wide != self.wide:
            self.arrange(wide)

    def arrange(self, wide: bool) -> None:
        """The queue beside the tabs on a landscape screen; above them on a narrow (portrait)
        one, where beside them the tabs' buttons would be cut (issue #17 item 3)."""
        self.wide = wide
        if wide:
            self.queue_panel.grid(row=0, column=0, columnspan=1, sticky="ns", padx=(0, 8),
                                  pady=0)
            self.notebook.grid(row=0, column=1, rowspan=2, sticky="nsew")
        else:
            self.queue_panel.grid(row=0, column=0, columnspan=2, sticky="we", padx=0,
                                  pady=(0, 8))
            self.notebook.grid(row=1, column=0, columnspan=2, rowspan=1, sticky="nsew")
        self.arrange_queue(wide)
        self.columnconfigure(0, weight=0 if wide else 1)
        self.columnconfigure(1, weight=1)
        self.rowconfigure(0, weight=1 if wide else 0)
        self.rowconfigure(1, weight=0 if wide else 1)

    def bind_keys(self) -> None:
        window = self.winfo_toplevel()
        keys = {f"<{shortcut}>": (lambda _e, k=key: self.on_queue_action(k))
                for key, _label, shortcut in QUEUE_ACTIONS}
        keys["<F8>"] = lambda _e: self.notebook.select(self.receive_tab)
        keys["<F9>"] = lambda _e: (self.notebook.select(self.find_tab), self.search.focus_set())
        keys["<F10>"] = lambda _e: self.on_save()
        for sequence, handler in keys.items():
            window.bind(sequence, handler)
        self._bound = list(keys)

    def destroy(self) -> None:
        try:
            window = self.winfo_toplevel()
            for sequence in getattr(self, "_bound", []):
                window.unbind(sequence)
            if self._refresh_job is not None:
                self.after_cancel(self._refresh_job)
        except tk.TclError:
            pass
        super().destroy()

    # --- loading -------------------------------------------------------------------------

    def load(self) -> None:
        tasks = self.shell.tasks
        tasks.submit(lambda: (queue_setup.list_counters(self.ctx),
                              queue_setup.list_groups(self.ctx)),
                     on_done=self.on_setup_loaded)
        tasks.submit(catalogue.list_procedures, self.ctx, on_done=self.on_procedures_loaded)

    def on_setup_loaded(self, value) -> None:
        counters, groups = value
        self.show_counters(counters, groups)

    # --- scans ---------------------------------------------------------------------------

    def on_scan(self, text: str) -> None:
        """A scanner burst or a decoded image: a CCCD card fills the form, a receipt QR
        opens the dossier."""
        try:
            result = citizens.classify_qr_text(text, "keyboard")
        except UserError as exc:  # the card's own precise message (mangled, bad date...)
            self.notebook.select(self.receive_tab)
            self.receive_message.show(str(exc), "error")
            return
        self.on_scan_result(result)

    def on_scan_result(self, result) -> None:
        if result.kind == "cccd":
            self.notebook.select(self.receive_tab)
            self.fill_citizen(result.citizen, result.text)
        elif result.kind == "receipt":
            self.notebook.select(self.find_tab)
            set_entry(self.search, result.dossier_code)
            self.on_search()
        else:
            self.receive_message.show(
                _("Mã vừa quét không phải mã QR thẻ CCCD hay phiếu hẹn: «{text}». Hãy quét "
                  "đúng mã QR ở mặt trước thẻ CCCD.").format(text=result.text[:60]), "error")
