"""Fault injection against the real portal over loopback (docs/design.md §5, issue #5 item 7).

Every test ends with the portal and the office holding exactly the same dossiers,
each local operation applied exactly once (syncfixtures.assert_converged).
"""

import json
import os
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from appfixtures import Clock, make_ctx, vn
from portalfixtures import DroppingProxy
from syncfixtures import (
    assert_converged,
    local_procedure,
    office,
    portal_view,
    receive_many,
)

from sadec_desk.db.models import Dossier, DossierEvent, Outbox
from sadec_desk.services.reception import dossiers
from sadec_desk.sync import conflicts, engine, state


def test_connection_dropped_mid_batch(portal):
    proxy = DroppingProxy(portal.server.effective_port, drop_push=2)
    try:
        ctx = office(portal, sync__batch_size=3)
        ctx.config.values["sync.portal_url"] = proxy.url
        receive_many(ctx, 8)
        report = engine.run_once(ctx)
        assert report.error and report.pushed == 3  # batch 2 reached the portal, unanswered
        assert len(portal.dossiers()) == 6
        status = engine.sync_status(ctx)
        assert status.pending == 5 and status.next_try_at is not None and status.last_error
        # backing off: a run now is skipped, a forced one goes ahead
        assert engine.run_once(ctx).skipped
        again = engine.run_once(ctx, force=True)
        assert (again.duplicates, again.pushed, again.error) == (3, 2, "")
        assert_converged(ctx, portal)
    finally:
        proxy.stop()


def test_server_error_500_keeps_rows_and_backs_off(portal):
    ctx = office(portal)
    receive_many(ctx, 4)
    portal.faults(error_500=1)
    report = engine.run_once(ctx)
    assert "HTTP 500" in report.error and report.pushed == 0
    rows = list(Outbox.select())
    assert all(r.state == "pending" and r.attempts == 1 and r.next_try_at for r in rows)
    wait = rows[0].next_try_at - ctx.now()
    assert timedelta(0) < wait <= timedelta(seconds=ctx.config["sync.backoff_base_seconds"])
    assert engine.run_once(ctx, force=True).pushed == 4
    assert_converged(ctx, portal)


def test_timeout_after_the_portal_committed(portal):
    ctx = office(portal, sync__timeout_seconds=1)
    receive_many(ctx, 3)
    portal.faults(delay_after_commit=2.5)
    report = engine.run_once(ctx)
    assert "quá thời gian" in report.error
    assert len(portal.dossiers()) == 3  # committed at the portal, answer never read
    again = engine.run_once(ctx, force=True)
    assert (again.pushed, again.duplicates) == (0, 3)
    assert_converged(ctx, portal)


#: imported by the child Python before anything else (a sitecustomize on its PYTHONPATH):
#: the process kills itself once the portal's answer to a push is in its hands, before
#: the local transaction that records it. The test hook lives here, not in the app
KILL_AFTER_PUSH_ANSWER = """
import os
import signal

from sadec_desk.sync import push


def _killed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)


push.apply_push_answers = _killed
"""


@pytest.mark.slow
def test_client_killed_after_answer_before_local_commit(portal, tmp_path):
    ctx = office(portal)
    receive_many(ctx, 5)
    ctx.close()
    hook = tmp_path / "kill-hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(KILL_AFTER_PUSH_ANSWER)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(hook), *filter(None, [os.environ.get("PYTHONPATH")])])}
    cmd = [sys.executable, "-m", "sadec_desk", "sync", "run", "--once", "--json"]
    killed = subprocess.run(cmd, env=env, capture_output=True, timeout=60)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert len(portal.dossiers()) == 5  # the portal committed and answered
    assert Outbox.select().where(Outbox.state == "pending").count() == 5  # not recorded
    env = dict(os.environ)
    done = subprocess.run(cmd, env=env, capture_output=True, timeout=60, text=True)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["pushed"], report["duplicates"]) == (0, 5)
    assert_converged(make_ctx(Clock()), portal)


def test_client_clock_days_ahead_or_behind(portal):
    clock = Clock()
    ctx = office(portal, clock)
    clock.moment = vn(2026, 12, 6, 9, 0)  # ten days ahead
    receive_many(ctx, 2)
    portal.faults(error_500=1)
    assert engine.run_once(ctx).error
    clock.moment = vn(2026, 11, 16, 9, 0)  # corrected, now days behind the backoff
    # the backoff written with the wrong clock is beyond the cap: not a reason to wait
    assert engine.sync_status(ctx).next_try_at is None
    receive_many(ctx, 2)
    report = engine.run_once(ctx)
    assert report.pushed == 4 and not report.skipped
    portal.admin("POST", "/dossiers/" + Dossier.select().first().uuid + "/status",
                 {"status": "processing"})
    assert engine.run_once(ctx).pulled == 1  # the cursor is the portal's, not a date
    assert_converged(ctx, portal)


@pytest.mark.slow
def test_two_sync_workers_at_once(portal):
    ctx = office(portal, sync__batch_size=4)
    uuids = receive_many(ctx, 30)
    for uuid in uuids[:10]:
        dossiers.advance_dossier(ctx, uuid, "processing")
    ctx.close()
    cmd = [sys.executable, "-m", "sadec_desk", "sync", "run", "--once", "--json"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=90) for p in procs]
    reports = [json.loads(out) for out, _err in outs]
    assert sum(r["pushed"] for r in reports) == 40
    ctx = make_ctx(Clock())
    engine.run_once(ctx)
    assert_converged(ctx, portal)


def test_mixed_results_in_one_batch(portal):
    ctx = office(portal)
    dup, conflicted = receive_many(ctx, 2)
    engine.run_once(ctx)
    # duplicate: the answer to this op was "lost" (made pending again here)
    Outbox.update(state="pending").where(Outbox.dossier_uuid == dup).execute()
    # conflict: changed at the portal while changed here too
    portal.admin("POST", f"/dossiers/{conflicted}/status", {"status": "refused"})
    dossiers.advance_dossier(ctx, conflicted, "processing")
    # rejected: a procedure the portal does not know
    data = local_procedure(ctx)
    refused = dossiers.receive_dossier(ctx, procedure_code="1.999999",
                                       qr_text="087099001234|351234567|Trần Văn Đức|05061999|"
                                       "Nam|Phường 1, Sa Đéc|01022022").uuid
    dossiers.advance_dossier(ctx, refused, "processing")  # held behind the rejection
    [applied] = receive_many(ctx, 1)

    report = engine.run_once(ctx)
    assert (report.pushed, report.duplicates, report.conflicts, report.rejected) == (1, 1, 1, 1)
    states = {d.uuid: (d.sync_state, d.sync_message) for d in Dossier.select()}
    assert states[dup][0] == states[applied][0] == "synced"
    assert states[conflicted][0] == "conflict"
    assert states[refused][0] == "rejected" and "1.999999" in states[refused][1]
    held = Outbox.select().where(Outbox.dossier_uuid == refused).order_by(Outbox.id)
    assert [r.state for r in held] == ["failed", "pending"]
    # the portal publishes the procedure; a retry sends both, in order
    data["version"] = 2
    portal.admin("POST", "/procedures", data)
    assert conflicts.retry(ctx, refused) == 2
    conflicts.resolve(ctx, conflicted, "portal")
    report = engine.run_once(ctx)
    assert report.pushed == 2 and report.rejected == 0
    assert portal_view(portal)[refused][1] == "processing"
    assert_converged(ctx, portal)


def test_token_expires_mid_sync(portal):
    ctx = office(portal, sync__batch_size=2)
    receive_many(ctx, 6)
    old_token = state.get_state("token")
    portal.faults(expire_tokens_after_push=1)
    report = engine.run_once(ctx)
    assert (report.pushed, report.error) == (6, "")
    assert state.get_state("token") != old_token
    assert_converged(ctx, portal)


@pytest.mark.parametrize("fault", ["garbage_after_commit", "wrong_schema"])
def test_invalid_answers_from_the_portal(portal, fault):
    ctx = office(portal)
    receive_many(ctx, 3)
    portal.faults(**{fault: 1})
    report = engine.run_once(ctx)
    assert report.error and report.pushed == 0
    assert Outbox.select().where(Outbox.state == "pending").count() == 3
    again = engine.run_once(ctx, force=True)
    assert again.duplicates == 3
    assert_converged(ctx, portal)


def test_invalid_changes_page_is_not_applied(portal):
    ctx = office(portal)
    [uuid] = receive_many(ctx, 1)
    engine.run_once(ctx)
    portal.admin("POST", f"/dossiers/{uuid}/status", {"status": "processing"})
    cursor = engine.sync_status(ctx).cursor
    portal.faults(garbage_changes=1)
    report = engine.run_once(ctx)
    assert report.error and engine.sync_status(ctx).cursor == cursor
    assert Dossier.get(Dossier.uuid == uuid).status == "received"
    assert engine.run_once(ctx, force=True).pulled == 1
    assert_converged(ctx, portal)


def test_page_applied_but_cursor_not_stored(portal):
    ctx = office(portal)
    [mine] = receive_many(ctx, 1)
    engine.run_once(ctx)
    portal.admin("POST", f"/dossiers/{mine}/status", {"status": "processing"})
    online = portal.admin("POST", "/dossiers", {
        "code": "000.00.14.H20-261126-0777", "procedure_code": "1.001193",
        "due_at": vn(2026, 11, 26, 17, 0).isoformat(),
        "citizen": {"id_number": "087099002222", "full_name": "Phạm Văn An"}})
    assert engine.run_once(ctx).pulled == 2
    events = DossierEvent.select().count()
    with ctx.database.atomic():
        state.set_state(ctx, "cursor", "0")  # as if the cursor had never been stored
    report = engine.run_once(ctx)
    assert (report.pulled, report.new_dossiers) == (0, 0)
    assert DossierEvent.select().count() == events
    assert Dossier.select().where(Dossier.uuid == online["uuid"]).count() == 1
    assert_converged(ctx, portal)
