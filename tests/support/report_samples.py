"""Seven dossiers of November 2026 with every deadline outcome, for the report tests."""

from __future__ import annotations

from datetime import timedelta

from appfixtures import OTHER_QR, SAMPLE_QR, vn

from sadec_desk.services.reception import dossiers


def _at(clock, moment):
    clock.moment = moment


def _month(ctx, clock):
    """Seven dossiers of November 2026 with every deadline outcome; returns their codes."""
    def receive(when, procedure="1.004873", channel="counter", qr=SAMPLE_QR):
        _at(clock, when)
        return dossiers.receive_dossier(ctx, procedure_code=procedure, qr_text=qr,
                                        channel=channel, pages=1)

    a = receive(vn(2026, 11, 2, 9, 0))
    b = receive(vn(2026, 11, 2, 9, 10), qr=OTHER_QR)
    c = receive(vn(2026, 11, 2, 9, 20))
    d = receive(vn(2026, 11, 2, 9, 30))
    e = receive(vn(2026, 11, 2, 10, 0), procedure="2.000815", channel="online")
    f = receive(vn(2026, 11, 3, 9, 0))
    g = receive(vn(2026, 11, 25, 9, 0))
    # a: result the day before the due day -> early
    _at(clock, a.due_at - timedelta(days=1))
    dossiers.advance_dossier(ctx, a.code, "done")
    # b: on the due day, before the due moment -> on time
    _at(clock, b.due_at - timedelta(minutes=30))
    dossiers.advance_dossier(ctx, b.code, "done")
    dossiers.advance_dossier(ctx, b.code, "returned")
    # c: after the due moment -> late
    _at(clock, c.due_at + timedelta(hours=2))
    dossiers.advance_dossier(ctx, c.code, "done")
    # d: apology slip, new date met -> still late against the original (docs/reports.md)
    _at(clock, d.due_at - timedelta(hours=3))
    dossiers.reschedule_dossier(ctx, d.code, d.due_at + timedelta(days=7), "Chờ xác minh")
    _at(clock, d.due_at + timedelta(days=5))
    dossiers.advance_dossier(ctx, d.code, "done")
    # f: refused (Mẫu 03)
    _at(clock, vn(2026, 11, 4, 10, 0))
    dossiers.advance_dossier(ctx, f.code, "refused", note="Thiếu giấy tờ")
    _at(clock, vn(2026, 11, 26, 9, 0))
    return a, b, c, d, e, f, g
