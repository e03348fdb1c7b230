"""sadec-desk pages add-result / remove-result (issue #15 item 4) and the results in
'pages list' (text and --json)."""

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
    listed = run_cli_json(capsys, "pages", "list", code)
    assert [(r["name"], r["media_type"]) for r in listed["results"]] == [
        ("Trích lục khai sinh", "application/pdf"), ("Bản sao", "application/pdf")]
    assert listed["papers"] and all("pages" in p for p in listed["papers"])
    first = listed["results"][0]["id"]
    status, out, _err = run_cli(capsys, "pages", "list", code)
    assert f"số {first}. Trích lục khai sinh" in out

    # a result attached by mistake is taken out, with the reason in the history
    gone = run_cli_json(capsys, "pages", "remove-result", code, str(info["id"]),
                        "--reason", "đính kèm nhầm")
    assert gone["name"] == "Bản sao"
    assert [r["name"] for r in run_cli_json(capsys, "pages", "list", code)["results"]] == [
        "Trích lục khai sinh"]
    history = run_cli_json(capsys, "dossier", "show", code)["events"]
    assert history[-1]["kind"] == "result_removed" and "đính kèm nhầm" in history[-1]["note"]
    status, _out, err = run_cli(capsys, "pages", "remove-result", code, str(info["id"]))
    assert status == 2 and f"không có giấy tờ kết quả số {info['id']}" in err
    # after the return, a sentence and nothing removed
    run_cli_json(capsys, "dossier", "advance", code, "--to", "done")
    run_cli_json(capsys, "dossier", "advance", code, "--to", "returned")
    status, out, err = run_cli(capsys, "pages", "remove-result", code, str(first))
    assert status == 2 and "đã trả kết quả cho công dân" in err
    assert len(run_cli_json(capsys, "pages", "list", code)["results"]) == 1
