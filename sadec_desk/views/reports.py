"""The Reports screen of the commune leader: one period, four tabs, three exports.

Every figure comes from :func:`sadec_desk.services.reports.build.report_bundle` (the same
services as ``sadec-desk report …``; definitions in docs/reports.md): the screen counts
nothing itself, it only lays the frozen records out. The bundle is computed in the
shell's worker thread; the charts arrive as PNG bytes and become Tk images here, on the
Tk thread. Long overdue lists are put into their table a chunk at a time so that the
window keeps answering on a large office database.
"""

from __future__ import annotations

import base64
import contextlib
import tkinter as tk
import tkinter.font as tkfont

import ttkbootstrap as ttk

from sadec_desk.i18n import _
from sadec_desk.services.display import channel_label, format_moment
from sadec_desk.services.documents import office_forms, output
from sadec_desk.services.reports import build
from sadec_desk.services.reports.text import minutes, pct, period_text
from sadec_desk.views.file_dialog import ask_save_file
from sadec_desk.views.widgets import MessageBar, ScrollableFrame, font, set_entry

#: rows put into a table per Tk event-loop turn (keeps each turn well under 0.1 s)
FILL_CHUNK = 300
DELETE_CHUNK = 2000

# literal _() calls so that the catalogue extractor finds them
QUICK_LABELS = {"today": lambda: _("Hôm nay"), "this_week": lambda: _("Tuần này"),
                "this_month": lambda: _("Tháng này"), "last_month": lambda: _("Tháng trước"),
                "this_quarter": lambda: _("Quý này"), "this_year": lambda: _("Năm nay")}
EXPORT_KINDS = {"xlsx": lambda: _("báo cáo Excel"), "pdf": lambda: _("báo cáo PDF"),
                "book": lambda: _("sổ theo dõi hồ sơ (Mẫu 06)")}


def number(n: int) -> str:
    """'12.345' (Vietnamese thousands separator)."""
    return f"{n:,}".replace(",", ".")



def load_quick(ctx, choice: str):
    """Worker: the bundle of a quick choice ("Tháng này", …)."""
    period = build.quick_period(ctx, choice)
    return build.report_bundle(ctx, period.date_from, period.date_to)


def load_typed(ctx, date_from: str, date_to: str):
    """Worker: the bundle of the typed dd/mm/yyyy days."""
    period = build.screen_period(date_from, date_to)
    return build.report_bundle(ctx, period.date_from, period.date_to)


def create_table(parent, columns, height: int, stretch: str = "") -> ttk.Treeview:
    """A Treeview with a vertical scroll bar; ``columns``: (key, title, width, anchor);
    a column is never narrower than its heading (translations differ in length), and only
    the ``stretch`` column takes the room left over."""
    frame = ttk.Frame(parent)
    tree = ttk.Treeview(frame, columns=[c[0] for c in columns], show="headings",
                        height=height)
    style = ttk.Style()
    heading = tkfont.nametofont("TkHeadingFont")
    with contextlib.suppress(tk.TclError):
        named = style.lookup("Treeview.Heading", "font")
        heading = tkfont.nametofont(named) if named else heading
    for key, title, width, anchor in columns:
        tree.heading(key, text=title, anchor=anchor)
        tree.column(key, width=max(width, heading.measure(title) + 12), minwidth=40,
                    anchor=anchor, stretch=key == stretch)
    scroll = ttk.Scrollbar(frame, orient="vertical", command=tree.yview)
    tree.configure(yscrollcommand=scroll.set)
    tree.pack(side="left", fill="both", expand=True)
    scroll.pack(side="left", fill="y")
    tree.frame = frame
    return tree


def create_figures(parent, rows, columns: int = 1) -> dict[str, ttk.Label]:
    """Label/value pairs on a grid, ``rows`` split over ``columns`` column pairs."""
    values = {}
    per_column = -(-len(rows) // columns)
    for i, (key, label) in enumerate(rows):
        r, c = i % per_column, (i // per_column) * 2
        ttk.Label(parent, text=label, font=font(11)).grid(row=r, column=c, sticky="w",
                                                         padx=(12 if c else 0, 8), pady=2)
        value = ttk.Label(parent, text="—", font=font(11, "bold"))
        value.grid(row=r, column=c + 1, sticky="e", pady=2)
        values[key] = value
    return values


#: narrower than this (a portrait screen), the summary's charts go under its table
CHARTS_BELOW_PX = 1200


class ReportsView(ttk.Frame):
    def __init__(self, parent, shell):
        super().__init__(parent, padding=(10, 4))
        self.shell, self.ctx = shell, shell.ctx
        self.bundle = None  # ReportBundle on screen
        self.quick = tk.StringVar(value="this_month")
        self.request = 0  # number of the latest load: answers to older ones are dropped
        self.loading = False
        self.exporting = False
        self.export_path: str | None = None
        self._fill_jobs: dict[str, str] = {}
        self.images: dict[str, tk.PhotoImage] = {}
        self.create_toolbar()
        self.message = MessageBar(self, wraplength=1300)
        self.message.pack(fill="x")
        self.notebook = ttk.Notebook(self, bootstyle="primary")
        self.notebook.pack(fill="both", expand=True, pady=(2, 0))
        # each tab scrolls when the window is smaller than it (a portrait screen, #17.3)
        self.summary_tab = self.scrolling(self.create_summary_tab)
        self.overdue_tab = self.scrolling(self.create_overdue_tab)
        self.queue_tab = self.scrolling(self.create_queue_tab)
        self.satisfaction_tab = self.scrolling(self.create_satisfaction_tab)
        self.notebook.add(self.summary_tab, text=_("Tổng hợp"))
        self.notebook.add(self.overdue_tab, text=_("Hồ sơ quá hạn"))
        self.notebook.add(self.queue_tab, text=_("Hàng chờ"))
        self.notebook.add(self.satisfaction_tab, text=_("Mức độ hài lòng"))
        self.on_quick_period("this_month")

    # --- building ------------------------------------------------------------------------

    def scrolling(self, create) -> ScrollableFrame:
        """A notebook page that scrolls, holding what ``create(parent)`` builds."""
        scroller = ScrollableFrame(self.notebook)
        scroller.hold(create(scroller.interior))
        return scroller

    def on_resized(self, event) -> None:
        """The period's dates go under the quick choices when both do not fit one line;
        the summary's charts go under its figures and table on a narrow (portrait) window,
        where beside them they would be cut and the table's names shortened."""
        below = event.width < CHARTS_BELOW_PX
        if below != self.charts_below:
            self.charts_below = below
            for row, chart in enumerate((self.deadline_chart, self.channel_chart)):
                if below:
                    chart.grid(row=2 + row, column=0, sticky="nw", padx=0, pady=(8, 0))
                else:
                    chart.grid(row=row, column=1, sticky="ne", padx=(10, 0),
                               pady=(6, 0) if row else 0)
        wide = event.width >= (self.quick_row.winfo_reqwidth()
                               + self.range_row.winfo_reqwidth() + 30)
        if wide != self.wide:
            self.wide = wide
            self.range_row.grid(row=0 if wide else 1, column=1 if wide else 0, sticky="w",
                                padx=(14, 0) if wide else 0, pady=0 if wide else (4, 0))

    def create_toolbar(self) -> None:
        top = ttk.Frame(self)
        top.pack(fill="x")
        heading = ttk.Frame(top)
        heading.pack(side="left")
        ttk.Label(heading, text=_("Báo cáo tình hình giải quyết hồ sơ"),
                  font=font(15, "bold")).pack(anchor="w")
        info = ttk.Frame(heading)
        info.pack(anchor="w")
        self.period_label = ttk.Label(info, text="", font=font(10))
        self.period_label.pack(side="left")
        self.loading_label = ttk.Label(info, text="", font=font(10), bootstyle="info")
        self.loading_label.pack(side="left", padx=(10, 6))
        self.progress = ttk.Progressbar(info, mode="indeterminate", length=90,
                                        bootstyle="info-striped")
        self.open_button = ttk.Button(top, text=_("Mở tệp vừa lưu"), bootstyle="info-outline",
                                      state="disabled", command=self.on_open_export)
        self.open_button.pack(side="right")
        self.export_buttons = {}
        for kind, label in (("book", _("Sổ theo dõi")), ("pdf", _("Xuất PDF")),
                            ("xlsx", _("Xuất Excel"))):
            button = ttk.Button(top, text=label, bootstyle="success-outline" if kind == "book"
                                else "success", command=lambda k=kind: self.on_export(k))
            button.pack(side="right", padx=(0, 6))
            self.export_buttons[kind] = button
        self.export_buttons["book"].pack_forget()  # shown when the user may write it

        outer = ttk.Frame(self)
        outer.pack(fill="x", pady=(6, 2))
        bar = self.quick_row = ttk.Frame(outer)
        bar.grid(row=0, column=0, sticky="w")
        ttk.Label(bar, text=_("Chọn kỳ"), font=font(11)).pack(side="left", padx=(0, 6))
        self.quick_buttons = {}
        for choice in build.QUICK_PERIODS:
            button = ttk.Radiobutton(bar, text=QUICK_LABELS[choice](), value=choice,
                                     variable=self.quick, bootstyle="primary-outline-toolbutton",
                                     command=lambda c=choice: self.on_quick_period(c))
            button.pack(side="left", padx=(0, 2))
            self.quick_buttons[choice] = button
        bar = self.range_row = ttk.Frame(outer)
        self.wide = True
        self.charts_below = False
        bar.grid(row=0, column=1, sticky="w", padx=(14, 0))
        self.bind("<Configure>", self.on_resized)
        ttk.Label(bar, text=_("Từ ngày"), font=font(11)).pack(side="left", padx=(0, 4))
        self.date_from = ttk.Entry(bar, width=11, font=font(11))
        self.date_from.pack(side="left")
        ttk.Label(bar, text=_("đến ngày"), font=font(11)).pack(side="left", padx=4)
        self.date_to = ttk.Entry(bar, width=11, font=font(11))
        self.date_to.pack(side="left")
        for entry in (self.date_from, self.date_to):
            entry.bind("<Return>", lambda _e: self.on_apply())
        self.apply_button = ttk.Button(bar, text=_("Xem"), bootstyle="primary",
                                       command=self.on_apply)
        self.apply_button.pack(side="left", padx=(6, 0))
        self.refresh_button = ttk.Button(bar, text=_("Làm mới"), bootstyle="secondary",
                                         command=self.on_refresh)
        self.refresh_button.pack(side="left", padx=(6, 0))

    def create_summary_tab(self, parent) -> ttk.Frame:
        tab = ttk.Frame(parent, padding=8)
        tab.columnconfigure(0, weight=1)
        tab.rowconfigure(1, weight=1)
        boxes = ttk.Frame(tab)
        boxes.grid(row=0, column=0, sticky="nw")
        received = ttk.Labelframe(boxes, text=_("Tiếp nhận"), padding=(8, 4))
        received.pack(side="left", fill="y")
        self.figures = create_figures(received, (
            ("received", _("Hồ sơ tiếp nhận")),
            *((c, channel_label(c)) for c in ("counter", "kiosk", "online", "postal")),
            ("online_share", _("Tỷ lệ nộp trực tuyến")),
            ("overdue_now", _("Đang quá hạn")),
            ("due_soon", _("Sắp đến hạn (2 ngày làm việc)"))))
        resolved = ttk.Labelframe(boxes, text=_("Giải quyết"), padding=(8, 4))
        resolved.pack(side="left", fill="y", padx=(10, 0))
        self.figures.update(create_figures(resolved, (
            ("resolved", _("Đã giải quyết")), ("early", _("Trước hạn")),
            ("on_time", _("Đúng hạn")), ("late", _("Quá hạn")),
            ("on_time_rate", _("Tỷ lệ đúng hạn")),
            ("rescheduled", _("Đã hẹn lại (Mẫu 04)")),
            ("refused", _("Từ chối")), ("withdrawn", _("Rút hồ sơ")))))
        self.figures["overdue_now"].configure(bootstyle="danger")
        self.figures["late"].configure(bootstyle="danger")
        self.figures["on_time_rate"].configure(bootstyle="success")
        self.deadline_chart = ttk.Label(tab, text="")
        self.deadline_chart.grid(row=0, column=1, sticky="ne", padx=(10, 0))
        table = ttk.Frame(tab)
        table.grid(row=1, column=0, sticky="nsew", pady=(6, 0))
        ttk.Label(table, text=_("Theo thủ tục hành chính"), font=font(12, "bold")).pack(
            anchor="w", pady=(0, 2))
        self.procedures = create_table(table, (
            ("name", _("Thủ tục"), 200, "w"),
            ("received", _("Tiếp nhận"), 70, "e"), ("resolved", _("Giải quyết"), 70, "e"),
            ("early", _("Trước hạn"), 70, "e"), ("on_time", _("Đúng hạn"), 70, "e"),
            ("late", _("Quá hạn"), 60, "e"), ("rate", _("Tỷ lệ đúng hạn"), 100, "e")),
            height=6, stretch="name")
        self.procedures.frame.pack(fill="both", expand=True)
        self.channel_chart = ttk.Label(tab, text="")
        self.channel_chart.grid(row=1, column=1, sticky="ne", padx=(10, 0), pady=(6, 0))
        return tab

    def create_overdue_tab(self, parent) -> ttk.Frame:
        tab = ttk.Frame(parent, padding=8)
        self.overdue_label = ttk.Label(tab, text="", font=font(12, "bold"))
        self.overdue_label.pack(anchor="w")
        ttk.Label(tab, text=_("Danh sách tính đến lúc lập báo cáo, không phụ thuộc kỳ báo cáo; "
                              "hồ sơ đã hẹn lại (Mẫu 04) ghi cả hẹn ban đầu."),
                  font=font(10)).pack(anchor="w", pady=(0, 4))
        self.overdue = create_table(tab, (
            ("state", _("Tình trạng"), 110, "w"), ("code", _("Mã hồ sơ"), 215, "w"),
            ("procedure", _("Thủ tục"), 300, "w"), ("status", _("Trạng thái"), 150, "w"),
            ("due", _("Hẹn trả"), 150, "w"), ("original", _("Hẹn ban đầu"), 150, "w"),
            ("late", _("Trễ (ngày làm việc)"), 150, "e")), height=14, stretch="procedure")
        self.overdue.tag_configure("overdue", foreground="#b02a37")
        self.overdue.tag_configure("due_soon", foreground="#8a5a00")
        self.overdue.frame.pack(fill="both", expand=True)
        return tab

    def create_queue_tab(self, parent) -> ttk.Frame:
        tab = ttk.Frame(parent, padding=8)
        top = ttk.Frame(tab)
        top.pack(fill="x")
        self.queue_chart = ttk.Label(top, text="")
        self.queue_chart.pack(side="right", anchor="n", padx=(10, 0))
        box = ttk.Labelframe(top, text=_("Cả kỳ"), padding=(8, 4))
        box.pack(side="left", anchor="n")
        left = tab
        self.queue_figures = create_figures(box, (
            ("promise", _("Thời gian chờ đã hứa")), ("issued", _("Phiếu đã phát")),
            ("served", _("Đã phục vụ")), ("no_shows", _("Vắng mặt khi gọi")),
            ("still_waiting", _("Chưa được gọi")), ("wait_median", _("Chờ trung vị")),
            ("wait_p90", _("Chờ p90 (90 % số phiếu chờ không quá)")),
            ("service_median", _("Phục vụ trung vị")),
            ("over_promise", _("Chờ quá thời gian đã hứa"))), columns=2)
        ttk.Label(left, text=_("Theo thứ trong tuần (* ngày không chờ)"),
                  font=font(12, "bold")).pack(anchor="w", pady=(8, 2))
        self.weekdays = create_table(left, (
            ("weekday", _("Thứ"), 90, "w"), ("days", _("Số ngày"), 60, "e"),
            ("issued", _("Phiếu"), 60, "e"), ("served", _("Đã phục vụ"), 60, "e"),
            ("wait_median", _("Chờ trung vị"), 80, "e"), ("wait_p90", _("Chờ p90"), 80, "e"),
            ("service_median", _("Phục vụ trung vị"), 80, "e"),
            ("over", _("Chờ quá hẹn"), 96, "e")), height=7)
        self.weekdays.frame.pack(fill="both", expand=True)
        return tab

    def create_satisfaction_tab(self, parent) -> ttk.Frame:
        tab = ttk.Frame(parent, padding=8)
        self.satisfied_label = ttk.Label(tab, text="", font=font(16, "bold"),
                                         bootstyle="success")
        self.satisfied_label.pack(anchor="w")
        ttk.Label(tab, text=_("Tỷ lệ hài lòng = (Rất hài lòng + Hài lòng) / tổng số lượt đánh "
                              "giá trong kỳ (NĐ 61/2018 Điều 29)."),
                  font=font(10)).pack(anchor="w", pady=(0, 6))
        self.levels = create_table(tab, (
            ("level", _("Mức độ"), 200, "w"), ("count", _("Số lượt"), 100, "e"),
            ("share", _("Tỷ lệ"), 100, "e")), height=3)
        self.levels.frame.pack(anchor="w")
        ttk.Label(tab, text=_("Nơi đánh giá"), font=font(12, "bold")).pack(anchor="w",
                                                                         pady=(10, 2))
        self.sources = create_table(tab, (
            ("source", _("Nơi đánh giá"), 200, "w"), ("count", _("Số lượt"), 100, "e")),
            height=3)
        self.sources.frame.pack(anchor="w")
        return tab

    # --- loading -------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """A load or export is running, or a table is still being filled (tests)."""
        return self.loading or self.exporting or bool(self._fill_jobs)

    def on_quick_period(self, choice: str) -> None:
        self.quick.set(choice)
        self.load(load_quick, choice)

    def on_apply(self) -> None:
        """"Xem": the typed days (a quick choice no longer applies)."""
        self.quick.set("")
        self.load(load_typed, self.date_from.get(), self.date_to.get())

    def on_refresh(self) -> None:
        if self.quick.get():
            self.on_quick_period(self.quick.get())
        elif self.bundle is not None:  # the period on screen, figures of now
            p = self.bundle.period
            self.load(load_typed, p.date_from.strftime("%d/%m/%Y"),
                      p.date_to.strftime("%d/%m/%Y"))
        else:
            self.on_apply()

    def load(self, fn, *args) -> None:
        self.request += 1
        request = self.request
        self.loading = True
        self.message.clear()
        self.loading_label.configure(text=_("Đang tính báo cáo…"))
        self.progress.pack(side="left")
        self.progress.start(15)
        self.shell.tasks.submit(fn, self.ctx, *args,
                                on_done=lambda b: self.on_loaded(request, b),
                                on_error=lambda m: self.on_load_failed(request, m))

    def stop_loading(self) -> None:
        self.loading = False
        self.progress.stop()
        self.progress.pack_forget()
        self.loading_label.configure(text="")

    def on_load_failed(self, request: int, message: str) -> None:
        if request != self.request or not self.winfo_exists():
            return
        self.stop_loading()
        self.message.show(message, "error")

    def on_loaded(self, request: int, bundle) -> None:
        if request != self.request or not self.winfo_exists():
            return  # a newer choice is on its way, or the screen was closed
        self.stop_loading()
        self.bundle = bundle
        p = bundle.period
        set_entry(self.date_from, p.date_from.strftime("%d/%m/%Y"))
        set_entry(self.date_to, p.date_to.strftime("%d/%m/%Y"))
        self.period_label.configure(text=_("{period} · lập lúc {t}").format(
            period=period_text(p), t=format_moment(bundle.summary.generated_at)))
        if bundle.can_export_book:
            self.export_buttons["book"].pack(side="right", padx=(0, 6),
                                             before=self.export_buttons["pdf"])
        else:
            self.export_buttons["book"].pack_forget()
        self.show_summary(bundle.summary)
        self.show_overdue(bundle.overdue)
        self.show_queue(bundle.queue)
        self.show_satisfaction(bundle.satisfaction)
        self.show_charts(bundle.charts)

    # --- showing -------------------------------------------------------------------------

    def show_summary(self, s) -> None:
        d = s.deadline
        channels = dict(s.by_channel)
        values = {"received": number(s.received), "online_share": pct(s.online_share),
                  **{c: number(channels.get(c, 0)) for c in ("counter", "kiosk", "online",
                                                              "postal")},
                  "overdue_now": number(s.overdue_now), "due_soon": number(s.due_soon),
                  "resolved": number(d.resolved), "early": number(d.early),
                  "on_time": number(d.on_time), "late": number(d.late),
                  "on_time_rate": pct(d.on_time_rate),
                  "rescheduled": _("{n} (kịp hẹn mới {m})").format(
                      n=number(d.rescheduled), m=number(d.rescheduled_met_new_due)),
                  "refused": number(s.refused), "withdrawn": number(s.withdrawn)}
        for key, text in values.items():
            self.figures[key].configure(text=text)
        self.fill(self.procedures, [
            (p.code, (p.name, number(p.received), number(p.deadline.resolved),
                      number(p.deadline.early), number(p.deadline.on_time),
                      number(p.deadline.late), pct(p.deadline.on_time_rate)), ())
            for p in s.procedures])

    def show_overdue(self, r) -> None:
        self.overdue_label.configure(text=_(
            "Đang quá hạn: {n} hồ sơ · đến hạn trong 2 ngày làm việc: {m} hồ sơ").format(
                n=number(len(r.overdue)), m=number(len(r.due_soon))))

        states = {"overdue": _("Quá hạn"), "due_soon": _("Sắp đến hạn")}

        def row(pair):  # formatted a chunk at a time, as the rows go in
            item, tag = pair
            return (item.code, (states[tag], item.code, item.procedure_name, item.status_label,
                                format_moment(item.due_at),
                                format_moment(item.original_due_at) if item.rescheduled else "",
                                number(item.working_days_late) if tag == "overdue" else ""),
                    (tag,))

        self.fill(self.overdue, [(i, "overdue") for i in r.overdue]
                  + [(i, "due_soon") for i in r.due_soon], row)

    def show_queue(self, q) -> None:
        t = q.total
        values = {"promise": _("{m} phút").format(m=q.promise_minutes),
                  "issued": number(t.issued), "served": number(t.served),
                  "no_shows": number(t.no_shows), "still_waiting": number(t.still_waiting),
                  "wait_median": minutes(t.waiting.median_s),
                  "wait_p90": minutes(t.waiting.p90_s),
                  "service_median": minutes(t.service.median_s),
                  "over_promise": f"{number(t.over_promise)} ({pct(t.over_promise_share)})"}
        for key, text in values.items():
            self.queue_figures[key].configure(text=text)
        self.fill(self.weekdays, [
            (str(w.weekday), (w.label + (" *" if w.no_wait_day else ""), number(w.days),
                              number(w.stats.issued), number(w.stats.served),
                              minutes(w.stats.waiting.median_s), minutes(w.stats.waiting.p90_s),
                              minutes(w.stats.service.median_s),
                              f"{number(w.stats.over_promise)} "
                              f"({pct(w.stats.over_promise_share)})"), ())
            for w in q.weekdays])

    def show_satisfaction(self, r) -> None:
        self.satisfied_label.configure(text=_("Tỷ lệ hài lòng: {v} trên {n} lượt đánh giá").format(
            v=pct(r.satisfied_share), n=number(r.total)))
        self.fill(self.levels, [(x.level, (x.label, number(x.count), pct(x.share)), ())
                                for x in r.levels])
        self.fill(self.sources, [(c, (channel_label(c), number(n)), ())
                                 for c, n in r.by_channel])

    def show_charts(self, images) -> None:
        for key, label in (("deadline", self.deadline_chart), ("channel", self.channel_chart),
                           ("queue", self.queue_chart)):
            png = getattr(images, key)
            if png is None:
                label.configure(image="", text="")
                self.images.pop(key, None)
                continue
            picture = tk.PhotoImage(master=self, data=base64.b64encode(png).decode("ascii"))
            label.configure(image=picture)
            self.images[key] = picture  # Tk shows it only while Python holds it

    def fill(self, tree: ttk.Treeview, rows: list, make_row=None) -> None:
        """Replace the rows of ``tree`` with ``rows`` ((iid, values, tags), or items that
        ``make_row`` turns into that), a chunk per event-loop turn: thousands of overdue
        dossiers never freeze the window."""
        key = str(tree)
        if key in self._fill_jobs:
            self.after_cancel(self._fill_jobs.pop(key))
        old = tree.get_children()

        def clear(start: int) -> None:  # the old rows go a few thousand per turn too
            tree.delete(*old[start:start + DELETE_CHUNK])
            if start + DELETE_CHUNK < len(old):
                self._fill_jobs[key] = self.after(1, clear, start + DELETE_CHUNK)
            else:
                step(0)

        def step(start: int) -> None:
            for row in rows[start:start + FILL_CHUNK]:
                iid, values, tags = make_row(row) if make_row else row
                tree.insert("", "end", iid=iid, values=values, tags=tags)
            if start + FILL_CHUNK < len(rows):
                self._fill_jobs[key] = self.after(1, step, start + FILL_CHUNK)
            else:
                self._fill_jobs.pop(key, None)

        clear(0)

    # --- exports -------------------------------------------------------------------------

    def on_export(self, kind: str, path: str | None = None) -> None:
        """"Xuất Excel" / "Xuất PDF" / "Sổ theo dõi" for the period on screen; ``path``
        skips the save dialog (tests)."""
        if self.bundle is None:
            self.message.show(_("Hãy đợi báo cáo tính xong rồi xuất."), "warning")
            return
        if path is None:
            self.shell.tasks.submit(build.default_export_path, self.ctx, kind,
                                    self.bundle.period,
                                    on_done=lambda default: self.ask_path(kind, default),
                                    on_error=lambda m: self.message.show(m, "error"))
            return
        p = self.bundle.period
        self.exporting = True
        self.message.show(_("Đang xuất {what}…").format(what=EXPORT_KINDS[kind]()))
        if kind == "book":
            self.shell.tasks.submit(build.export_book, self.ctx, p.date_from, p.date_to,
                                    out=path, on_done=lambda info: self.on_exported(kind, p, info),
                                    on_error=self.on_export_failed)
        else:
            self.shell.tasks.submit(build.export_report, self.ctx, p.date_from, p.date_to,
                                    fmt=kind, out=path,
                                    on_done=lambda info: self.on_exported(kind, p, info),
                                    on_error=self.on_export_failed)

    def ask_path(self, kind: str, default) -> None:
        suffix = ".xlsx" if kind == "xlsx" else ".pdf"
        ask_save_file(self, title=_("Lưu {what}").format(what=EXPORT_KINDS[kind]()),
                      patterns=(f"*{suffix}",), folder=default.parent,
                      file_name=default.name, suffix=suffix,
                      on_chosen=lambda path: path and self.on_export(kind, path))

    def on_export_failed(self, message: str) -> None:
        self.exporting = False
        if self.winfo_exists():
            self.message.show(message, "error")

    def on_exported(self, kind: str, period, info) -> None:
        self.exporting = False
        if not self.winfo_exists():
            return
        self.export_path = info.path
        text = _("Đã lưu {what} ({period}) vào {path}.").format(
            what=EXPORT_KINDS[kind](), period=period_text(period), path=info.path)
        if info.personal_data:
            text += " " + _("Tệp có dữ liệu cá nhân (họ tên, địa chỉ, số CCCD) nên tên tệp có "
                            "thêm '.{mark}': hãy giữ kín, không gửi ra ngoài cơ quan.").format(
                mark=output.PERSONAL_DATA_MARK)
        text += " " + _("Bấm 'Mở tệp vừa lưu' để xem.")
        # one line for the leader (what, and the warning when the file is personal); the
        # folder's path behind "Chi tiết" (#17 item 3)
        line = _("Đã lưu {what} ({period}).").format(what=EXPORT_KINDS[kind](),
                                                     period=period_text(period))
        line += " " + (_("Tệp có dữ liệu cá nhân: hãy giữ kín.") if info.personal_data
                       else _("Bấm 'Mở tệp vừa lưu' để xem."))
        self.message.show(line, "ok", details=text)
        self.open_button.configure(state="normal")

    def on_open_export(self) -> None:
        if self.export_path:
            self.shell.tasks.submit(office_forms.open_file, self.export_path,
                                    on_error=lambda m: self.message.show(m, "error"))

    # --- the shell's hooks ---------------------------------------------------------------

    def on_scan(self, _text: str) -> None:
        self.message.show(_("Màn hình Báo cáo không nhận mã quét; bấm 'Quầy tiếp nhận' để "
                            "tiếp nhận hoặc tra cứu hồ sơ."), "warning")

    def destroy(self) -> None:
        for job in list(self._fill_jobs.values()):
            self.after_cancel(job)
        self._fill_jobs.clear()
        super().destroy()
