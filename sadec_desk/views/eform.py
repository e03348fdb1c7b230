"""One generic renderer for every procedure's declaration form (issue #8).

:class:`FormView` draws a ``services.eforms.FormInfo`` — sections as headings, each field
with its label (``*`` when required), the widget its type asks for, its help text and a
line for its error — so no procedure has a screen of its own. Sized for the kiosk's
touch screen (1366×768): large fonts and targets, two columns of fields, a wide
scrollbar, drag-to-scroll on the background, and the focused field scrolled into
view. When a keyboard (:class:`sadec_desk.views.osk.OnScreenKeyboard`) is given, it types
into whichever field has the focus.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk

from sadec_desk.i18n import _
from sadec_desk.views.osk import BG, NAVY, PRESSED
from sadec_desk.views.widgets import font, release_tk_objects

RED = "#b02a37"
GREY = "#455a64"
FIELD_BG = "white"
#: choice fields with at most this many choices are big toggle buttons (a drop-down list is
#: hard to use by touch), more a list; a row holds TOGGLES_PER_ROW of them
MAX_TOGGLES = 9
TOGGLES_PER_ROW = 3
ENTRY_WIDTH = {"date": 12, "number": 8, "phone": 16, "id_number": 16}
SIZES = {"label": 14, "entry": 16, "help": 11, "error": 12, "heading": 18}
COLUMNS = 2


class FormView:
    """``declarants``: (index, label) of the form's "Người khai là mẹ/cha của cháu"
    choices, shown above the form as toggles when ``on_declarant(index)`` is given (the
    kiosk, which knows the card): the caller fills the values it gets back through
    :meth:`set_value`. The counter passes neither and sees the form as before."""

    def __init__(self, parent, form, values: dict, *, keyboard=None, on_change=None,
                 declarants=(), on_declarant=None, scale: float = 1.0):
        self.form = form
        self.scale = scale  # the kiosk's screen factor (views/kiosk/scale.py); 1 elsewhere
        self.keyboard = keyboard
        self.on_change = on_change
        self._loading = True
        self.frame = tk.Frame(parent, background=BG)
        self.create_scroller()
        #: field name -> the widget holding its value (Entry, Text, Combobox, Frame)
        self.widgets: dict[str, tk.Widget] = {}
        self.variables: dict[str, tk.Variable] = {}
        self.error_labels: dict[str, tk.Label] = {}
        self.field_labels: dict[str, tk.Label] = {}
        self.cells: dict[str, tk.Frame] = {}
        self._help_labels: dict[str, tk.Label] = {}
        self.choice_buttons: dict[str, dict[str, tk.Radiobutton]] = {}
        self._types = {f.name: f.type for f in form.fields}
        self.declarant_buttons: dict[int, tk.Radiobutton] = {}
        if declarants and on_declarant is not None:
            self.create_declarants(declarants, on_declarant)
        for section in form.sections:
            self.create_section(section, values)
        self._loading = False
        self.frame.bind("<Destroy>", self._on_destroy, add="+")
        if keyboard is not None:
            # a citizen at the kiosk can start typing at once, without finding the field
            self.focus_first_empty()

    def _on_destroy(self, event) -> None:
        # the variables live in this plain object, not in a widget: free them here on the
        # Tk thread, before a worker's garbage collection could (widgets.release_tk_objects)
        if event.widget is self.frame:
            release_tk_objects(self)

    # --- scrolling ---------------------------------------------------------------------------

    def create_scroller(self) -> None:
        self.canvas = tk.Canvas(self.frame, background=BG, highlightthickness=0)
        self.scrollbar = tk.Scrollbar(self.frame, orient="vertical", width=30,
                                      command=self.canvas.yview)
        self.canvas.configure(yscrollcommand=self.scrollbar.set)
        self.scrollbar.pack(side="right", fill="y")
        self.canvas.pack(side="left", fill="both", expand=True)
        self.inner = tk.Frame(self.canvas, background=BG)
        self._window = self.canvas.create_window(0, 0, window=self.inner, anchor="nw")
        self.inner.bind("<Configure>", lambda _e: self.canvas.configure(
            scrollregion=self.canvas.bbox("all")))
        self.canvas.bind("<Configure>", lambda e: self.canvas.itemconfigure(
            self._window, width=e.width))
        self.scrollable(self.canvas)
        self.scrollable(self.inner)

    def scrollable(self, widget) -> None:
        """Wheel and finger-drag scroll the form (drag only on labels and background, so
        that dragging in an entry still selects text)."""
        widget.bind("<Button-4>", lambda _e: self.canvas.yview_scroll(-2, "units"), add="+")
        widget.bind("<Button-5>", lambda _e: self.canvas.yview_scroll(2, "units"), add="+")
        widget.bind("<MouseWheel>", lambda e: self.canvas.yview_scroll(
            -2 if e.delta > 0 else 2, "units"), add="+")
        widget.bind("<ButtonPress-1>", lambda e: self.canvas.scan_mark(0, e.y_root), add="+")
        widget.bind("<B1-Motion>", lambda e: self.canvas.scan_dragto(0, e.y_root, gain=1),
                    add="+")

    def see(self, widget) -> None:
        """Scroll so that ``widget`` (inside the form) is in view."""
        self.inner.update_idletasks()
        total = max(self.inner.winfo_height(), 1)
        view = self.canvas.winfo_height()
        if total <= view:
            return
        top = widget.winfo_rooty() - self.inner.winfo_rooty()
        bottom = top + widget.winfo_height()
        first, last = self.canvas.yview()
        if top < first * total or bottom > last * total:
            self.canvas.yview_moveto(max(0.0, (top - 60) / total))

    # --- building ------------------------------------------------------------------------------

    def font(self, size, weight: str = "normal") -> tuple:
        """A size of :data:`SIZES` (or points), scaled to the screen."""
        points = SIZES[size] if isinstance(size, str) else size
        return font(max(8, round(points * self.scale)), weight)

    def px(self, pixels: int) -> int:
        return max(1, round(pixels * self.scale))

    def create_declarants(self, declarants, on_declarant) -> None:
        """One touch instead of typing one's own data a second time."""
        row = tk.Frame(self.inner, background=BG)
        row.pack(fill="x", padx=12, pady=(10, 0))
        self.scrollable(row)
        tk.Label(row, text=_("Bạn là cha hoặc mẹ của cháu? Chạm để điền sẵn thông tin của "
                             "bạn từ thẻ căn cước:"), font=self.font("label"), bg=BG,
                 fg=NAVY, anchor="w", justify="left", wraplength=self.px(900)).pack(fill="x")
        self.declarant = tk.IntVar(master=row, value=-1)
        buttons = tk.Frame(row, background=BG)
        buttons.pack(fill="x", pady=(4, 0))
        for index, label in declarants:
            button = tk.Radiobutton(buttons, text=label, value=index, variable=self.declarant,
                                    font=self.font("entry", "bold"), indicatoron=False,
                                    selectcolor=PRESSED, bg=FIELD_BG, fg=NAVY, padx=18,
                                    pady=8, relief="raised", bd=2, takefocus=0,
                                    command=lambda i=index: on_declarant(i))
            button.pack(side="left", padx=(0, 10))
            self.declarant_buttons[index] = button

    def create_section(self, section, values: dict) -> None:
        heading = tk.Label(self.inner, text=section.title, font=self.font("heading", "bold"),
                           bg=BG, fg=NAVY, anchor="w")
        heading.pack(fill="x", padx=12, pady=(14, 2))
        self.scrollable(heading)
        grid = tk.Frame(self.inner, background=BG)
        grid.pack(fill="x", padx=12)
        self.scrollable(grid)
        for c in range(COLUMNS):
            grid.grid_columnconfigure(c, weight=1, uniform="field")
        slot = 0
        for field in section.fields:
            wide = field.type == "textarea" or (field.type == "choice"
                                                and len(field.choices) > 2)
            if wide and slot % COLUMNS:
                slot += COLUMNS - slot % COLUMNS
            cell = self.create_field(grid, field, values.get(field.name, field.default))
            cell.grid(row=slot // COLUMNS, column=slot % COLUMNS,
                      columnspan=COLUMNS if wide else 1, sticky="nwe", padx=(0, 18), pady=4)
            slot += COLUMNS if wide else 1

    def create_field(self, parent, field, value: str) -> tk.Frame:
        cell = tk.Frame(parent, background=BG)
        self.scrollable(cell)
        text = field.label + (" *" if field.required else "")
        label = tk.Label(cell, text=text, font=self.font("label"), bg=BG, fg=NAVY,
                         anchor="w", justify="left", wraplength=self.px(600))
        label.pack(fill="x")
        self.scrollable(label)
        self.field_labels[field.name] = label
        self.cells[field.name] = cell
        self.create_input(cell, field, value or "")
        if field.help:
            help_label = tk.Label(cell, text=field.help, font=self.font("help"), bg=BG,
                                  fg=GREY, anchor="w", justify="left", wraplength=self.px(600))
            help_label.pack(fill="x")
            self.scrollable(help_label)
            self._help_labels[field.name] = help_label
        error = tk.Label(cell, text="", font=self.font("error", "bold"), bg=BG, fg=RED,
                         anchor="w", justify="left", wraplength=self.px(600))
        self.error_labels[field.name] = error  # packed by show_errors
        return cell

    def create_input(self, cell, field, value: str) -> None:
        kind = field.type
        if kind == "textarea":
            box = tk.Text(cell, height=3, width=60, wrap="word", font=self.font("entry"),
                          bg=FIELD_BG, relief="solid", bd=1, undo=True)
            box.insert("1.0", value)
            box.edit_modified(False)
            box.bind("<<Modified>>", lambda _e, b=box: self._text_modified(b), add="+")
            self._typed_into(box)
            box.pack(fill="x", pady=(2, 0))
            self.widgets[field.name] = box
        elif kind == "choice" and len(field.choices) <= MAX_TOGGLES:
            var = tk.StringVar(master=cell, value=value if value in field.choices else "")
            row = tk.Frame(cell, background=BG)
            row.pack(fill="x", pady=(2, 0))
            buttons = {}
            for choice in field.choices:
                button = tk.Radiobutton(row, text=choice, value=choice, variable=var,
                                        font=self.font("entry", "bold"), indicatoron=False,
                                        selectcolor=PRESSED, bg=FIELD_BG, fg=NAVY, padx=18,
                                        pady=8, relief="raised", bd=2, takefocus=0)
                index = len(buttons)
                button.grid(row=index // TOGGLES_PER_ROW, column=index % TOGGLES_PER_ROW,
                            sticky="we", padx=(0, 8), pady=(0, 6))
                buttons[choice] = button
            var.trace_add("write", lambda *_a: self.changed())
            self.variables[field.name] = var
            self.choice_buttons[field.name] = buttons
            self.widgets[field.name] = row
        elif kind == "choice":
            var = tk.StringVar(master=cell, value=value if value in field.choices else "")
            box = ttk.Combobox(cell, textvariable=var, values=list(field.choices),
                               state="readonly", font=self.font("entry"), height=10)
            box.pack(fill="x", pady=(2, 0), ipady=6)
            if self.keyboard is not None:
                self._touch_list(box)
            var.trace_add("write", lambda *_a: self.changed())
            self.variables[field.name] = var
            self.widgets[field.name] = box
        elif kind == "checkbox":
            var = tk.StringVar(master=cell, value="1" if value == "1" else "")
            box = tk.Checkbutton(cell, text=_("Có"), variable=var, onvalue="1", offvalue="",
                                 font=self.font("entry", "bold"), indicatoron=False,
                                 selectcolor=PRESSED, bg=FIELD_BG, fg=NAVY, padx=18, pady=8,
                                 relief="raised", bd=2, takefocus=0)
            box.pack(anchor="w", pady=(2, 0))
            var.trace_add("write", lambda *_a: self.changed())
            self.variables[field.name] = var
            self.widgets[field.name] = box
        else:
            row = tk.Frame(cell, background=BG)
            row.pack(fill="x", pady=(2, 0))
            var = tk.StringVar(master=cell, value=value)
            entry = tk.Entry(row, textvariable=var, font=self.font("entry"), bg=FIELD_BG,
                             relief="solid", bd=1, width=ENTRY_WIDTH.get(kind, 30))
            entry.pack(side="left", fill="x" if kind == "text" else None,
                       expand=kind == "text", ipady=6)
            if kind == "date":
                tk.Label(row, text=_("ngày/tháng/năm, ví dụ 05/09/2026"), font=self.font(12),
                         bg=BG, fg=GREY).pack(side="left", padx=(10, 0))
            var.trace_add("write", lambda *_a: self.changed())
            self._typed_into(entry)
            self.variables[field.name] = var
            self.widgets[field.name] = entry

    @staticmethod
    def _touch_list(box) -> None:
        """The drop-down list (54 ethnic groups) in the field's large font, for a finger:
        its listbox is Tk's own (ttk::combobox::PopdownWindow), made on first use."""
        try:
            popdown = box.tk.call("ttk::combobox::PopdownWindow", box)
            box.tk.call(f"{popdown}.f.l", "configure", "-font", box.cget("font"))
        except tk.TclError:  # another Tk without that internal name: the plain list
            pass

    def _typed_into(self, widget) -> None:
        widget.bind("<FocusIn>", lambda _e, w=widget: self.on_focus(w), add="+")

    def on_focus(self, widget) -> None:
        if self.keyboard is not None:
            self.keyboard.attach(widget)
        self.see(widget)

    def _text_modified(self, box: tk.Text) -> None:
        if box.edit_modified():
            box.edit_modified(False)
            self.changed()

    def changed(self) -> None:
        if not self._loading and self.on_change is not None:
            self.on_change()

    # --- values and errors -------------------------------------------------------------------

    def values(self) -> dict[str, str]:
        out = {}
        for name, widget in self.widgets.items():
            if self._types[name] == "textarea":
                out[name] = widget.get("1.0", "end-1c")
            else:
                out[name] = self.variables[name].get()
        return out

    def set_value(self, name: str, value: str) -> None:
        widget = self.widgets[name]
        if self._types[name] == "textarea":
            widget.delete("1.0", "end")
            widget.insert("1.0", value)
        else:
            self.variables[name].set(value)

    def show_errors(self, errors: dict[str, str]) -> None:
        """Each field's sentence in red under it (an empty dict clears them); the first
        field at fault is scrolled into view and, when it takes text, focused."""
        first = None
        for field in self.form.fields:
            label = self.error_labels[field.name]
            message = errors.get(field.name, "")
            label.configure(text=message)
            if message:
                # right under the box, above the help text: where the eye already is
                helper = self._help_labels.get(field.name)
                if helper is not None:
                    label.pack(fill="x", before=helper)
                else:
                    label.pack(fill="x")
                self.field_labels[field.name].configure(fg=RED)
                first = first or field.name
            else:
                label.pack_forget()
                self.field_labels[field.name].configure(fg=NAVY)
        if first is not None:
            widget = self.widgets[first]
            self.see(self.cells[first])
            if widget.winfo_class() in ("Entry", "Text"):
                widget.focus_set()
                if self.keyboard is not None:
                    self.keyboard.attach(widget)

    def focus_first_empty(self) -> None:
        """Put the cursor in the first empty text field (where the citizen starts typing)."""
        values = self.values()
        for field in self.form.fields:
            widget = self.widgets[field.name]
            if widget.winfo_class() in ("Entry", "Text") and not values[field.name]:
                widget.focus_set()
                if self.keyboard is not None:
                    self.keyboard.attach(widget)
                return


class FormEditor:
    """The counter's window to fill or correct a dossier's declaration form (a dossier
    received on paper, or a kiosk form the citizen got wrong), then print it for
    signature. The clerk types on the real keyboard: no on-screen keyboard here."""

    def __init__(self, parent, shell, reference: str, *, on_saved=None):
        from sadec_desk.views.widgets import MessageBar

        self.shell, self.ctx, self.reference = shell, shell.ctx, reference
        self.on_saved = on_saved
        self.view = None
        self.window = tk.Toplevel(parent, background=BG)
        self.window.title(_("Tờ khai của hồ sơ {code}").format(code=reference))
        self.window.geometry("1280x720")
        self.title = tk.Label(self.window, text=_("Đang mở tờ khai…"), font=font(15, "bold"),
                              bg=BG, fg=NAVY, anchor="w", justify="left", wraplength=1200)
        self.title.pack(fill="x", padx=12, pady=(8, 0))
        self.subtitle = tk.Label(self.window, text="", font=font(11), bg=BG, fg=GREY,
                                 anchor="w")
        self.subtitle.pack(fill="x", padx=12)
        bar = tk.Frame(self.window, background=BG)
        bar.pack(side="bottom", fill="x", padx=12, pady=8)
        self.message = MessageBar(bar, wraplength=800)
        self.message.pack(side="left", fill="x", expand=True)
        self.close_button = ttk.Button(bar, text=_("Đóng"), command=self.close)
        self.close_button.pack(side="right", padx=(8, 0))
        self.print_button = ttk.Button(bar, text=_("In tờ khai"), command=self.on_print,
                                       state="disabled")
        self.print_button.pack(side="right", padx=(8, 0))
        self.save_button = ttk.Button(bar, text=_("Lưu tờ khai"), command=self.on_save,
                                      state="disabled")
        self.save_button.pack(side="right")
        self.body = tk.Frame(self.window, background=BG)
        self.body.pack(fill="both", expand=True)
        self.window.protocol("WM_DELETE_WINDOW", self.close)
        self.shell.tasks.submit(self._load, on_done=self.on_loaded, on_error=self.on_error)

    def _load(self):
        from sadec_desk.services.reception import eforms

        return eforms.form_to_fill(self.ctx, self.reference), eforms.form_of(
            self.ctx, self.reference) is not None

    def on_loaded(self, result) -> None:
        if not self.window.winfo_exists():
            return
        (form, values), saved = result
        self.title.configure(text=form.title)
        self.subtitle.configure(text=_("Hồ sơ {code} · {procedure} · biểu mẫu {form}, phiên "
                                       "bản {version}").format(
            code=self.reference, procedure=form.procedure_name, form=form.form_id,
            version=form.version))
        self.view = FormView(self.body, form, values, on_change=self.message.clear)
        self.view.frame.pack(fill="both", expand=True)
        self.save_button.configure(state="normal")
        self.print_button.configure(state="normal" if saved else "disabled")
        if not saved:
            self.message.show(_("Hồ sơ chưa có tờ khai điện tử: kiểm tra các ô điền sẵn từ thẻ "
                                "căn cước, điền các ô còn lại rồi bấm «Lưu tờ khai»."))

    def on_save(self) -> None:
        if self.view is None:
            return
        self.save_button.configure(state="disabled")
        self.shell.tasks.submit(self._save, self.view.values(), on_done=self.on_saved_result,
                                on_error=self.on_error)

    def _save(self, values: dict[str, str]):
        from sadec_desk.services.reception import eforms

        errors = eforms.check_for(self.ctx, self.reference, values)
        if errors:
            return errors
        return eforms.update_form(self.ctx, self.reference, values)

    def on_saved_result(self, result) -> None:
        if not self.window.winfo_exists():
            return
        self.save_button.configure(state="normal")
        if isinstance(result, dict):
            self.view.show_errors(result)
            self.message.show(_("Còn {n} ô cần sửa (chữ đỏ dưới ô).").format(n=len(result)),
                              "error")
            return
        self.view.show_errors({})
        self.print_button.configure(state="normal")
        self.message.show(_("Đã lưu tờ khai của hồ sơ {code}.").format(
            code=result.dossier_code), "ok")
        if self.on_saved is not None:
            self.on_saved(result)

    def on_print(self) -> None:
        from sadec_desk.services.reception import eforms

        self.message.show(_("Đang in tờ khai…"))
        self.shell.tasks.submit(eforms.print_declaration, self.ctx, self.reference,
                                on_done=self.on_printed, on_error=self.on_error)

    def on_printed(self, result) -> None:
        if self.window.winfo_exists():
            kind = {"printed": "ok", "saved": "info"}.get(result.status, "warning")
            self.message.show(result.message, kind)

    def on_error(self, message: str) -> None:
        if self.window.winfo_exists():
            self.save_button.configure(state="normal" if self.view is not None else "disabled")
            self.message.show(message, "error")

    def close(self) -> None:
        if self.window.winfo_exists():
            self.window.destroy()
