"""Issue #14 item 2: the reference portal validates everything it is sent. Malformed
operations are rejected with the reason and never enter the feed; hostile bodies,
cursors and limits get a 4xx, never a 5xx."""

from __future__ import annotations

import uuid as uuidlib

import httpx
import pytest
from appfixtures import AGENCY

from sadec_desk.sync import protocol as P

GOOD_DOSSIER = {
    "code": f"{AGENCY}-261126-0001", "procedure_code": "1.001193", "channel": "counter",
    "status": "received", "received_at": "2026-11-26T09:00:00+07:00",
    "due_at": "2026-11-27T17:00:00+07:00", "finished_at": None, "fee_vnd": 0, "pages": 0,
    "copies": 1, "phone": "", "received_by": "a", "citizen": {"id_number": "034303011829",
                                                              "full_name": "Nguyễn Văn A"}}


def _enrolled(portal) -> httpx.Client:
    api = httpx.Client(base_url=portal.url + "/v1", timeout=20)
    enrolled = api.post("/devices/enrol", json={"code": portal.new_code(), "name": "x",
                                                "agency_code": AGENCY}).json()
    api.headers["Authorization"] = f"Bearer {enrolled['token']}"
    return api


@pytest.fixture
def device(portal):
    api = _enrolled(portal)
    try:
        yield api
    finally:
        api.close()


@pytest.fixture
def reader(portal):
    """A second device of the same office: the feed shows it what ``device`` pushed
    (a device is not sent its own changes back, issue #14 item 5)."""
    api = _enrolled(portal)
    try:
        yield api
    finally:
        api.close()


def received(**changes):
    uuid = str(uuidlib.uuid4())
    payload = {**GOOD_DOSSIER, "uuid": uuid, **changes}
    return {"op_id": str(uuidlib.uuid4()), "dossier_uuid": uuid, "op": "dossier.received",
            "base_version": 0, "payload": payload}


@pytest.mark.parametrize(("changes", "reason"), [
    ({"received_at": "garbage"}, "received_at"),
    ({"due_at": "2026-11-27T17:00:00"}, "due_at"),  # no offset
    ({"finished_at": "tomorrow"}, "finished_at"),
    ({"status": "stolen"}, "stolen"),
    ({"channel": "pigeon"}, "pigeon"),
    ({"fee_vnd": -1}, "fee_vnd"),
    ({"fee_vnd": True}, "fee_vnd"),
    ({"copies": 10**20}, "copies"),
    ({"code": "C-1"}, "C-1"),
    ({"phone": "9" * 5000}, "phone"),
    ({"citizen": {"id_number": ""}}, "CCCD"),
    ({"citizen": {"id_number": "1", "x": {"nested": 1}}}, "citizen"),
    ({"uuid": "0"}, "UUID"),
])
def test_a_malformed_received_dossier_is_rejected_with_its_reason(portal, device, reader,
                                                                  changes,
                                                                  reason):
    op = received(**changes)
    if changes.get("uuid"):
        op["dossier_uuid"] = str(uuidlib.uuid4())
    fine = received()
    answer = device.post("/push", json={"ops": [op, fine]})
    assert answer.status_code == 200, answer.text
    bad, good = answer.json()["results"]
    assert bad["result"] == "rejected" and reason in bad["message"], bad
    assert good["result"] == "applied"  # one bad op does not block the others
    feed = reader.get("/changes").json()["changes"]
    assert [c["dossier"]["uuid"] for c in feed] == [fine["dossier_uuid"]]
    for change in feed:
        P.check_dossier(change["dossier"])


def test_malformed_status_and_reschedule_are_rejected(portal, device, reader):
    op = received()
    assert device.post("/push", json={"ops": [op]}).json()["results"][0]["result"] == "applied"
    uuid = op["dossier_uuid"]
    for kind, payload, reason in (
            ("dossier.status", {"to_status": "processing", "at": "now"}, "at"),
            ("dossier.status", {"to_status": 5}, "5"),
            ("dossier.rescheduled", {"new_due": "2026-12-01"}, "new_due"),
            ("dossier.rescheduled", {"new_due": "2026-12-01T08:00:00"}, "new_due"),
            ("dossier.status", {"to_status": "processing", "note": "x" * 10000}, "note")):
        r = device.post("/push", json={"ops": [{
            "op_id": str(uuidlib.uuid4()), "dossier_uuid": uuid, "op": kind,
            "base_version": 1, "payload": payload}]}).json()["results"][0]
        assert r["result"] == "rejected" and reason in r["message"], (kind, r)
    assert [c["version"] for c in reader.get("/changes").json()["changes"]] == [1]


def test_malformed_operations_are_a_400(device):
    base = received()
    for broken in ({**base, "dossier_uuid": "0"}, {**base, "op_id": ""},
                   {**base, "op_id": "x" * 1000}, {**base, "base_version": -1},
                   {**base, "base_version": 2**70}, {**base, "op": "dossier.deleted"},
                   {**base, "payload": []}, "op"):
        answer = device.post("/push", json={"ops": [broken]})
        assert answer.status_code == 400 and answer.json()["error"], broken
    assert device.post("/push", json={"ops": [base] * 5001}).status_code == 400


def test_hostile_bodies_are_4xx_never_5xx(portal, device):
    # an unauthenticated 100 MB body is refused before it is read
    big = b'{"code": "' + b"A" * (100 * 1024 * 1024) + b'"}'
    answer = httpx.post(portal.url + "/v1/devices/enrol", content=big, timeout=60,
                        headers={"Content-Type": "application/json"})
    assert answer.status_code == 413
    deep = b"[" * 100_000 + b"]" * 100_000
    for path, body in (("/devices/enrol", deep[:30_000] + deep[-30_000:]),
                       ("/devices/token", b'{"a":' * 10_000 + b"1" + b"}" * 10_000),
                       ("/push", deep), ("/bundles", deep)):
        answer = device.post(path, content=body, headers={"Content-Type": "application/json"})
        assert answer.status_code == 400, (path, answer.text[:200])
    assert device.post("/devices/enrol", content=deep, headers={
        "Content-Type": "application/json"}).status_code == 413
    nested = {"ops": [received(citizen={"id_number": "1", "a": [[[[[[[[[[[[[[[[[[1]]]]]]]]]]]
                                                                          ]]]]]]]})]}
    assert device.post("/push", json=nested).status_code == 400
    for raw in (b"\xff\xfe", b"", b"null", b"[]", b'{"ops": "x"}', b"1e999999"):
        answer = device.post("/push", content=raw, headers={"Content-Type": "application/json"})
        assert answer.status_code == 400, raw
    admin = portal.http
    assert admin.post("/admin/dossiers", content=deep,
                      headers={"Content-Type": "application/json"}).status_code == 400


@pytest.mark.parametrize("query", [
    {"since": str(10**30)}, {"since": "-1"}, {"limit": "0"}, {"limit": "5001"},
    {"limit": str(10**30)}, {"since": "x"}, {"since": "1.5"}])
def test_cursors_and_limits_are_range_checked(device, query):
    answer = device.get("/changes", params=query)
    assert answer.status_code == 400 and answer.json()["error"]


def test_a_bundle_with_a_non_ascii_signature_is_refused_not_a_crash(device):
    bundle = {"format": P.BUNDLE_FORMAT, "device_id": "x", "ops": [], "signature": "chữ ký"}
    answer = device.post("/bundles", json=bundle)
    assert answer.status_code == 422
    with pytest.raises(P.BundleError):
        P.verify_bundle(bundle, lambda _d: "key")


def test_operator_input_is_validated(portal):
    admin = portal.http
    good = {"code": f"{AGENCY}-261126-0042", "procedure_code": "1.001193",
            "due_at": "2026-12-01T17:00:00+07:00", "citizen": {"id_number": "034303011829"}}
    for broken in ({**good, "uuid": "0"}, {**good, "due_at": "2026-12-01T17:00:00"},
                   {**good, "received_at": "garbage"}, {**good, "fee_vnd": -5},
                   {**good, "code": "X-1"}, {**good, "citizen": "me"}):
        answer = admin.post("/admin/dossiers", json=broken)
        assert answer.status_code == 400, broken
    assert admin.post("/admin/dossiers", json=good).status_code == 200
    created = portal.dossiers()[0]
    for body in ({"status": "nope"}, {"status": "processing", "note": ["x"]},
                 {"status": "processing", "note": "x" * 5000}):
        assert admin.post(f"/admin/dossiers/{created['uuid']}/status",
                          json=body).status_code == 400
    for body in ({}, {"code": 5}, {"code": "1.001193", "version": "x"}):
        assert admin.post("/admin/procedures", json=body).status_code == 400
