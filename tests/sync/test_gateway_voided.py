"""A dossier voided as entered by mistake, against the fake provincial gateway: the
national status list has no code for it, so nothing false is sent (adapter.py _voided)."""

from syncfixtures import code_of, gateway_office, receive_many

from sadec_desk.config import save_setting
from sadec_desk.db.models import Dossier, Outbox
from sadec_desk.services.reception import dossiers
from sadec_desk.sync import conflicts, engine


def test_a_dossier_voided_before_it_was_sent_never_reaches_the_gateway(gateway):
    ctx = gateway_office(gateway)
    mistake, real = receive_many(ctx, 2)
    dossiers.void_dossier(ctx, mistake, "trùng hồ sơ vừa lưu")
    report = engine.run_once(ctx)
    # the run does not stop on the missing status code, and the other dossier goes
    assert (report.error, report.rejected, gateway.problems) == ("", 0, [])
    assert set(gateway.records) == {code_of(real)}
    assert code_of(mistake) not in {p["MaHoSo"] for p in gateway.progress}
    assert {r.state for r in Outbox.select().where(Outbox.dossier_uuid == mistake)} == {"done"}
    assert Dossier.get(Dossier.uuid == mistake).sync_state == "synced"
    # a later change of the voided record (its received op is "done") is not sent either
    calls = len(gateway.calls)
    with ctx.database.atomic():
        from sadec_desk.services.outbox import queue_change
        queue_change(ctx, mistake, "dossier.rescheduled", {"code": code_of(mistake)})
    assert engine.run_once(ctx).error == ""
    assert code_of(mistake) not in gateway.records and len(gateway.calls) == calls


def test_a_dossier_voided_after_it_was_sent_is_held_with_a_sentence_for_it(gateway):
    ctx = gateway_office(gateway)
    mistake, other = receive_many(ctx, 2)
    assert engine.run_once(ctx).pushed == 2
    code = code_of(mistake)
    assert gateway.records[code]["TrangThaiHoSo"] == "2"
    dossiers.void_dossier(ctx, mistake, "chọn nhầm thủ tục")
    dossiers.advance_dossier(ctx, other, "processing")
    report = engine.run_once(ctx)
    assert (report.error, report.pushed, report.rejected) == ("", 1, 1)
    assert gateway.records[code]["TrangThaiHoSo"] == "2"  # nothing false was sent
    assert gateway.records[code_of(other)]["TrangThaiHoSo"] == "4"
    [listed] = conflicts.list_conflicts(ctx)
    assert listed.code == code and listed.state == "rejected"
    assert "hủy do nhập nhầm" in listed.message and "sync.gateway_status_map" in listed.message
    assert f"sadec-desk sync retry {code}" in listed.message
    assert gateway.problems == []

    # the province names a code for a void: set it, retry, and it goes as any status
    save_setting("sync.gateway_status_map",
                 {**ctx.config["sync.gateway_status_map"], "voided": "8"})
    ctx.reload_config()
    assert conflicts.retry(ctx, code) == 1
    report = engine.run_once(ctx)
    assert (report.error, report.pushed, report.rejected) == ("", 1, 0)
    assert gateway.records[code]["TrangThaiHoSo"] == "8"
    assert [p["TrangThai"] for p in gateway.progress if p["MaHoSo"] == code][-1] == "8"
    assert Dossier.get(Dossier.uuid == mistake).sync_state == "synced"
    assert gateway.problems == []
