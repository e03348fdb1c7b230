"""The IT office tab makes the A4 QR poster (issue #8 item 6) with the saved address."""

from __future__ import annotations

import subprocess
from pathlib import Path

from guikit import sign_in_it

from sadec_desk.adapters.qr_image import decode_qr_image


def test_it_office_tab_makes_the_poster_with_the_saved_procedure_address(shell, ctx,
                                                                          tmp_path):
    tab = sign_in_it(shell, ctx, tab="office").office
    tab.procedure_url.delete(0, "end")
    tab.procedure_url.insert(0, "https://dvc.dongthap.gov.vn/thu-tuc?ma={code}")
    tab.winfo_children()[2].grid_slaves(row=11, column=1)[0].invoke()
    assert shell.tasks.pump(until=lambda: tab.message.text == "Đã lưu các địa chỉ.")
    tab.poster_button.invoke()
    assert shell.tasks.pump(until=lambda: "poster" in tab.message.text)
    assert tab.message.kind == "ok", tab.message.text
    path = ctx.config.data_dir / "poster" / "poster-ma-qr.pdf"
    assert str(path) in tab.message.text and "13 mã QR" in tab.message.text
    # the codes open the address just saved, not the default one
    subprocess.run(["pdftoppm", "-r", "150", "-gray", "-png", str(path),
                    str(tmp_path / "p")], check=True, timeout=120)
    urls = {qr.text for png in Path(tmp_path).glob("p-*.png") for qr in decode_qr_image(png)}
    assert "https://dvc.dongthap.gov.vn/thu-tuc?ma=1.001193" in urls and len(urls) == 13
