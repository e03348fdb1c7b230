"""Issue #14 item 4: enrolment is retry-safe. The client sends a nonce it keeps (in the
database) until the answer arrives; the portal, given the same code and nonce again,
returns the same device with a fresh token; another nonce on a spent code is refused."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from appfixtures import AGENCY, Clock, make_ctx
from portalfixtures import DroppingProxy
from syncfixtures import assert_converged, receive_many

from sadec_desk.db.sync_models import SyncState
from sadec_desk.sync import engine
from sadec_desk.sync.errors import SyncError
from sadec_desk.sync.portal.models import Device, Enrolment
from sadec_desk.sync.state import get_state

OTHER = "000.00.15.H20"


def devices(portal) -> list[str]:
    with portal.store.database.connection_context():
        return [d.device_id for d in Device.select()]


def raw_enrol(portal, code: str, nonce, agency: str = AGENCY) -> httpx.Response:
    body = {"code": code, "name": "kẻ gian", "agency_code": agency}
    if nonce is not None:
        body["nonce"] = nonce
    return httpx.post(portal.url + "/v1/devices/enrol", json=body, timeout=10)


def test_answer_lost_after_the_portal_committed_then_the_retry_gets_the_same_device(portal):
    ctx = make_ctx(Clock(), sync__timeout_seconds=5)
    proxy = DroppingProxy(portal.server.effective_port, drop_push=1,
                          request=b"POST /v1/devices/enrol")
    try:
        code = portal.new_code()
        with pytest.raises(SyncError):
            engine.enrol(ctx, proxy.url, code, "quầy 1")
        # the portal made the device; this office never heard of it
        [made] = devices(portal)
        assert get_state("device_id") == ""
        kept = get_state(engine.ENROL_PENDING)
        assert kept and code not in kept  # the nonce is kept, the code only as a hash
        # the same command again: the same device, its key and a token that works
        assert engine.enrol(ctx, proxy.url, code, "quầy 1") == made
        assert devices(portal) == [made] and get_state("device_id") == made
        assert get_state(engine.ENROL_PENDING) == ""
    finally:
        proxy.stop()
    receive_many(ctx, 2)
    ctx.config.values["sync.portal_url"] = portal.url
    portal.admin("POST", "/tokens/expire")  # the key is right too: a new token is granted
    report = engine.run_once(ctx)
    assert (report.error, report.pushed) == ("", 2)
    assert_converged(ctx, portal)


def test_the_same_code_and_nonce_twice_is_one_device(portal):
    code = portal.new_code()
    nonce = "n" * 32
    first = raw_enrol(portal, code, nonce).json()
    second = raw_enrol(portal, code, nonce).json()
    assert second["device_id"] == first["device_id"]
    assert second["device_key"] == first["device_key"]
    assert second["token"] != first["token"]  # a fresh token; the first still works too
    assert len(devices(portal)) == 1


@pytest.mark.parametrize("attempt", ["another nonce", "no nonce", "another office",
                                     "after the window"])
def test_an_attacker_with_the_code_but_not_the_nonce_is_refused(portal, attempt):
    code = portal.new_code()
    nonce = "legit-" + "a" * 26
    owner = raw_enrol(portal, code, nonce).json()
    if attempt == "another nonce":
        answer = raw_enrol(portal, code, "evil-" + "b" * 27)
    elif attempt == "no nonce":
        answer = raw_enrol(portal, code, None)
    elif attempt == "another office":
        answer = raw_enrol(portal, code, nonce, agency=OTHER)
    else:
        with portal.store.database.connection_context():
            used = Enrolment.get(Enrolment.code == code)
            Enrolment.update(used_at=used.used_at - timedelta(days=2)).where(
                Enrolment.id == used.id).execute()
        answer = raw_enrol(portal, code, nonce)
    assert answer.status_code == 403
    assert owner["device_id"] not in answer.text and owner["device_key"] not in answer.text
    assert devices(portal) == [owner["device_id"]]


def test_a_first_enrolment_without_a_nonce_cannot_be_repeated(portal):
    """An older client (no nonce): the code is spent as before, nobody can claim it."""
    code = portal.new_code()
    assert raw_enrol(portal, code, None).status_code == 200
    assert raw_enrol(portal, code, None).status_code == 403
    assert raw_enrol(portal, code, "z" * 40).status_code == 403


@pytest.mark.parametrize("nonce", ["short", "x" * 129, "bad nonce with spaces!!", 12345,
                                   ["a" * 20], "é" * 20])
def test_a_malformed_nonce_is_a_400(portal, nonce):
    answer = raw_enrol(portal, portal.new_code(), nonce)
    assert answer.status_code == 400 and "nonce" in answer.json()["error"]
    assert devices(portal) == []


def test_the_stored_nonce_is_only_reused_for_the_same_code_and_portal(portal):
    ctx = make_ctx(Clock(), sync__timeout_seconds=5)
    nonces = []
    for code in (portal.new_code(), portal.new_code()):
        engine.enrol(ctx, portal.url, code, "quầy 1")
        with portal.store.database.connection_context():
            nonces.append(Enrolment.get(Enrolment.code == code).nonce_hash)
    assert len(set(nonces)) == 2 and all(nonces)
    # the pending record is cleared in the same transaction as the identity is stored
    assert SyncState.get(SyncState.key == engine.ENROL_PENDING).value == ""
