"""Every kiosk screen fits 1366×740, 1920×1080 and a 1080×1920 portrait screen, with its
fonts grown or shrunk to the screen (issue #17 item 3, the kiosk's part), walked as a
citizen would: tickets, "Chạm để biết" with its keyboard, the rating, a whole submission
with the USB list and the questions.

With ``SADEC_KIOSK_SHOTS=<folder>`` each screen is also saved as a PNG (run Xvfb with a
screen at least 1920×1920 for the portrait pictures).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from appfixtures import SAMPLE_QR
from guikit import sign_in_clerk
from layout_check import outside
from PIL import Image, ImageDraw
from usbsticks import usb_stick

from sadec_desk.services.kiosk import submission
from sadec_desk.services.queue import tickets
from sadec_desk.views.kiosk import scale
from sadec_desk.views.kiosk.submission import STEP_CARD, STEP_FORM, STEP_PAPERS, STEP_REVIEW

SIZES = {"1366x740": (1366, 740), "1920x1080": (1920, 1080), "1080x1920": (1080, 1920)}
BIRTH = "1.001193"
REST = {"req_relation": "Mẹ", "child_name": "Nguyễn Ngọc Hân", "child_birth_date": "20/11/2026",
        "child_gender": "Nữ", "child_ethnicity": "Kinh",
        "child_birth_place": "Bệnh viện Đa khoa Sa Đéc", "child_hometown": "Sa Đéc, Đồng Tháp",
        "mother_name": "Nguyễn Thị Hoa", "mother_birth_date": "21/03/2003",
        "mother_ethnicity": "Kinh", "mother_residence": "Phường 1, Sa Đéc"}


def page_png(seed: int) -> bytes:
    image = Image.new("L", (620, 860), 250)
    draw = ImageDraw.Draw(image)
    for i in range(14):
        draw.rectangle((40, 80 + i * 50, 260 + (i * 41 + seed * 67) % 300, 94 + i * 50),
                       fill=20)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


class Walk:
    def __init__(self, window, size: str):
        self.window, self.size = window, size
        self.found: list[str] = []
        shots = os.environ.get("SADEC_KIOSK_SHOTS")
        self.shots = Path(shots) / size if shots else None
        self.count = 0

    def check(self, what: str) -> None:
        self.window.update_idletasks()
        self.window.update()
        self.found += [f"{what} at {self.size}: {line}" for line in outside(self.window)]
        if self.shots is not None:
            from sadec_desk.tools.screenshots import grab

            self.count += 1
            grab(self.window, self.shots / f"{self.count:02d}-{what.replace(' ', '-')}.png")

    def assert_none(self) -> None:
        assert not self.found, "\n".join(self.found)


@pytest.mark.parametrize("size", list(SIZES))
def test_every_kiosk_screen_fits_its_screen(shell, ctx, size, tmp_path, monkeypatch):
    width, height = SIZES[size]
    stick = usb_stick(tmp_path, monkeypatch)
    for n in range(8):
        (stick / f"giay-chung-sinh-trang-{n + 1}.png").write_bytes(page_png(n))
    monkeypatch.setitem(ctx.config.values, "office.name", "UBND phường 1, thành phố Sa Đéc")
    sign_in_clerk(shell, ctx)
    shell.on_open_kiosk()
    k = shell.kiosk
    assert shell.tasks.pump(until=lambda: bool(getattr(k, "group_buttons", None)))
    k.window.geometry(f"{width}x{height}+0+0")
    k.window.update()
    shell.tasks.pump()
    # the fonts follow the screen: bigger on the TV-sized screen, smaller in portrait
    design = (1100, 1400) if height > width else (1366, 768)
    expected = min(width / design[0], height / design[1])
    assert scale.factor() == pytest.approx(expected, abs=0.01)
    assert scale.portrait() == (height > width)
    walk = Walk(k.window, size)
    walk.check("start")
    for _n in range(4):
        tickets.take_ticket(ctx, "A", print_ticket=False)
    k.group_buttons["A"].invoke()
    assert shell.tasks.pump(until=lambda: getattr(k, "waiting_label", None) is not None
                            and k.waiting_label.winfo_exists())
    walk.check("ticket")
    k.show_start()
    k.lookup_button.invoke()
    assert shell.tasks.pump(until=lambda: bool(getattr(k, "procedure_buttons", None)))
    walk.check("lookup")
    k.lookup_entry.event_generate("<FocusIn>")
    assert k.lookup_keyboard is not None
    walk.check("lookup typing")
    k.procedure_buttons[next(iter(k.procedure_buttons))].invoke()
    assert shell.tasks.pump(until=lambda: getattr(k, "fee_label", None) is not None
                            and k.fee_label.winfo_exists())
    walk.check("procedure card")
    k.ask_more_time()
    walk.check("more time question")
    k.dismiss_prompt()
    k.show_rating(None)
    walk.check("rating")
    k.show_thanks("Cảm ơn bạn đã đánh giá: Rất hài lòng.")
    walk.check("thanks")

    k.show_start()
    k.submit_button.invoke()
    flow = k.submission
    assert shell.tasks.pump(until=lambda: BIRTH in getattr(flow, "procedure_buttons", {})
                            and flow.draft is not None)
    walk.check("submission procedure")
    flow.procedure_search.event_generate("<FocusIn>")
    walk.check("submission procedure typing")
    flow.procedure_query.set("khai sinh")
    flow.procedure_buttons[BIRTH].invoke()
    assert shell.tasks.pump(until=lambda: flow.step == STEP_CARD)
    walk.check("submission card")
    flow.manual_button.invoke()
    walk.check("submission typed card")
    flow.back_button.invoke()
    k.on_scan(SAMPLE_QR)
    assert shell.tasks.pump(until=lambda: flow.step == STEP_FORM and flow.form_view)
    walk.check("submission form")
    for name, value in REST.items():
        flow.form_view.set_value(name, value)
    flow.next_button.invoke()
    assert shell.tasks.pump(until=lambda: flow.step == STEP_PAPERS)
    walk.check("submission papers")
    flow.paper_rows[1]["file"].invoke()
    picker = flow.usb_picker
    assert shell.tasks.pump(until=lambda: picker.file_buttons)
    walk.check("submission usb list")
    picker.file_buttons["giay-chung-sinh-trang-1.png"].invoke()
    assert shell.tasks.pump(until=lambda: len(flow.paper_rows[1]["strip"].images) == 1)
    walk.check("submission papers with a page")
    flow.cancel_button.invoke()
    walk.check("submission cancel question")
    flow.prompt.buttons["Không, làm tiếp"].invoke()
    flow.next_button.invoke()
    assert shell.tasks.pump(until=lambda: flow.step == STEP_REVIEW)
    walk.check("submission review")
    flow.on_idle()
    walk.check("submission more time question")
    flow.prompt.buttons["Còn, tôi làm tiếp"].invoke()
    flow.next_button.invoke()
    assert shell.tasks.pump(until=lambda: getattr(flow, "code_label", None) is not None
                            and flow.code_label.winfo_exists(), timeout=30)
    walk.check("submission receipt")
    assert submission.STALE_DRAFT_AGE  # (the module is the flow's service)
    k.close()
    walk.assert_none()
