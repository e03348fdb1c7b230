"""The reference portal's own behaviour and its published API document."""

import json
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from appfixtures import AGENCY, SAMPLE_QR, Clock, make_ctx

from sadec_desk.services.reception import dossiers
from sadec_desk.sync import engine
from sadec_desk.sync.portal.app import create_app

OP_A, OP_B, OP_C = "op-a", "op-b", "op-c"
DOC = Path(__file__).resolve().parents[2] / "docs" / "portal-openapi.json"


def test_openapi_document_lists_every_route(portal):
    doc = json.loads(DOC.read_text(encoding="utf-8"))
    assert doc["openapi"].startswith("3.")
    app = create_app(portal.store, admin_key="k")
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/v1"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        assert path in doc["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in doc["paths"][path], (path, method)


def test_auth_enrolment_and_bad_requests(portal):
    api = httpx.Client(base_url=portal.url + "/v1", timeout=5)
    assert api.post("/push", json={"ops": []}).status_code == 401
    assert api.get("/admin/dossiers").status_code == 403
    code = portal.new_code()
    enrolled = api.post("/devices/enrol", json={"code": code, "name": "x",
                                                "agency_code": AGENCY}).json()
    assert api.post("/devices/enrol", json={"code": code, "agency_code": AGENCY}
                    ).status_code == 403  # one use only
    headers = {"Authorization": f"Bearer {enrolled['token']}"}
    bad = api.post("/push", json={"ops": [{"op_id": 1}]}, headers=headers)
    assert bad.status_code == 400 and "op_id" in bad.json()["error"]
    assert api.post("/push", content=b"{", headers=headers).status_code == 400
    assert api.post("/devices/token", json={"device_id": enrolled["device_id"],
                                            "device_key": "wrong"}).status_code == 403
    fresh = api.post("/devices/token", json={"device_id": enrolled["device_id"],
                                             "device_key": enrolled["device_key"]})
    assert fresh.status_code == 200 and fresh.json()["token"] != enrolled["token"]
    portal.admin("POST", "/tokens/expire")
    assert api.get("/changes", headers=headers).status_code == 401
    api.close()


def test_push_is_idempotent_and_ordered_per_dossier(portal):
    store = portal.store
    with store.database.connection_context():
        dev = store.enrol(store.new_enrolment_code(AGENCY), "x", AGENCY)["device_id"]
        u1 = "0b6f1c1e-4a8e-4f7e-9d52-1f0e6c1a0001"
        dossier = {"uuid": u1, "code": f"{AGENCY}-261126-0001", "procedure_code": "1.001193",
                   "received_at": "2026-11-26T09:00:00+07:00",
                   "due_at": "2026-11-26T17:00:00+07:00", "status": "received",
                   "channel": "counter", "citizen": {"id_number": "034303011829"}}
        ops = [{"op_id": OP_A, "dossier_uuid": u1, "op": "dossier.received", "base_version": 0,
                "payload": dossier},
               {"op_id": OP_B, "dossier_uuid": u1, "op": "dossier.status", "base_version": 0,
                "payload": {"to_status": "bogus"}},
               {"op_id": OP_C, "dossier_uuid": u1, "op": "dossier.status", "base_version": 0,
                "payload": {"to_status": "processing"}}]
        first = store.push(dev, ops)
        assert [r["result"] for r in first] == ["applied", "rejected", "conflict"]
        again = store.push(dev, ops[:1])
        assert again[0]["result"] == "duplicate" and again[0]["original"]["version"] == 1
        # the refused op may be re-sent: its op_id is kept, its answer worked out again
        fixed = store.push(dev, ops[2:])
        assert fixed[0]["result"] == "applied" and fixed[0]["version"] == 2
        assert store.get_dossier(u1)["status"] == "processing"
        # another device of the office reads them (the pusher is not sent its own back)
        reader = store.enrol(store.new_enrolment_code(AGENCY), "y", AGENCY)["device_id"]
        assert store.changes(dev, 0, 1)["changes"] == []
        page = store.changes(reader, 0, 1)
        assert page["has_more"] and page["cursor"] == page["changes"][0]["seq"]
        assert store.changes(reader, page["cursor"], 10)["changes"][0]["version"] == 2


def _serve(args, env=None):
    """`sadec-desk portal serve` in a subprocess; returns (process, base URL)."""
    proc = subprocess.Popen([sys.executable, "-m", "sadec_desk", "portal", "serve",
                             "--host", "127.0.0.1", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines: queue.Queue = queue.Queue()

    def read():
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)  # the portal closed its output: it has ended

    threading.Thread(target=read, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + 20
    try:
        while True:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                line = ""
            if line and line.startswith("listening on "):
                return proc, line.split()[-1]
            if line:
                seen.append(line)
            elif line is None or time.monotonic() >= deadline:
                # the server's own words say why it did not start
                raise RuntimeError("`sadec-desk portal serve` did not start: "
                                   + ("".join(seen).strip() or "it printed nothing in 20 s"))
    except BaseException:
        proc.kill()
        proc.wait(10)
        raise


def _stop(proc):
    proc.terminate()
    try:
        proc.wait(10)
    except Exception:
        proc.kill()
        proc.wait(10)


@pytest.mark.slow
@pytest.mark.postgres
def test_cli_portal_serve_on_postgresql(pg_database):
    proc, url = _serve(["--database", pg_database, "--admin-key", "k"])
    try:
        admin = httpx.Client(base_url=url + "/v1/admin", headers={"X-Admin-Key": "k"},
                             timeout=10)
        ctx = make_ctx(Clock(), sync__portal_url=url)
        engine.enrol(ctx, url, admin.post("/enrolments", json={"agency": AGENCY}).json()["code"])
        info = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)
        dossiers.advance_dossier(ctx, info.uuid, "processing")
        assert engine.run_once(ctx).pushed == 2
        [stored] = admin.get("/dossiers").json()["dossiers"]
        assert (stored["uuid"], stored["status"], stored["version"]) == (info.uuid,
                                                                         "processing", 2)
        assert admin.post("/faults", json={"error_500": 1}).status_code == 404  # hooks off
        admin.close()
    finally:
        _stop(proc)


def test_operator_publishes_procedure_versions(portal):
    admin = portal.http
    bad = admin.post("/admin/procedures", json={"code": "2.000635", "version": 99})
    assert bad.status_code == 400 and bad.json()["error"]  # the catalogue check says why
    with portal.store.database.connection_context():
        [seed] = [p for p in portal.store.procedures() if p["code"] == "2.000635"]
    newer = {**seed["data"], "version": seed["version"] + 1, "time_limit_days": 1}
    assert admin.post("/admin/procedures", json=newer).json() == {
        "code": "2.000635", "version": seed["version"] + 1}
    assert admin.post("/admin/procedures", json=newer).status_code == 400  # not newer
    with portal.store.database.connection_context():
        [active] = [p for p in portal.store.procedures() if p["code"] == "2.000635"]
    assert active["version"] == seed["version"] + 1 and active["data"]["time_limit_days"] == 1
    assert httpx.get(portal.url + "/v1/admin/dossiers", timeout=5).status_code == 403
