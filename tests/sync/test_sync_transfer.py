"""Offline transfer: export the pending outbox to a signed file, import it elsewhere."""

import json
import os

import pytest
from appfixtures import Clock, make_ctx
from syncfixtures import assert_converged, office, receive_many

from sadec_desk.cli import main
from sadec_desk.db.models import Outbox
from sadec_desk.errors import UserError
from sadec_desk.sync import engine, transfer


def _switch_machine(monkeypatch, tmp_path, name):
    monkeypatch.setenv("SADEC_DESK_CONFIG", str(tmp_path / name / "config.toml"))
    monkeypatch.setenv("SADEC_DESK_DATA_DIR", str(tmp_path / name / "data"))


def test_export_then_import_on_a_connected_machine(portal, tmp_path, monkeypatch):
    office_ctx = office(portal)
    uuids = receive_many(office_ctx, 3)
    from sadec_desk.services.reception import dossiers

    dossiers.advance_dossier(office_ctx, uuids[0], "processing")
    out = tmp_path / "usb" / "outbox.json"
    out.parent.mkdir()
    info = transfer.export_pending(office_ctx, out)
    assert info.operations == 4 and oct(os.stat(out).st_mode & 0o777) == "0o600"
    office_ctx.close()

    # another, connected machine (its own database and device) carries the file in
    _switch_machine(monkeypatch, tmp_path, "it-laptop")
    laptop = office(portal)
    first = transfer.import_bundle(laptop, out)
    assert (first.applied, first.duplicates, first.device_id) == (4, 0, info.device_id)
    assert len(portal.dossiers()) == 3
    second = transfer.import_bundle(laptop, out)
    assert (second.applied, second.duplicates) == (0, 4)
    assert len(portal.dossiers()) == 3

    # tampering is caught by the portal
    bundle = json.loads(out.read_text(encoding="utf-8"))
    bundle["ops"][1]["payload"]["fee_vnd"] = 1
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(bundle), encoding="utf-8")
    with pytest.raises(UserError, match="signature"):
        transfer.import_bundle(laptop, forged)
    laptop.close()

    # back at the office, the network returns: nothing is sent twice
    _switch_machine(monkeypatch, tmp_path, "")
    office_ctx = make_ctx(Clock())
    report = engine.run_once(office_ctx)
    assert (report.pushed, report.duplicates) == (0, 4)
    assert_converged(office_ctx, portal)


def test_cli_export_import_and_local_tamper_check(portal, tmp_path, capsys):
    ctx = office(portal)
    receive_many(ctx, 2)
    ctx.close()
    out = tmp_path / "outbox.json"
    assert main(["sync", "export", "--out", str(out)]) == 0
    assert "2 thao tác" in capsys.readouterr().out
    bundle = json.loads(out.read_text(encoding="utf-8"))
    bundle["ops"].pop()  # same device: checked here before anything is sent
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(bundle), encoding="utf-8")
    assert main(["sync", "import", str(forged)]) == 2
    assert "không hợp lệ" in capsys.readouterr().err
    assert main(["sync", "import", str(tmp_path / "missing.json")]) == 2
    assert "Không đọc được tệp" in capsys.readouterr().err
    assert main(["sync", "import", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["applied"] == 2
    # the rows of this very machine took the answers: nothing left to send
    ctx = make_ctx(Clock())
    assert Outbox.select().where(Outbox.state == "pending").count() == 0
    assert_converged(ctx, portal)


def test_export_needs_an_enrolled_device(tmp_path):
    ctx = make_ctx(Clock())
    receive_many(ctx, 1)
    with pytest.raises(UserError, match="chưa đăng ký"):
        transfer.export_pending(ctx, tmp_path / "x.json")


def test_pages_travel_inside_the_exported_file(portal, tmp_path, monkeypatch):
    import hashlib

    import httpx
    from portalfixtures import ADMIN_KEY
    from syncfixtures import add_pages, page_image

    from sadec_desk.db.attachment_models import PageBlob

    office_ctx = office(portal)
    [uuid] = receive_many(office_ctx, 1)
    images = [page_image(1, size=(160, 120)), page_image(2, size=(160, 120))]
    payload = add_pages(office_ctx, uuid, [("Giấy chứng sinh", images)])
    out = tmp_path / "outbox.json"
    info = transfer.export_pending(office_ctx, out)
    assert (info.operations, info.pages, info.pages_missing) == (2, 2, 0)
    office_ctx.close()

    _switch_machine(monkeypatch, tmp_path, "it-laptop")
    laptop = office(portal)
    imported = transfer.import_bundle(laptop, out)
    assert (imported.applied, imported.rejected) == (2, 0)
    [stored] = portal.dossiers()
    assert stored["scanned_papers"] == payload["papers"]
    for data in images:
        served = httpx.get(f"{portal.url}/v1/blobs/{hashlib.sha256(data).hexdigest()}",
                           headers={"X-Admin-Key": ADMIN_KEY}, timeout=10)
        assert served.content == data
    laptop.close()

    # back at the office: the pages are on the portal, nothing is uploaded again
    _switch_machine(monkeypatch, tmp_path, "")
    office_ctx = make_ctx(Clock())
    report = engine.run_once(office_ctx)
    assert (report.pushed, report.duplicates, report.pages_uploaded) == (0, 2, 0)
    assert PageBlob.select().where(PageBlob.uploaded_at.is_null()).count() == 0
    assert_converged(office_ctx, portal)
