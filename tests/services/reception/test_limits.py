"""Limits in the service layer (issue #18): whatever calls receive_dossier (the counter,
the kiosk, the CLI, a script), texts are bounded and clean, dates believable, and each
refusal names the field."""

from datetime import timedelta

import pytest
from appfixtures import SAMPLE_QR, vn

from sadec_desk.domain.cccd import parse_cccd_qr
from sadec_desk.errors import InvalidInput
from sadec_desk.services.access import as_machine
from sadec_desk.services.reception import citizens, dossiers


def receive(ctx, **kwargs):
    kwargs.setdefault("qr_text", SAMPLE_QR)
    return dossiers.receive_dossier(as_machine(ctx), procedure_code="1.004873", **kwargs)


def test_undecodable_bytes_in_a_qr_name_the_field(ctx):
    qr = SAMPLE_QR.replace("Nguyễn", "Nguy\udce1\udcbb\udc85n")
    with pytest.raises(InvalidInput, match="Họ tên.*UTF-8"):
        receive(ctx, qr_text=qr)
    with pytest.raises(InvalidInput, match="Họ tên.*UTF-8"):
        citizens.parse_citizen_qr(qr)


def test_a_huge_name_is_too_long_not_mangled(ctx):
    with pytest.raises(InvalidInput) as caught:
        receive(ctx, qr_text=SAMPLE_QR.replace("Nguyễn Thị Hoa", "Hoa " * 300))
    assert "Họ tên" in str(caught.value) and "máy quét" not in str(caught.value).lower()


def test_a_card_given_by_code_meets_the_same_limits(ctx):
    card = parse_cccd_qr(SAMPLE_QR)
    from dataclasses import replace
    with pytest.raises(InvalidInput, match="Địa chỉ"):
        receive(ctx, qr_text=None, card=replace(card, address="x" * 1_000_000))
    with pytest.raises(InvalidInput, match="Họ tên"):
        receive(ctx, qr_text=None, card=replace(card, full_name="Hoa\x1b[2J"))


def test_received_at_window(ctx, clock):
    with pytest.raises(InvalidInput, match="tương lai"):
        receive(ctx, received_at=clock.moment + timedelta(days=1))
    with pytest.raises(InvalidInput, match="ngày sinh"):
        receive(ctx, received_at=vn(2003, 3, 20, 9, 0))
    info = receive(ctx, received_at=clock.moment + timedelta(minutes=5))  # clock skew
    assert info.code


def test_notes_and_reasons_are_bounded_and_clean(ctx):
    info = receive(ctx)
    machine = as_machine(ctx)
    with pytest.raises(InvalidInput, match="Ghi chú"):
        dossiers.advance_dossier(machine, info.code, "refused", note="x" * 5000)
    with pytest.raises(InvalidInput, match="Lý do"):
        dossiers.reschedule_dossier(machine, info.code, info.due_at + timedelta(days=1),
                                    "trễ\x1b[0m")
    with pytest.raises(InvalidInput, match="Ngày hẹn mới"):
        dossiers.reschedule_dossier(machine, info.code, vn(9999, 12, 31, 9, 0), "trễ")
    with pytest.raises(InvalidInput, match="Mã hồ sơ"):
        dossiers.get_dossier(machine, "\udcff" + info.code)
    refused = dossiers.advance_dossier(machine, info.code, "refused",
                                       note="Thiếu giấy tờ\r\nxin bổ sung")
    assert refused.status == "refused"
    assert dossiers.get_dossier(machine, info.code).events[-1].note == (
        "Thiếu giấy tờ\nxin bổ sung")


