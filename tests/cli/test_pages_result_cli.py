"""sadec-desk pages add-result (issue #15 item 4) and its line in 'pages list'."""

from __future__ import annotations

from appfixtures import AGENCY, SAMPLE_QR, run_cli, run_cli_json
from resultsamples import make_pdf


def test_add_result_lists_it_and_refuses_bad_input_with_a_sentence(capsys, tmp_path):
    run_cli_json(capsys, "init", "--agency-code", AGENCY, "--office-name", "UBND xã Tân Khánh")
    code = run_cli_json(capsys, "dossier", "receive", "--procedure", "1.001193", "--qr",
                        SAMPLE_QR)["code"]
    pdf = tmp_path / "trich-luc.pdf"
    pdf.write_bytes(make_pdf())
    # received only: not yet
    status, _out, err = run_cli(capsys, "pages", "add-result", code, str(pdf))
    assert status == 2 and "chỉ đính kèm kết quả khi hồ sơ đang xử lý" in err
    run_cli_json(capsys, "dossier", "advance", code, "--to", "processing")
    status, out, err = run_cli(capsys, "pages", "add-result", code, str(pdf),
                               "--name", "Trích lục khai sinh")
    assert status == 0, err
    assert "Đã đính kèm kết quả «Trích lục khai sinh»" in out
    status, out, _err = run_cli(capsys, "pages", "list", code)
    assert status == 0 and "Kết quả đã đính kèm:" in out and "Trích lục khai sinh" in out
    # a file that is not a PDF or an image, a missing file, a directory: sentences, exit 1
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.4 nothing here")
    for path in (junk, tmp_path / "none.pdf", tmp_path):
        status, _out, err = run_cli(capsys, "pages", "add-result", code, str(path))
        assert status == 2 and "Traceback" not in err and str(path) in err
    second = tmp_path / "ban-sao.pdf"
    second.write_bytes(make_pdf("BẢN SAO"))
    info = run_cli_json(capsys, "pages", "add-result", code, str(second), "--name", "Bản sao")
    assert info["name"] == "Bản sao" and info["media_type"] == "application/pdf"
