"""How the citizen wants the result (issue #15): at the office or by public post
(QĐ 45/2016/QĐ-TTg) — chosen at reception, kept on the dossier, printed on the receipt."""

import pytest
from appfixtures import SAMPLE_QR, make_ctx
from appfixtures import run_cli as run
from appfixtures import run_cli_json as run_json

from sadec_desk.errors import InvalidInput
from sadec_desk.printers.profiles import get_profile
from sadec_desk.services.printing import slips
from sadec_desk.services.reception import dossiers


def test_the_choice_is_kept_and_printed_on_the_receipt():
    ctx = make_ctx()
    by_post = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR,
                                       result_delivery="post")
    at_desk = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)
    assert dossiers.get_dossier(ctx, by_post.code).result_delivery == "post"
    assert at_desk.result_delivery == "office"  # the default, as every receipt before
    data = slips.receipt_data(ctx, by_post)
    assert data["result_delivery"] == "Qua bưu chính công ích"
    assert slips.receipt_data(ctx, at_desk)["result_delivery"] == "Tại Bộ phận một cửa"
    drawn = slips.render_job(ctx, "receipt", data, get_profile("generic-80")).texts
    assert "Qua bưu chính công ích" in drawn and "Nhận kết quả" in " ".join(drawn)
    assert any("gửi qua bưu chính" in t for t in drawn)  # not "come and collect"
    assert not any("mang theo giấy này" in t for t in drawn)
    at_desk_drawn = slips.render_job(ctx, "receipt", slips.receipt_data(ctx, at_desk),
                                     get_profile("generic-80")).texts
    assert any("mang theo giấy này" in t for t in at_desk_drawn)
    with pytest.raises(InvalidInput, match="Cách nhận kết quả"):
        dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR,
                                 result_delivery="drone")
    ctx.close()


def test_cli_receive_takes_delivery(capsys):
    make_ctx().close()
    data = run_json(capsys, "dossier", "receive", "--procedure", "1.001193", "--qr", SAMPLE_QR,
                    "--delivery", "post")
    assert data["result_delivery"] == "post"
    code, out, _err = run(capsys, "dossier", "show", data["code"])
    assert code == 0 and "bưu chính công ích" in out
    with pytest.raises(SystemExit) as stop:  # argparse: usage and the choices, exit 2
        run(capsys, "dossier", "receive", "--procedure", "1.001193", "--qr", SAMPLE_QR,
            "--delivery", "ship")
    assert stop.value.code == 2 and "office" in capsys.readouterr().err


def test_the_receive_form_passes_the_choice_and_refuses_nonsense():
    from sadec_desk.services.reception import intake

    ctx = make_ctx()
    info = intake.receive_from_form(ctx, qr_text=SAMPLE_QR, procedure_code="1.001193",
                                    result_delivery="post")
    assert info.result_delivery == "post"
    with pytest.raises(InvalidInput, match="bưu chính công ích"):
        intake.receive_from_form(ctx, qr_text=SAMPLE_QR, procedure_code="2.000815",
                                 result_delivery="<script>")
    ctx.close()
