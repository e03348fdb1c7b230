"""``sadec-desk dossier find`` (issue #16 item 1): the search service from the command line."""

from __future__ import annotations

from datetime import timedelta

from appfixtures import OTHER_QR, SAMPLE_QR, Clock, make_ctx, run_cli, run_cli_json

from sadec_desk.services.reception import dossiers


def _two_dossiers():
    clock = Clock()
    ctx = make_ctx(clock)
    try:
        first = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=OTHER_QR)
        clock.moment += timedelta(days=1)
        second = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=OTHER_QR,
                                          phone="0912345678")
        dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)
        dossiers.advance_dossier(ctx, first.code, "processing")
        return first.code, second.code
    finally:
        ctx.close()


def test_find_by_name_phone_id_with_filters_as_json_and_text(capsys):
    first, second = _two_dossiers()
    found = run_cli_json(capsys, "dossier", "find", "TRAN van duc")
    assert [d["code"] for d in found] == [second, first]
    assert found[0]["citizen"]["full_name"] == "Trần Văn Đức"
    # the command line's records are whole: papers received and history
    assert found[0]["papers"] and [e["kind"] for e in found[1]["events"]] == [
        "received", "status"]
    # the phone given with the second is the citizen's now: both of theirs are found
    assert [d["code"] for d in run_cli_json(capsys, "dossier", "find", "0912 345 678")] == [
        second, first]
    assert [d["code"] for d in run_cli_json(capsys, "dossier", "find", "087099001234",
                                            "--limit", "1")] == [second]
    assert [d["code"] for d in run_cli_json(capsys, "dossier", "find", "duc", "--status",
                                            "processing")] == [first]
    assert [d["code"] for d in run_cli_json(capsys, "dossier", "find", "duc", "--from",
                                            "27/11/2026", "--to", "2026-11-27")] == [second]
    code, out, _err = run_cli(capsys, "dossier", "find", "van duc")
    assert code == 0 and out.splitlines()[0].startswith(second) and "Trần Văn Đức" in out
    code, out, _err = run_cli(capsys, "dossier", "find", "100%")
    assert code == 0 and "Không tìm thấy hồ sơ nào." in out


def test_bad_input_is_a_sentence_with_exit_2(capsys):
    _two_dossiers()
    for argv, words in ((["dossier", "find", "duc", "--from", "2026-13-01"], "ngày hợp lệ"),
                        (["dossier", "find", "duc", "--limit", "0"], "từ 1 đến 1000"),
                        (["dossier", "find", " "], "Nhập mã hồ sơ")):
        code, out, err = run_cli(capsys, *argv)
        assert code == 2, (argv, out, err)
        assert words in err and "Traceback" not in err
