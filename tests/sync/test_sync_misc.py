"""The change feed per office, the background worker, TLS settings, retry from the CLI."""

import json

import pytest
from appfixtures import Clock, make_ctx, vn
from syncfixtures import assert_converged, local_procedure, office, receive_many

from sadec_desk.cli import main
from sadec_desk.db.models import Dossier, Outbox
from sadec_desk.sync import conflicts, engine
from sadec_desk.sync.adapters.base import tls_verify
from sadec_desk.sync.errors import SyncError
from sadec_desk.sync.records import SyncReport, SyncStatus
from sadec_desk.sync.worker import SyncWorker


def test_feed_holds_only_this_offices_dossiers(portal):
    ctx = office(portal)
    for code in ("000.00.14.H20-261126-0500", "000.00.99.H20-261126-0500"):
        portal.admin("POST", "/dossiers", {
            "code": code, "procedure_code": "1.001193",
            "due_at": vn(2026, 11, 26, 17, 0).isoformat(),
            "citizen": {"id_number": "087099003333", "full_name": "Đỗ Thị Lan"}})
    report = engine.run_once(ctx)
    assert report.new_dossiers == 1
    assert [d.code for d in Dossier.select()] == ["000.00.14.H20-261126-0500"]


def test_background_worker_runs_and_reports(portal):
    ctx = office(portal, sync__interval_seconds=1)
    receive_many(ctx, 2)
    worker = SyncWorker(ctx).start()
    try:
        seen = []
        while not any(isinstance(e, SyncStatus) for e in seen):
            seen.append(worker.events.get(timeout=20))
        report = next(e for e in seen if isinstance(e, SyncReport))
        assert report.pushed == 2 and report.error == ""
        assert worker.snapshot().pending == 0
    finally:
        worker.stop(timeout=20)
    assert_converged(ctx, portal)


def test_tls_is_always_verified(tmp_path):
    assert tls_verify("") is True
    with pytest.raises(SyncError, match="sync.ca_bundle"):
        tls_verify(str(tmp_path / "missing.pem"))
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate", encoding="utf-8")
    with pytest.raises(SyncError, match="không đọc được"):
        tls_verify(str(bad))
    import certifi

    context = tls_verify(certifi.where())
    assert context.verify_mode.name == "CERT_REQUIRED" and context.check_hostname


def test_cli_retry_and_conflicts_json(portal, capsys):
    ctx = office(portal)
    local_procedure(ctx)
    from sadec_desk.services.reception import dossiers

    refused = dossiers.receive_dossier(
        ctx, procedure_code="1.999999",
        qr_text="087099001234|351234567|Trần Văn Đức|05061999|Nam|Sa Đéc|01022022")
    engine.run_once(ctx)
    ctx.close()
    capsys.readouterr()
    assert main(["sync", "conflicts", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    [item] = shown["conflicts"]
    assert shown["quarantined"] == []
    assert item["code"] == refused.code and item["state"] == "rejected"
    assert main(["sync", "retry", refused.code, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"requeued": 1}
    # rejected again: the run itself worked (exit 0), the dossier says why
    assert main(["sync", "run", "--once"]) == 0
    out = capsys.readouterr().out
    assert "1 bị từ chối" in out
    ctx = make_ctx(Clock())
    assert Dossier.get(Dossier.uuid == refused.uuid).sync_state == "rejected"


@pytest.mark.postgres
def test_office_database_on_postgresql(portal, pg_database):
    ctx = office(portal, database__url=pg_database)
    uuids = receive_many(ctx, 3)
    from sadec_desk.services.reception import dossiers

    dossiers.advance_dossier(ctx, uuids[0], "processing")
    assert engine.run_once(ctx).pushed == 4
    for uuid in uuids:
        portal.admin("POST", f"/dossiers/{uuid}/status", {"status": "done"})
    dossiers.advance_dossier(ctx, uuids[2], "done")  # changed on both sides
    report = engine.run_once(ctx)
    assert (report.pulled, report.conflicts) == (2, 1)
    conflicts.resolve(ctx, uuids[2], "portal")
    assert_converged(ctx, portal)
    ctx.close()


def test_https_portal_is_verified_with_the_ca_bundle(portal, tmp_path):
    import shutil

    from portalfixtures import TlsProxy, make_certificates

    if shutil.which("openssl") is None:
        pytest.skip("openssl CLI missing (bootstrap.sh test installs it)")
    ca, cert, key = make_certificates(tmp_path)
    proxy = TlsProxy(portal.server.effective_port, cert, key)
    try:
        ctx = make_ctx(Clock(), sync__ca_bundle=str(ca), sync__timeout_seconds=5)
        engine.enrol(ctx, proxy.url, portal.new_code())
        assert ctx.config["sync.portal_url"].startswith("https://")
        receive_many(ctx, 2)
        ctx.config.values["sync.ca_bundle"] = ""  # the system store does not know our CA
        refused = engine.run_once(ctx)
        assert refused.pushed == 0
        # a sentence a person can act on, not "ConnectError: [SSL: …]" (issue #17)
        assert "Không tin được kết nối bảo mật" in refused.error
        assert "SSL" not in refused.error and "Error" not in refused.error
        ctx.config.values["sync.ca_bundle"] = str(ca)
        assert engine.run_once(ctx, force=True).pushed == 2
        assert_converged(ctx, portal)
    finally:
        proxy.stop()


def test_enrolment_failures_are_sentences(portal, tmp_path):
    """Enrolling against a portal whose certificate this machine does not trust, or an
    address where nothing listens, says what to check (issue #17 low item: the raw
    "ConnectError: [SSL: CERTIFICATE_VERIFY_FAILED] …" reached the IT screen)."""
    import shutil
    import socket

    from portalfixtures import TlsProxy, make_certificates

    if shutil.which("openssl") is None:
        pytest.skip("openssl CLI missing (bootstrap.sh test installs it)")
    _ca, cert, key = make_certificates(tmp_path)
    proxy = TlsProxy(portal.server.effective_port, cert, key)
    ctx = make_ctx(Clock(), sync__timeout_seconds=5)
    try:
        with pytest.raises(SyncError) as untrusted:
            engine.enrol(ctx, proxy.url, portal.new_code())
    finally:
        proxy.stop()
    text = str(untrusted.value)
    assert text.startswith("Không tin được kết nối bảo mật với cổng dịch vụ 127.0.0.1")
    assert "không do nơi cấp mà máy này tin cậy cấp" in text and "sync.ca_bundle" in text
    assert "SSL" not in text and "ConnectError" not in text

    with socket.socket() as free:  # a loopback port nobody listens on
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    with pytest.raises(SyncError) as refused:
        engine.enrol(ctx, f"http://127.0.0.1:{port}", "ABC")
    assert str(refused.value) == (
        "Máy chủ 127.0.0.1 không nhận kết nối: địa chỉ hoặc cổng (port) sai, hoặc cổng dịch "
        "vụ chưa chạy.")
    ctx.close()


def test_plain_http_only_to_this_machine():
    from sadec_desk.sync.adapters.base import check_portal_url

    check_portal_url("http://127.0.0.1:8765")
    check_portal_url("https://dichvucong.dongthap.gov.vn")
    for url in ("http://portal.example", "ftp://x", "portal.example", ""):
        with pytest.raises(SyncError, match="https://"):
            check_portal_url(url)


def test_a_4xx_batch_is_narrowed_to_the_bad_operation(english_in):
    """A portal that refuses a whole batch (HTTP 4xx) for one bad op: the op is found
    by sending one at a time; it is rejected alone, the other dossiers go through."""
    from sadec_desk.sync.errors import Refused

    ctx = make_ctx(Clock())
    good_a, bad, good_b = receive_many(ctx, 3)

    class Picky:
        supports_pull = False
        calls = 0

        def push(self, ops):
            Picky.calls += 1
            if any(o["dossier_uuid"] == bad for o in ops):
                raise Refused("payload too large", 413)
            return [{"op_id": o["op_id"], "result": "applied", "version": 1} for o in ops]

    report = engine.run_once(ctx, adapter=Picky())
    assert (report.pushed, report.rejected, Picky.calls) == (2, 1, 4)
    states = {d.uuid: (d.sync_state, d.sync_message) for d in Dossier.select()}
    assert states[good_a][0] == states[good_b][0] == "synced"
    # our words in Vietnamese (a clerk reads the dossier's message), the portal's quoted
    assert states[bad] == ("rejected", "Cổng từ chối (HTTP 413): «payload too large»")
    failed = [r.last_error for r in Outbox.select().where(Outbox.dossier_uuid == bad,
                                                           Outbox.state == "failed")]
    assert failed == [states[bad][1]] and not english_in(failed[0])
