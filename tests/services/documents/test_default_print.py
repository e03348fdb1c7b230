"""A5 forms without an office printer (issue #17 item 5): the default printer (a private
CUPS scheduler on 127.0.0.1) or the pages shown in the app."""

from __future__ import annotations

import shutil

import pytest
from appfixtures import SAMPLE_QR, make_ctx
from cupsserver import CupsServer, cups_server  # noqa: F401 (the fixture)

from sadec_desk.errors import InvalidInput
from sadec_desk.services.documents import default_print, office_forms
from sadec_desk.services.reception import dossiers

pytestmark = pytest.mark.skipif(not shutil.which("pdftoppm"),
                                reason="poppler-utils (pdftoppm) is not installed")


def saved_form(clock):
    ctx = make_ctx(clock, printing__timeout_seconds=2)
    info = dossiers.receive_dossier(ctx, procedure_code="2.000635", qr_text=SAMPLE_QR)
    result = office_forms.print_form_for(ctx, info.code, "01")
    assert result.status == "saved"
    return ctx, result.path


def test_the_pages_of_a_saved_form_are_shown_and_no_other_file(clock, tmp_path):
    ctx, path = saved_form(clock)
    pages = default_print.preview_pages(ctx, path, width=300)
    assert len(pages) == 1 and pages[0].startswith(b"\x89PNG")
    other = tmp_path / "bi-mat.pdf"
    other.write_bytes(open(path, "rb").read())
    for bad in (str(other), "/etc/passwd", str(tmp_path / "khong-co.pdf")):
        with pytest.raises(InvalidInput):
            default_print.preview_pages(ctx, bad)
    ctx.close()


def test_the_default_printer_gets_the_form_or_a_sentence(clock, cups_server,  # noqa: F811
                                                        monkeypatch):
    ctx, path = saved_form(clock)
    with cups_server.raw_queue("VanPhong", monkeypatch) as printer:
        with pytest.raises(InvalidInput, match="chưa có máy in mặc định"):
            default_print.print_on_default_printer(ctx, path)
        cups_server.run("lpadmin", "-d", "VanPhong")
        message = default_print.print_on_default_printer(ctx, path)
        assert "máy in mặc định VanPhong" in message
        [job] = printer.wait_for_jobs(1, timeout=20)
        assert job.startswith(b"%PDF")
    ctx.close()
