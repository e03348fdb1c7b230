"""Issue #14 item 1: two offices at one reference portal cannot read, change or forge
each other's records. Office A syncs through the real client; office B is an attacker
holding its own valid device token and talking HTTP straight to the portal."""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest
from appfixtures import AGENCY, run_cli
from syncfixtures import add_pages, office, page_image, receive_many

from sadec_desk.sync import engine
from sadec_desk.sync import protocol as P

OTHER = "000.00.15.H20"


def enrol_raw(portal, agency: str, *, code_agency: str | None = None):
    """(httpx client with B's token, enrolment answer) for a device of ``agency``."""
    api = httpx.Client(base_url=portal.url + "/v1", timeout=10)
    answer = api.post("/devices/enrol", json={
        "code": portal.new_code(code_agency or agency), "name": "B", "agency_code": agency})
    assert answer.status_code == 200, answer.text
    enrolled = answer.json()
    api.headers["Authorization"] = f"Bearer {enrolled['token']}"
    return api, enrolled


def op(uuid, kind, payload, base=1, op_id=None):
    return {"op_id": op_id or f"evil-{kind}-{uuid}", "dossier_uuid": uuid, "op": kind,
            "base_version": base, "payload": payload}


@pytest.fixture
def two_offices(portal):
    ctx = office(portal)
    [uuid] = receive_many(ctx, 1)
    image = page_image(7, size=(120, 90))
    add_pages(ctx, uuid, [("CCCD", [image])])
    report = engine.run_once(ctx)
    assert report.error == "" and report.pages_uploaded == 1
    api, enrolled = enrol_raw(portal, OTHER)
    try:
        yield ctx, uuid, image, api, enrolled
    finally:
        api.close()


def test_another_office_cannot_read_a_dossier_its_pages_or_its_feed(portal, two_offices):
    ctx, uuid, image, api, _ = two_offices
    [mine] = portal.dossiers()
    sha = hashlib.sha256(image).hexdigest()
    got = api.get(f"/dossiers/{uuid}")
    assert got.status_code == 404 and "citizen" not in got.text
    assert mine["citizen"]["id_number"] not in got.text
    page = api.get(f"/blobs/{sha}")
    assert page.status_code == 404 and image[:64] not in page.content
    head = api.head(f"/blobs/{sha}")  # looks like an upload this office never made
    assert head.status_code == 404 and head.headers[P.UPLOAD_OFFSET] == "0"
    feed = api.get("/changes", params={"since": 0}).json()
    assert feed["changes"] == [] and uuid not in json.dumps(feed)
    # another device of the owner's office reads all of it
    reader, _enrolled = enrol_raw(portal, AGENCY)
    try:
        assert reader.get("/changes", params={"since": 0}).json()["changes"][0][
            "dossier"]["uuid"] == uuid
    finally:
        reader.close()


def engine_adapter(ctx):
    from contextlib import closing

    from sadec_desk.sync.adapters.reference import ReferenceAdapter

    return closing(ReferenceAdapter(ctx))


def test_another_office_cannot_change_or_forge_a_dossier(portal, two_offices):
    ctx, uuid, image, api, _ = two_offices
    [before] = portal.dossiers()
    forged = {**before, "uuid": "11111111-2222-4333-8444-555555555555",
              "code": f"{AGENCY}-261126-9999"}
    ops = [op(uuid, "dossier.status", {"to_status": "rejected", "at": before["received_at"]}),
           op(uuid, "dossier.rescheduled", {"new_due": "2030-01-01T00:00:00+07:00"}),
           op(uuid, "dossier.form", {"uuid": uuid, "form_id": "x", "form_version": 1,
                                     "values": {"name": "Kẻ gian"}}),
           op(uuid, "dossier.pages", {"uuid": uuid, "papers": []}),
           op(uuid, "dossier.received", {**before, "version": None}, base=0),
           op(forged["uuid"], "dossier.received", forged, base=0)]
    answer = api.post("/push", json={"ops": ops})
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["result"] for r in results] == ["rejected"] * 6, results
    for r in results[:5]:
        assert "not your office" in r["message"] and "dossier" not in r
    assert AGENCY in results[5]["message"] and OTHER in results[5]["message"]
    assert portal.dossiers() == [before]  # nothing changed, nothing forged
    # the owner's next pull brings nothing new, its dossier is as it was
    report = engine.run_once(ctx)
    assert (report.error, report.pulled) == ("", 0)


def test_reusing_the_owners_op_id_learns_and_changes_nothing(portal, two_offices):
    from sadec_desk.sync.portal.models import Operation

    ctx, uuid, image, api, _ = two_offices
    with portal.store.database.connection_context():
        owner_op = Operation.get(Operation.dossier_uuid == uuid,
                                 Operation.op == "dossier.received")
    # the same op_id on the owner's dossier, then on one of B's own
    for target in (uuid, "99999999-2222-4333-8444-555555555555"):
        r = api.post("/push", json={"ops": [op(target, "dossier.status",
                                               {"to_status": "processing"},
                                               op_id=owner_op.op_id)]}).json()["results"][0]
        assert r["result"] == "rejected" and "original" not in r and "version" not in r
    with portal.store.database.connection_context():
        assert Operation.get(Operation.op_id == owner_op.op_id).result == "applied"


def test_a_page_another_office_holds_must_be_sent_whole_before_it_is_readable(
        portal, two_offices):
    _ctx, _uuid, image, api, _ = two_offices
    sha = hashlib.sha256(image).hexdigest()

    def patch(offset, data):
        return api.patch(f"/blobs/{sha}", content=data, headers={
            P.UPLOAD_OFFSET: str(offset), P.UPLOAD_LENGTH: str(len(image))})

    # claiming it without the bytes: wrong bytes of the right length are refused
    wrong = bytes(len(image))
    assert patch(0, wrong).status_code == 422
    assert api.get(f"/blobs/{sha}").status_code == 404
    # naming it in a page list before proving it is refused too
    half = len(image) // 2
    assert patch(0, image[:half]).status_code == 204
    assert api.head(f"/blobs/{sha}").headers[P.UPLOAD_OFFSET] == str(half)
    assert api.get(f"/blobs/{sha}").status_code == 404
    assert patch(half + 1, image[half + 1:]).status_code == 409
    assert patch(half, image[half:]).status_code == 204
    got = api.get(f"/blobs/{sha}")
    assert got.status_code == 200 and got.content == image


def test_enrolment_codes_belong_to_one_office(portal):
    api = httpx.Client(base_url=portal.url + "/v1", timeout=10)
    try:
        code = portal.new_code(AGENCY)
        for agency in (OTHER, "", None, "000.00.14"):
            body = {"code": code, "name": "x"}
            if agency is not None:
                body["agency_code"] = agency
            refused = api.post("/devices/enrol", json=body)
            assert refused.status_code == 403, agency
        # the refusals did not spend the code
        ok = api.post("/devices/enrol", json={"code": code, "agency_code": AGENCY.lower()})
        assert ok.status_code == 200
        admin = portal.http
        assert admin.post("/admin/enrolments", json={}).status_code == 400
        assert admin.post("/admin/enrolments", json={"agency": "H20"}).status_code == 400
        assert admin.post("/admin/enrolments", json={"agency": ["x"]}).status_code == 400
        assert api.post("/admin/enrolments", json={"agency": AGENCY}).status_code == 403
    finally:
        api.close()


def test_a_device_enrolled_before_offices_may_do_nothing(portal):
    from sadec_desk.sync.portal.models import Device

    api, enrolled = enrol_raw(portal, OTHER)
    with portal.store.database.connection_context():
        Device.update(agency="").where(Device.device_id == enrolled["device_id"]).execute()
    try:
        for method, path in (("GET", "/changes"), ("GET", "/procedures"),
                             ("GET", "/dossiers/x"), ("POST", "/push")):
            answer = api.request(method, path, json={"ops": []})
            assert answer.status_code == 403 and "enrol" in answer.json()["error"]
    finally:
        api.close()


def test_a_bundle_signed_by_another_offices_device_is_refused(portal, two_offices):
    ctx, uuid, image, api, enrolled = two_offices
    bundle = P.sign_bundle({"format": P.BUNDLE_FORMAT, "device_id": enrolled["device_id"],
                            "ops": [op(uuid, "dossier.status", {"to_status": "rejected"})]},
                           enrolled["device_key"])
    with engine_adapter(ctx) as adapter:
        from sadec_desk.sync.adapters.reference import Refused

        with pytest.raises(Refused) as caught:
            adapter.send_bundle(bundle)
        assert caught.value.status == 403
    # and B posting its own signed file about A's dossier gets 'not your office'
    r = api.post("/bundles", json=bundle).json()["results"][0]
    assert r["result"] == "rejected" and "not your office" in r["message"]


def test_cli_new_code_names_the_office(capsys):
    code, out, err = run_cli(capsys, "portal", "new-code", "--agency", OTHER, "--json")
    assert code == 0, err
    assert json.loads(out)["agency"] == OTHER
    code, out, err = run_cli(capsys, "portal", "new-code", "--agency", "H20")
    assert code == 2 and "QCVN 102:2016" in err and "Traceback" not in err
