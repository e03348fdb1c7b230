"""The monthly summary counts in SQL (issue #16 item 4): on random months it must say what a
brute-force pass over every dossier says with the domain's own rule
(lifecycle.deadline_state against the due time on the receipt), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from datetime import datetime, timedelta

import both_databases
import pytest
from appfixtures import vn

from sadec_desk.domain.lifecycle import REPORTED_STATUSES, DeadlineState, deadline_state
from sadec_desk.services.reception import dossiers
from sadec_desk.services.reports import build

any_ctx = both_databases.any_ctx  # the fixture: SQLite, then PostgreSQL

PROCEDURES = ["1.004873", "2.000815", "1.001193", "1.000656"]
CHANNELS = ["counter", "kiosk", "online", "postal"]


def _random_month(ctx, clock, rng: random.Random, count: int) -> None:
    for i in range(count):
        clock.moment = vn(2026, 10, 20, 7, 0) + timedelta(minutes=rng.randint(0, 50 * 24 * 60),
                                                         microseconds=rng.randint(0, 999_999))
        info = dossiers.receive_dossier(
            ctx, procedure_code=rng.choice(PROCEDURES), pages=1, channel=rng.choice(CHANNELS),
            qr_text=f"087{i:09d}||Lê Văn An|05061999|Nam|Sa Đéc|01022022")
        due = info.due_at
        if rng.random() < 0.3:  # an apology slip, sometimes two
            clock.moment = max(info.received_at, due - timedelta(hours=2))
            dossiers.reschedule_dossier(ctx, info.code, due + timedelta(days=2), "Chờ xác minh")
            if rng.random() < 0.3:
                dossiers.reschedule_dossier(ctx, info.code, due + timedelta(days=4), "Lần hai")
            due = dossiers.get_dossier(ctx, info.code).due_at
        fate = rng.random()
        # around the due time: earlier days, the same day either side of the moment, later
        moment = due + rng.choice([timedelta(days=-1), timedelta(hours=-1), timedelta(0),
                                   timedelta(seconds=1), timedelta(hours=3), timedelta(days=2),
                                   timedelta(minutes=-rng.randint(0, 600))])
        clock.moment = max(info.received_at + timedelta(seconds=1), moment)
        if fate < 0.55:
            dossiers.advance_dossier(ctx, info.code, "done")
            if fate < 0.3:
                dossiers.advance_dossier(ctx, info.code, "returned")
        elif fate < 0.65:
            dossiers.advance_dossier(ctx, info.code, "refused", note="Không đủ điều kiện")
        elif fate < 0.7:
            dossiers.advance_dossier(ctx, info.code, "withdrawn", note="Công dân rút")
        elif fate < 0.75:
            dossiers.advance_dossier(ctx, info.code, "processing")


def _brute(ctx, start: datetime, end: datetime, now: datetime) -> dict:
    db = ctx.database
    rows = db.execute_sql(
        "SELECT d.id, p.code, d.channel, d.status, d.received_at, d.due_at, d.finished_at "
        "FROM dossier d JOIN procedure p ON p.id = d.procedure_id").fetchall()
    firsts: dict[int, datetime] = {}
    for dossier_id, data in db.execute_sql(
            "SELECT dossier_id, data FROM dossier_event WHERE kind = 'rescheduled' "
            "ORDER BY seq").fetchall():
        firsts.setdefault(dossier_id, datetime.fromisoformat(json.loads(data)["old_due"]))
    from sadec_desk.db.models import Dossier
    value = Dossier.due_at.python_value
    received: Counter = Counter()
    states: dict[str, Counter] = defaultdict(Counter)
    refused = withdrawn = 0
    for dossier_id, code, channel, status, received_at, due_at, finished_at in rows:
        received_at, due_at, finished_at = value(received_at), value(due_at), value(finished_at)
        if start <= received_at < end and status in REPORTED_STATUSES:
            received[(code, channel)] += 1
        if finished_at is None or not start <= finished_at < end:
            continue
        if status in ("done", "returned"):
            original = firsts.get(dossier_id, due_at)
            states[code][deadline_state(original, finished_at, now)] += 1
            if dossier_id in firsts:
                states[code]["rescheduled"] += 1
                states[code]["met"] += deadline_state(due_at, finished_at, now) != \
                    DeadlineState.LATE
        refused += status == "refused"
        withdrawn += status == "withdrawn"
    return {"received": received, "states": states, "refused": refused,
            "withdrawn": withdrawn}


@pytest.mark.parametrize("seed", [1, 2])
def test_the_summary_says_what_a_brute_force_pass_says(any_ctx, clock, seed):
    _random_month(any_ctx, clock, random.Random(seed), 70)
    clock.moment = vn(2026, 12, 20, 10, 0)
    for first, last in (("2026-11-01", "2026-11-30"), ("2026-10-25", "2026-12-15"),
                        ("2026-11-10", "2026-11-10")):
        report = build.summary_report(any_ctx, first, last)
        truth = _brute(any_ctx, report.period.start, report.period.end, clock.moment)
        assert report.refused == truth["refused"] and report.withdrawn == truth["withdrawn"]
        got_received = Counter({(line.code, ch): n for line in report.procedures
                                for ch, n in line.by_channel if n})
        assert got_received == truth["received"]
        total = Counter()
        for line in report.procedures:
            want = truth["states"].get(line.code, Counter())
            d = line.deadline
            assert (d.early, d.on_time, d.late, d.rescheduled, d.rescheduled_met_new_due) == (
                want[DeadlineState.EARLY], want[DeadlineState.ON_TIME],
                want[DeadlineState.LATE], want["rescheduled"], want["met"]), (first, line.code)
            assert d.resolved == d.early + d.on_time + d.late
            total.update(want)
        assert set(truth["states"]) <= {line.code for line in report.procedures}
        d = report.deadline
        assert (d.early, d.on_time, d.late, d.rescheduled) == (
            total[DeadlineState.EARLY], total[DeadlineState.ON_TIME],
            total[DeadlineState.LATE], total["rescheduled"])
        if d.resolved:
            assert d.on_time_rate == pytest.approx((d.early + d.on_time) / d.resolved)
