"""The IT tab for the queue: service groups (ticket letter, procedures, counters) and
the counters that serve them."""

from __future__ import annotations

import tkinter as tk

import ttkbootstrap as ttk

from sadec_desk.i18n import _
from sadec_desk.services.queue import setup as queue_setup
from sadec_desk.views.settings.base import Tab, create_row, create_tree
from sadec_desk.views.widgets import font, set_entry


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


class QueueTab(Tab):
    def __init__(self, parent, shell):
        super().__init__(parent, shell, _("Quầy và nhóm dịch vụ"))
        row = ttk.Frame(self)
        row.pack(fill="both", expand=True)
        left = ttk.Frame(row)
        left.pack(side="left", anchor="n")
        ttk.Label(left, text=_("Nhóm dịch vụ"), font=font(12, "bold")).pack(anchor="w")
        self.groups = create_tree(left, (("prefix", _("Chữ"), 50), ("name", _("Tên nhóm"), 200),
                                         ("codes", _("Thủ tục"), 230),
                                         ("counters", _("Quầy"), 80),
                                         ("active", _("Dùng"), 60)), height=7)
        self.groups.pack(anchor="w")
        self.groups.bind("<<TreeviewSelect>>", lambda _e: self.on_group_selected())
        ttk.Label(left, text=_("Quầy"), font=font(12, "bold")).pack(anchor="w", pady=(10, 0))
        self.counters = create_tree(left, (("number", _("Số"), 50), ("name", _("Tên quầy"), 200),
                                           ("groups", _("Nhóm"), 150),
                                           ("active", _("Dùng"), 60)), height=6)
        self.counters.pack(anchor="w")
        self.counters.bind("<<TreeviewSelect>>", lambda _e: self.on_counter_selected())
        right = ttk.Frame(row)
        right.pack(side="left", anchor="n", padx=(20, 0))
        self.side_by_side(left, right)
        gform = ttk.Labelframe(right, text=_("Thêm / sửa nhóm"), padding=8)
        gform.pack(fill="x")
        self.g_prefix = create_row(gform, 0, _("Chữ cái (A–Z)"), width=28)
        self.g_name = create_row(gform, 2, _("Tên nhóm"), width=28)
        self.g_codes = create_row(gform, 4, _("Mã thủ tục (cách nhau dấu phẩy)"),
                                        width=28)
        self.g_counters = create_row(gform, 6, _("Số quầy phục vụ (ví dụ 1, 2)"), width=28)
        self.g_active = tk.BooleanVar(value=True)
        ttk.Checkbutton(gform, text=_("Đang dùng"), variable=self.g_active).grid(
            row=8, column=1, sticky="w")
        self.g_save = ttk.Button(gform, text=_("Lưu nhóm"), bootstyle="primary",
                                 command=self.on_save_group)
        self.g_save.grid(row=9, column=1, sticky="e", pady=(6, 0))
        cform = ttk.Labelframe(right, text=_("Thêm / sửa quầy"), padding=8)
        cform.pack(fill="x", pady=(10, 0))
        self.c_number = create_row(cform, 0, _("Số quầy"), width=28)
        self.c_name = create_row(cform, 2, _("Tên quầy"), width=28)
        self.c_groups = create_row(cform, 4, _("Nhóm phục vụ (ví dụ A, B)"), width=28)
        self.c_active = tk.BooleanVar(value=True)
        ttk.Checkbutton(cform, text=_("Đang dùng"), variable=self.c_active).grid(
            row=6, column=1, sticky="w")
        self.c_save = ttk.Button(cform, text=_("Lưu quầy"), bootstyle="primary",
                                 command=self.on_save_counter)
        self.c_save.grid(row=7, column=1, sticky="e", pady=(6, 0))
        self.group_items, self.counter_items = [], []
        self.on_reload()

    def on_reload(self) -> None:
        self.shell.tasks.submit(queue_setup.list_groups, self.ctx, on_done=self.on_groups)
        self.shell.tasks.submit(queue_setup.list_counters, self.ctx, on_done=self.on_counters)

    def on_groups(self, items) -> None:
        self.group_items = items
        self.groups.delete(*self.groups.get_children())
        for g in items:
            self.groups.insert("", "end", iid=g.prefix, values=(
                g.prefix, g.name, ", ".join(g.procedure_codes) or _("tất cả"),
                ", ".join(str(n) for n in g.counters), _("có") if g.active else _("không")))

    def on_counters(self, items) -> None:
        self.counter_items = items
        self.counters.delete(*self.counters.get_children())
        for c in items:
            self.counters.insert("", "end", iid=str(c.number), values=(
                c.number, c.name, ", ".join(c.groups), _("có") if c.active else _("không")))

    def on_group_selected(self) -> None:
        chosen = self.groups.selection()
        group = next((g for g in self.group_items if chosen and g.prefix == chosen[0]), None)
        if group is None:
            return
        set_entry(self.g_prefix, group.prefix)
        set_entry(self.g_name, group.name)
        set_entry(self.g_codes, ", ".join(group.procedure_codes))
        set_entry(self.g_counters, ", ".join(str(n) for n in group.counters))
        self.g_active.set(group.active)

    def on_counter_selected(self) -> None:
        chosen = self.counters.selection()
        counter = next((c for c in self.counter_items if chosen and str(c.number) == chosen[0]),
                       None)
        if counter is None:
            return
        set_entry(self.c_number, str(counter.number))
        set_entry(self.c_name, counter.name)
        set_entry(self.c_groups, ", ".join(counter.groups))
        self.c_active.set(counter.active)

    def on_save_group(self) -> None:
        prefix = self.g_prefix.get().strip().upper()
        fields = dict(name=self.g_name.get(), procedure_codes=_split(self.g_codes.get()),
                      counters=_split(self.g_counters.get()))
        if any(g.prefix == prefix for g in self.group_items):
            self.submit(queue_setup.update_group, prefix, active=self.g_active.get(),
                        on_done=self.on_group_saved, **fields)
        else:
            self.submit(queue_setup.create_group, prefix=prefix, on_done=self.on_group_saved,
                        **fields)

    def on_group_saved(self, group) -> None:
        self.ok(_("Đã lưu nhóm {prefix} — {name}.").format(prefix=group.prefix, name=group.name))
        self.on_reload()

    def on_save_counter(self) -> None:
        text = self.c_number.get().strip()
        if not text.isdigit():
            self.message.show(_("Số quầy phải là một số từ 1 đến 99."), "error")
            return
        number = int(text)
        groups = _split(self.c_groups.get())
        if any(c.number == number for c in self.counter_items):
            self.submit(queue_setup.update_counter, str(number), name=self.c_name.get(),
                        groups=groups, active=self.c_active.get(),
                        on_done=self.on_counter_saved)
        else:
            self.submit(queue_setup.create_counter, number=number,
                        name=self.c_name.get().strip() or None, groups=groups,
                        on_done=self.on_counter_saved)

    def on_counter_saved(self, counter) -> None:
        self.ok(_("Đã lưu quầy {n} — {name}.").format(n=counter.number, name=counter.name))
        self.on_reload()
