"""Issue #14 item 5 (no echo) and issue #18's op_id loose end, at the real portal.

The feed does not send a device the changes it pushed itself, and the cursor still moves
past them; a second device of the same office gets them. A device sending another
device's op_id learns nothing of that device or of the answer it got."""

from __future__ import annotations

from contextlib import closing

import pytest
from syncfixtures import assert_converged, office, receive_many

from sadec_desk.db.models import Dossier, Outbox
from sadec_desk.sync import engine, push
from sadec_desk.sync.adapters.reference import ReferenceAdapter
from sadec_desk.sync.portal.models import Change, Operation

OTHER = "000.00.15.H20"


def newest_change(portal) -> int:
    with portal.store.database.connection_context():
        return Change.select().order_by(Change.id.desc()).first().id


@pytest.fixture
def counted(monkeypatch):
    """How many changes the client downloaded (every page it was sent)."""
    seen = {"changes": 0, "pages": 0}
    original = ReferenceAdapter.changes

    def changes(self, since, limit):
        page = original(self, since, limit)
        seen["changes"] += len(page["changes"])
        seen["pages"] += 1
        return page

    monkeypatch.setattr(ReferenceAdapter, "changes", changes)
    return seen


def test_a_large_push_is_not_downloaded_again(portal, counted):
    ctx = office(portal, sync__batch_size=50)
    uuids = receive_many(ctx, 120)
    report = engine.run_once(ctx)
    assert report.pushed == 120 and report.error == ""
    # none of its own 120 changes came back, yet the cursor is past all of them
    assert counted["changes"] == 0 and report.pulled == 0
    assert engine.sync_status(ctx).cursor == newest_change(portal)
    # a change made at the portal after them comes, alone
    portal.admin("POST", f"/dossiers/{uuids[7]}/status", {"status": "processing"})
    again = engine.run_once(ctx)
    assert (again.pulled, counted["changes"]) == (1, 1)
    assert Dossier.get(Dossier.uuid == uuids[7]).status == "processing"
    assert_converged(ctx, portal)


def test_a_second_device_of_the_office_still_gets_them(portal):
    ctx = office(portal)
    uuids = receive_many(ctx, 5)
    engine.run_once(ctx)
    second = portal.device_client()
    try:
        feed = second.get("/changes", params={"since": 0}).json()
        assert sorted(c["dossier"]["uuid"] for c in feed["changes"]) == sorted(uuids)
        assert feed["cursor"] == newest_change(portal) and feed["has_more"] is False
        # and the first device gets what the second one pushes
        received = feed["changes"][0]["dossier"]
        pushed = second.post("/push", json={"ops": [{
            "op_id": "a6b1c9e0-0000-4000-8000-000000000001", "dossier_uuid": received["uuid"],
            "op": "dossier.status", "base_version": received["version"],
            "payload": {"to_status": "processing", "at": received["received_at"]}}]})
        assert pushed.json()["results"][0]["result"] == "applied"
        # nor does the second device get its own change back
        assert second.get("/changes", params={"since": feed["cursor"]}).json()[
            "changes"] == []
    finally:
        second.close()
    report = engine.run_once(ctx)
    assert report.pulled == 1
    assert Dossier.get(Dossier.uuid == received["uuid"]).status == "processing"


def test_own_changes_between_others_across_small_pages(portal):
    """The cursor rules at page boundaries: a full page ends at its last change sent;
    a last page ends past the device's own changes."""
    ctx = office(portal)
    first = receive_many(ctx, 3)
    engine.run_once(ctx)
    portal.admin("POST", f"/dossiers/{first[0]}/status", {"status": "processing"})
    receive_many(ctx, 3)
    engine.run_once(ctx)
    portal.admin("POST", f"/dossiers/{first[1]}/status", {"status": "processing"})
    receive_many(ctx, 2)
    with closing(ReferenceAdapter(ctx)) as adapter:
        engine_push_only(ctx, adapter)
        since, seen, pages = 0, [], 0
        while True:
            page = adapter.changes(since, 1)
            pages += 1
            assert page["cursor"] >= since
            seen += [c["dossier"]["uuid"] for c in page["changes"]]
            since = page["cursor"]
            if not page["has_more"]:
                break
        assert seen == [first[0], first[1]] and pages <= 3
        assert since == newest_change(portal)
        assert adapter.changes(since, 1) == {"changes": [], "cursor": since,
                                              "has_more": False}


def engine_push_only(ctx, adapter) -> None:
    counts = dict.fromkeys(("applied", "duplicate", "conflict", "rejected",
                            "pages_uploaded", "page_bytes"), 0)
    push.push(ctx, adapter, counts)
    assert counts["applied"] == 2


def test_another_devices_op_id_tells_nothing_of_it(portal):
    ctx = office(portal)
    [mine] = receive_many(ctx, 1)
    engine.run_once(ctx)
    with portal.store.database.connection_context():
        owner = Operation.get(Operation.dossier_uuid == mine)
    same_office, other_office = portal.device_client(), portal.device_client(OTHER)
    try:
        dossier = same_office.get(f"/dossiers/{mine}").json()
        for api in (same_office, other_office):
            for payload_op in (
                    {"op": "dossier.status", "payload": {"to_status": "processing",
                                                         "at": dossier["received_at"]}},
                    {"op": "dossier.received", "payload": dossier}):
                sent = {"op_id": owner.op_id, "dossier_uuid": mine, "base_version": 1,
                        **payload_op}
                [answer] = api.post("/push", json={"ops": [sent]}).json()["results"]
                assert answer["result"] in ("conflict", "rejected"), answer
                # never the owner's device id, its result or the version it got
                text = str(answer)
                assert owner.device_id not in text and "original" not in answer
                assert "version" not in answer
                if api is other_office:
                    assert answer["result"] == "rejected" and "dossier" not in answer
                else:
                    # its own office's dossier: a conflict it can settle by keeping
                    # the portal's copy
                    assert answer["result"] == "conflict"
                    assert answer["dossier"]["uuid"] == mine
    finally:
        same_office.close()
        other_office.close()
    with portal.store.database.connection_context():
        kept = Operation.get(Operation.op_id == owner.op_id)
    assert (kept.device_id, kept.result, kept.version) == (owner.device_id, "applied", 1)
    # the owner itself still gets its duplicate answer, without any device id
    Outbox.update(state="pending").execute()
    again = engine.run_once(ctx, force=True)
    assert (again.duplicates, again.conflicts, again.rejected) == (1, 0, 0)
    assert_converged(ctx, portal)
