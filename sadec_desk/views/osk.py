"""The kiosk's on-screen Vietnamese keyboard (issue #8): big keys for a touch screen.

Letters with diacritics need no Telex or VNI: the citizen taps the letters, then a mark
key (sắc, huyền, hỏi, ngã, nặng; â ê ô, ă, ơ ư, đ), which goes onto the right vowel of
the word before the cursor (rules in :mod:`sadec_desk.domain.vn_keys`, reached through
:mod:`sadec_desk.services.kiosk.vietnamese_typing`); tapping the same mark again removes
it. The keyboard types into the entry or text box that last had the focus in its window
(a form calls :meth:`OnScreenKeyboard.attach` as a field gets the focus). Keys are plain
Tk buttons: they act on release, like a touch, and never take the focus away from the
field.
"""

from __future__ import annotations

import tkinter as tk

from sadec_desk.i18n import _
from sadec_desk.services.kiosk import vietnamese_typing
from sadec_desk.views.widgets import font

BG = "#f4f7fb"
NAVY = "#0b3d6b"
KEY_BG = "white"
MARK_BG = "#ede7f6"
SPECIAL_BG = "#cfd8dc"
PRESSED = "#ffd54f"
FLASH_BG = "#ef9a9a"
FLASH_MS = 350
# px: a fingertip (~17 x 14 mm on a 21" 1366x768 screen); the whole keyboard is ~1200 px
# wide so it fits the kiosk's content area beside its margins
KEY_SIZE = 66
ROW_SIZE = 50
ROWS = ("1234567890/", "qwertyuiop-", "asdfghjkl',", "zxcvbnm.")
#: (mark, label): the label shows the mark on an example letter and names it
MARK_KEYS = (
    ("acute", lambda: _("á\nsắc")), ("grave", lambda: _("à\nhuyền")),
    ("hook", lambda: _("ả\nhỏi")), ("tilde", lambda: _("ã\nngã")),
    ("dot", lambda: _("ạ\nnặng")), ("stroke", lambda: _("đ")),
    ("circumflex", lambda: _("â ê ô")), ("breve", lambda: _("ă")),
    ("horn", lambda: _("ơ ư")),
)
TEXT_CLASSES = frozenset({"Entry", "TEntry", "Text", "Spinbox", "TSpinbox"})
SHIFT_OFF, SHIFT_ONCE, SHIFT_LOCK = 0, 1, 2


class OnScreenKeyboard:
    """``scale`` grows or shrinks the keys with the kiosk's screen; ``stacked`` puts the
    mark keys under the letters (a portrait screen is too narrow for them side by side)."""

    def __init__(self, parent, *, on_key=None, scale: float = 1.0, stacked: bool = False):
        self.on_key = on_key
        self.scale = scale
        self.stacked = stacked
        self.target = None
        self.shift = SHIFT_OFF
        self._flash_jobs: dict[str, str] = {}
        self.frame = tk.Frame(parent, background=BG)
        #: key name -> button ("a", "1", "space", "backspace", "shift", "acute", ...)
        self.keys: dict[str, tk.Button] = {}
        self.create_letters()
        self.create_marks()
        self.frame.bind("<Destroy>", self._on_destroy, add="+")

    # --- building -------------------------------------------------------------------------

    def _key(self, parent, name: str, text: str, *, bg: str = KEY_BG, size: int = 19,
             weight: str = "bold", command=None) -> tk.Button:
        button = tk.Button(parent, text=text, font=font(self._px(size), weight), bg=bg,
                           fg=NAVY,
                           activebackground=PRESSED, activeforeground=NAVY, relief="raised",
                           bd=2, takefocus=0, padx=1, pady=0,
                           command=command or (lambda k=name: self.press(k)))
        self.keys[name] = button
        return button

    def _px(self, size: int) -> int:
        return max(8, round(size * self.scale))

    def create_letters(self) -> None:
        block = tk.Frame(self.frame, background=BG)
        block.pack(side="top" if self.stacked else "left", padx=(4, 10), pady=4)
        for r, row in enumerate(ROWS):
            for c, char in enumerate(row):
                self._key(block, char, char).grid(row=r, column=c + (1 if r == 3 else 0),
                                                  sticky="nsew", padx=2, pady=2)
        self._key(block, "backspace", "⌫", bg=SPECIAL_BG).grid(
            row=0, column=11, sticky="nsew", padx=2, pady=2)
        self._key(block, "shift", "⇧", bg=SPECIAL_BG, command=self.on_shift).grid(
            row=3, column=0, sticky="nsew", padx=2, pady=2)
        self._key(block, "space", _("dấu cách"), bg=KEY_BG, size=15).grid(
            row=3, column=9, columnspan=3, sticky="nsew", padx=2, pady=2)
        self._key(block, "enter", "↵", bg=SPECIAL_BG, command=self.on_enter).grid(
            row=1, column=11, rowspan=2, sticky="nsew", padx=2, pady=2)
        for c in range(12):
            block.grid_columnconfigure(c, minsize=self._px(KEY_SIZE), uniform="key")
        for r in range(4):
            block.grid_rowconfigure(r, minsize=self._px(ROW_SIZE), uniform="row")

    def create_marks(self) -> None:
        block = tk.Frame(self.frame, background=BG)
        block.pack(side="top" if self.stacked else "left", padx=(0, 4), pady=4, fill="y")
        tk.Label(block, text=_("Chữ có dấu: chạm chữ, rồi chạm dấu"), font=font(self._px(13)),
                 bg=BG, fg=NAVY).grid(row=0, column=0, columnspan=3, sticky="w")
        for i, (name, label) in enumerate(MARK_KEYS):
            # regular weight: in bold the tilde of "ã" looks like a macron at this size
            self._key(block, name, label(), bg=MARK_BG, size=15, weight="normal").grid(
                row=1 + i // 3, column=i % 3, sticky="nsew", padx=2, pady=2)
        for c in range(3):
            block.grid_columnconfigure(c, minsize=self._px(112), uniform="mark")
        for r in range(1, 4):
            block.grid_rowconfigure(r, minsize=self._px(ROW_SIZE), uniform="row")

    # --- the field being typed into ---------------------------------------------------------

    def attach(self, widget) -> None:
        """Type into ``widget`` (an Entry or Text) from now on."""
        self.target = widget

    def current_target(self):
        widget = self.target
        if widget is not None:
            try:
                if widget.winfo_exists():
                    return widget
            except tk.TclError:
                pass
            self.target = None
        try:
            widget = self.frame.focus_lastfor()
        except (tk.TclError, KeyError):
            return None
        if widget is not None and widget.winfo_class() in TEXT_CLASSES:
            return widget
        return None

    @staticmethod
    def _editable(widget) -> bool:
        try:
            return str(widget.cget("state")) not in ("disabled", "readonly")
        except tk.TclError:
            return False

    # --- keys -----------------------------------------------------------------------------

    def press(self, key: str) -> None:
        """What tapping ``key`` does (tests call it too, through the button's invoke)."""
        widget = self.current_target()
        done = widget is not None and self._editable(widget)
        if done:
            if key in vietnamese_typing.MARKS:
                done = self._mark(widget, key)
            elif key == "backspace":
                self._backspace(widget)
            else:
                self._insert(widget, " " if key == "space" else self._case(key))
            widget.focus_set()
        if not done:
            self.flash(key)
        if self.on_key is not None:
            self.on_key(key)

    def _case(self, char: str) -> str:
        if self.shift == SHIFT_OFF or not char.isalpha():
            return char
        if self.shift == SHIFT_ONCE:
            self.set_shift(SHIFT_OFF)
        return char.upper()

    def on_shift(self) -> None:
        self.set_shift((self.shift + 1) % 3)
        if self.on_key is not None:
            self.on_key("shift")

    def set_shift(self, state: int) -> None:
        """Off → one capital letter → all capitals (CAPS) → off."""
        self.shift = state
        button = self.keys["shift"]
        text = {SHIFT_OFF: "⇧", SHIFT_ONCE: "⇧ Aa", SHIFT_LOCK: "⇪ AA"}[state]
        button.configure(text=text, bg=SPECIAL_BG if state == SHIFT_OFF else PRESSED)
        for name, key in self.keys.items():
            if len(name) == 1 and name.isalpha():
                key.configure(text=name.upper() if state else name)

    def on_enter(self) -> None:
        """In a text box a new line; in an entry the next field (like Tab)."""
        widget = self.current_target()
        if widget is not None and widget.winfo_class() == "Text" and self._editable(widget):
            self._insert(widget, "\n")
            widget.focus_set()
        elif widget is not None:
            following = widget.tk_focusNext()
            if following is not None:
                following.focus_set()
                if following.winfo_class() in TEXT_CLASSES:
                    self.attach(following)
        if self.on_key is not None:
            self.on_key("enter")

    def flash(self, key: str) -> None:
        """A mark with nothing to go on: the key blinks instead of a silent no-op."""
        button = self.keys.get(key)
        if button is None:
            return
        normal = MARK_BG if key in vietnamese_typing.MARKS else KEY_BG
        button.configure(bg=FLASH_BG)
        old = self._flash_jobs.pop(key, None)
        if old:
            self.frame.after_cancel(old)
        self._flash_jobs[key] = self.frame.after(
            FLASH_MS, lambda: button.winfo_exists() and button.configure(bg=normal))

    # --- editing Entry and Text alike -------------------------------------------------------------

    @staticmethod
    def _delete_selection(widget) -> bool:
        try:
            if widget.winfo_class() == "Text":
                if widget.tag_ranges("sel"):
                    widget.delete("sel.first", "sel.last")
                    return True
            elif widget.selection_present():
                widget.delete("sel.first", "sel.last")
                return True
        except tk.TclError:
            pass
        return False

    def _insert(self, widget, text: str) -> None:
        self._delete_selection(widget)
        widget.insert("insert", text)

    def _backspace(self, widget) -> None:
        if self._delete_selection(widget):
            return
        if widget.winfo_class() == "Text":
            if widget.compare("insert", ">", "1.0"):
                widget.delete("insert -1c", "insert")
        else:
            cursor = widget.index("insert")
            if cursor > 0:
                widget.delete(cursor - 1, cursor)

    def _mark(self, widget, mark: str) -> bool:
        if widget.winfo_class() == "Text":
            before = widget.get("insert linestart", "insert")
        else:
            before = widget.get()[:widget.index("insert")]
        start, word = vietnamese_typing.last_word(before)
        new = vietnamese_typing.apply_mark(word, mark) if word else None
        if new is None:
            return False
        if widget.winfo_class() == "Text":
            widget.delete(f"insert -{len(word)}c", "insert")
        else:
            cursor = widget.index("insert")
            widget.delete(cursor - len(word), cursor)
        widget.insert("insert", new)
        return True

    def _on_destroy(self, event) -> None:
        if event.widget is self.frame:
            for job in self._flash_jobs.values():
                try:
                    self.frame.after_cancel(job)
                except tk.TclError:
                    pass
            self._flash_jobs.clear()
            self.target = None
