"""Scanned pages and filled forms reach the reference portal (issue #8 items 5 and 7):
chunked, resumable, idempotent by hash, over real loopback sockets."""

import hashlib
import math

import httpx
from appfixtures import AGENCY, run_cli
from portalfixtures import ADMIN_KEY, UploadProxy
from syncfixtures import add_pages, assert_converged, office, page_image, receive_many, save_form

from sadec_desk.db.attachment_models import PageBlob
from sadec_desk.db.models import Dossier, Outbox
from sadec_desk.sync import conflicts, engine, outbox_ops, state

CHUNK = 64 * 1024


def _portal_dossier(portal, uuid):
    return next(d for d in portal.dossiers() if d["uuid"] == uuid)


def _download(portal, sha):
    response = httpx.get(f"{portal.url}/v1/blobs/{sha}", headers={"X-Admin-Key": ADMIN_KEY},
                         timeout=10)
    assert response.status_code == 200, response.text
    return response


def _held_at_portal(portal, sha):
    """(bytes held, complete) of the blob or of the (one) upload of it under way."""
    from sadec_desk.sync.portal.models import BlobUpload

    with portal.store.database.connection_context():
        row = portal.store.blob_state(sha)
        if row is not None:
            return row.length, True
        uploads = list(BlobUpload.select().where(BlobUpload.sha256 == sha))
        assert len(uploads) <= 1
        return (uploads[0].received, False) if uploads else None


def _sync_state(uuid):
    return Dossier.get(Dossier.uuid == uuid).sync_state


def test_pages_reach_the_portal_and_are_served_back_identical(portal):
    ctx = office(portal, sync__chunk_bytes=CHUNK)
    [uuid] = receive_many(ctx, 1)
    images = [page_image(1), page_image(2), page_image(3, kind="PNG")]
    payload = add_pages(ctx, uuid, [("Tờ khai đăng ký khai sinh", images[:1]),
                                    ("Giấy chứng sinh", images[1:])])
    status = engine.sync_status(ctx)
    assert (status.pages_waiting, status.pages_waiting_bytes) == (3, sum(map(len, images)))

    report = engine.run_once(ctx)
    assert (report.pushed, report.error, report.pages_uploaded) == (2, "", 3)
    assert report.page_bytes_sent == sum(map(len, images))
    assert _sync_state(uuid) == "synced"
    assert PageBlob.select().where(PageBlob.uploaded_at.is_null()).count() == 0
    assert engine.sync_status(ctx).pages_waiting == 0
    on_portal = _portal_dossier(portal, uuid)
    assert on_portal["scanned_papers"] == payload["papers"]
    for data, media in zip(images, ("image/jpeg", "image/jpeg", "image/png"), strict=True):
        response = _download(portal, hashlib.sha256(data).hexdigest())
        assert response.content == data and response.headers["content-type"] == media
    # GET dossier (device token) shows the pages as well
    token = state.get_state("token")
    got = httpx.get(f"{portal.url}/v1/dossiers/{uuid}", timeout=10,
                    headers={"Authorization": f"Bearer {token}"}).json()
    assert got["scanned_papers"] == payload["papers"]
    assert_converged(ctx, portal)


def test_a_page_the_portal_holds_is_not_sent_again(portal):
    proxy = UploadProxy(portal.server.effective_port)
    try:
        ctx = office(portal, sync__chunk_bytes=CHUNK)
        ctx.config.values["sync.portal_url"] = proxy.url
        a, b, c = receive_many(ctx, 3)
        shared, own = page_image(10), page_image(11)
        add_pages(ctx, a, [("Giấy chứng sinh", [shared])])
        add_pages(ctx, b, [("Giấy chứng sinh", [shared, own])])
        assert engine.sync_status(ctx).pages_waiting == 2
        report = engine.run_once(ctx)
        assert (report.error, report.pages_uploaded) == ("", 2)
        # two dossiers name the same page: it went once
        assert proxy.patches == math.ceil(len(shared) / CHUNK) + math.ceil(len(own) / CHUNK)
        assert proxy.patch_body_bytes == len(shared) + len(own)

        # the confirmation was lost here (e.g. the app closed right after the upload):
        # the portal says it has the page, nothing is sent
        PageBlob.update(uploaded_at=None).execute()
        add_pages(ctx, c, [("Giấy chứng sinh", [own, shared])])
        patches = proxy.patches
        again = engine.run_once(ctx)
        assert (again.error, again.pushed, again.pages_uploaded) == ("", 1, 0)
        assert proxy.patches == patches
        assert PageBlob.select().where(PageBlob.uploaded_at.is_null()).count() == 0
        assert {_sync_state(u) for u in (a, b, c)} == {"synced"}
        assert_converged(ctx, portal)
    finally:
        proxy.stop()


def test_upload_cut_mid_chunk_resumes_from_the_portal_offset(portal):
    data = page_image(20, size=(800, 600))
    chunks = math.ceil(len(data) / CHUNK)
    assert chunks >= 4
    proxy = UploadProxy(portal.server.effective_port, cut_patch=3, cut_after=CHUNK // 2)
    try:
        ctx = office(portal, sync__chunk_bytes=CHUNK)
        ctx.config.values["sync.portal_url"] = proxy.url
        [uuid, other] = receive_many(ctx, 2)
        add_pages(ctx, uuid, [("Giấy chứng sinh", [data])])
        sha = hashlib.sha256(data).hexdigest()

        report = engine.run_once(ctx)
        assert report.error and proxy.cuts == 1
        # the dossiers themselves went; the page list waits for its page
        assert report.pushed == 2 and report.pages_uploaded == 0
        assert _held_at_portal(portal, sha) == (2 * CHUNK, False)
        assert "scanned_papers" not in _portal_dossier(portal, uuid)
        assert _sync_state(uuid) == "pending" and _sync_state(other) == "synced"
        status = engine.sync_status(ctx)
        assert (status.pending, status.pages_waiting, status.pages_waiting_bytes) == \
            (1, 1, len(data))
        assert status.next_try_at is not None  # backing off like any network failure
        assert engine.run_once(ctx).skipped

        sent_before = proxy.patch_body_bytes
        again = engine.run_once(ctx, force=True)
        assert (again.error, again.pushed, again.pages_uploaded) == ("", 1, 1)
        # only the bytes after the portal's offset went the second time
        assert again.page_bytes_sent == len(data) - 2 * CHUNK
        assert proxy.patch_body_bytes - sent_before == len(data) - 2 * CHUNK
        assert _download(portal, sha).content == data
        assert _held_at_portal(portal, sha) == (len(data), True)
        assert _sync_state(uuid) == "synced"
        assert_converged(ctx, portal)
    finally:
        proxy.stop()


def test_a_corrupted_upload_is_refused_and_sent_again(portal):
    data = page_image(30)
    chunks = math.ceil(len(data) / CHUNK)
    proxy = UploadProxy(portal.server.effective_port, corrupt_patch=1)
    try:
        ctx = office(portal, sync__chunk_bytes=CHUNK)
        ctx.config.values["sync.portal_url"] = proxy.url
        [uuid] = receive_many(ctx, 1)
        add_pages(ctx, uuid, [("Giấy chứng sinh", [data])])
        report = engine.run_once(ctx)
        # the portal found the hash wrong at the last chunk, dropped the copy, and
        # the client sent the page whole again in the same run
        assert (report.error, report.pages_uploaded) == ("", 1)
        assert proxy.patches == 2 * chunks
        assert report.page_bytes_sent == 2 * len(data)
        assert _download(portal, hashlib.sha256(data).hexdigest()).content == data
        assert _sync_state(uuid) == "synced"
        assert_converged(ctx, portal)
    finally:
        proxy.stop()


def test_the_filled_form_reaches_the_portal(portal):
    ctx = office(portal)
    [uuid] = receive_many(ctx, 1)
    values = {"ho_ten_tre": "Nguyễn Thị Hoa", "noi_sinh": "Bệnh viện Sa Đéc"}
    save_form(ctx, uuid, values)
    assert _sync_state(uuid) == "pending"
    report = engine.run_once(ctx)
    assert (report.pushed, report.error) == (2, "")
    assert _portal_dossier(portal, uuid)["form"] == {
        "form_id": "tt04-2020/khai-sinh", "form_version": "1", "values": values}
    assert _sync_state(uuid) == "synced"
    assert_converged(ctx, portal)


def test_a_page_file_lost_here_holds_only_its_dossier(portal):
    ctx = office(portal, sync__chunk_bytes=CHUNK)
    broken, fine = receive_many(ctx, 2)
    add_pages(ctx, broken, [("Giấy chứng sinh", [page_image(40)])])
    save_form(ctx, broken, {"ho_ten_tre": "Trần Văn Đức"})  # after the pages: must wait
    add_pages(ctx, fine, [("Giấy chứng sinh", [page_image(41)])])
    lost = PageBlob.get(PageBlob.sha256 == hashlib.sha256(page_image(40)).hexdigest())
    path = outbox_ops.page_file(ctx, lost)
    path.write_bytes(path.read_bytes()[:-10])  # damaged on disk

    report = engine.run_once(ctx)
    assert (report.pushed, report.rejected, report.error) == (3, 1, "")
    row = Dossier.get(Dossier.uuid == broken)
    assert row.sync_state == "rejected" and "bị mất hoặc hỏng" in row.sync_message
    held = Outbox.select().where(Outbox.dossier_uuid == broken).order_by(Outbox.id)
    assert [(r.op, r.state) for r in held] == [
        ("dossier.received", "done"), ("dossier.pages", "failed"), ("dossier.form", "pending")]
    assert _sync_state(fine) == "synced"
    assert "form" not in _portal_dossier(portal, broken)

    path.write_bytes(page_image(40))  # scanned again
    assert conflicts.retry(ctx, broken) == 2
    again = engine.run_once(ctx)
    assert (again.pushed, again.pages_uploaded, again.error) == (2, 1, "")
    assert_converged(ctx, portal)


def test_blob_upload_api_offsets_limits_and_checks(portal):
    api = httpx.Client(base_url=portal.url + "/v1", timeout=10)
    enrolled = api.post("/devices/enrol", json={"code": portal.new_code(), "name": "x",
                                            "agency_code": AGENCY}).json()
    auth = {"Authorization": f"Bearer {enrolled['token']}"}
    data = page_image(50, size=(200, 150))
    sha = hashlib.sha256(data).hexdigest()

    def patch(offset, body, length=None, name=sha):
        return api.patch(f"/blobs/{name}", content=body, headers={
            **auth, "Upload-Offset": str(offset),
            "Upload-Length": str(len(data) if length is None else length)})

    assert api.head(f"/blobs/{sha}").status_code == 401
    assert api.patch(f"/blobs/{sha}", content=data[:10]).status_code == 401
    absent = api.head(f"/blobs/{sha}", headers=auth)
    assert (absent.status_code, absent.headers["Upload-Offset"]) == (404, "0")
    assert api.head("/blobs/not-a-hash", headers=auth).status_code == 400

    half = len(data) // 2
    first = patch(0, data[:half])
    assert (first.status_code, first.headers["Upload-Offset"]) == (204, str(half))
    # a chunk at the wrong offset: 409 and where to resume
    wrong = patch(10, data[10:half + 10])
    assert (wrong.status_code, wrong.headers["Upload-Offset"]) == (409, str(half))
    partial = api.head(f"/blobs/{sha}", headers=auth)
    assert (partial.status_code, partial.headers["Upload-Offset"]) == (404, str(half))
    assert api.get(f"/blobs/{sha}", headers=auth).status_code == 404  # not served yet
    # limits: a chunk or a blob too large is refused before anything is stored
    limit = portal.store.max_chunk_bytes
    assert patch(half, b"x" * (limit + 1), length=limit * 4).status_code == 413
    assert patch(0, b"x", length=portal.store.max_blob_bytes + 1).status_code == 413
    assert patch(half, data[half:] + b"extra").status_code == 400  # past Upload-Length
    done = patch(half, data[half:])
    assert (done.status_code, done.headers["Upload-Offset"]) == (204, str(len(data)))
    assert api.head(f"/blobs/{sha}", headers=auth).status_code == 200
    assert api.get(f"/blobs/{sha}", headers=auth).content == data
    assert patch(0, data).status_code == 204  # complete: sending it again changes nothing

    # bytes that do not hash to the name: refused at the last chunk, the copy dropped
    other = page_image(51, size=(200, 150))
    other_sha = hashlib.sha256(other).hexdigest()
    bad = patch(0, other[:-1] + b"\x00", length=len(other), name=other_sha)
    assert bad.status_code == 422 and bad.headers["Upload-Offset"] == "0"
    assert api.head(f"/blobs/{other_sha}", headers=auth).headers["Upload-Offset"] == "0"

    # a page list naming a page the portal does not hold is rejected with the reason
    ctx = office(portal)
    [uuid] = receive_many(ctx, 1)
    assert engine.run_once(ctx).pushed == 1
    page = {"position": 1, "sha256": other_sha, "media_type": "image/jpeg",
            "size": len(other), "width": 200, "height": 150}
    ops = [{"op_id": "p1", "dossier_uuid": uuid, "op": "dossier.pages", "base_version": 1,
            "payload": {"uuid": uuid, "papers": [{"index": 0, "name": "Giấy chứng sinh",
                                                  "pages": [page]}]}},
           {"op_id": "f1", "dossier_uuid": uuid, "op": "dossier.form", "base_version": 1,
            "payload": {"uuid": uuid, "form_id": "x", "form_version": "1", "values": {}}}]
    results = api.post("/push", json={"ops": ops}, headers=auth).json()["results"]
    assert results[0]["result"] == "rejected" and "tải tệp lên" in results[0]["message"]
    assert results[1]["result"] == "conflict"  # held behind it, never reordered
    # once the page is there the same op_id is worked out again and applied
    assert patch(0, other, length=len(other), name=other_sha).status_code == 204
    results = api.post("/push", json={"ops": ops}, headers=auth).json()["results"]
    assert [r["result"] for r in results] == ["applied", "applied"]
    assert _portal_dossier(portal, uuid)["scanned_papers"][0]["pages"] == [page]
    bad_form = {**ops[1], "op_id": "f2", "base_version": 3,
                "payload": {"uuid": uuid, "form_id": "x", "form_version": "1",
                            "values": {"a": 1}}}
    [answer] = api.post("/push", json={"ops": [bad_form]}, headers=auth).json()["results"]
    assert answer["result"] == "rejected" and "values" in answer["message"]
    api.close()


def test_pages_added_through_the_attachments_service_reach_the_portal(portal):
    from sadec_desk.services.pages import dossier_pages, store

    ctx = office(portal, sync__chunk_bytes=CHUNK)
    [uuid] = receive_many(ctx, 1)
    dossier_id = Dossier.get(Dossier.uuid == uuid).id
    for seed in (60, 61):
        dossier_pages.add_page(ctx, page_image(seed), paper_index=1, paper_name="Giấy chứng sinh",
                               source="file", dossier=uuid)
    assert engine.sync_status(ctx).pages_waiting == 2
    report = engine.run_once(ctx)
    # the second page list holds both pages and replaces the first, which is not sent
    assert (report.error, report.pushed, report.pages_uploaded) == ("", 2, 2)
    manifest = dossier_pages.pages_manifest(dossier_id)
    assert _portal_dossier(portal, uuid)["scanned_papers"] == manifest["papers"]
    for page in manifest["papers"][0]["pages"]:
        stored = store.blob_path(ctx, page["sha256"]).read_bytes()
        assert _download(portal, page["sha256"]).content == stored
    assert _sync_state(uuid) == "synced"
    assert_converged(ctx, portal)


def test_an_older_page_list_is_replaced_not_sent(portal, english_in):
    ctx = office(portal, sync__chunk_bytes=CHUNK)
    [uuid] = receive_many(ctx, 1)
    removed, kept = page_image(70), page_image(71)
    add_pages(ctx, uuid, [("Giấy chứng sinh", [removed])])
    latest = add_pages(ctx, uuid, [("Giấy chứng sinh", [kept])])  # the clerk swapped it
    # no row uses the removed page any more: its file and row go (services.attachments)
    gone = PageBlob.get(PageBlob.sha256 == hashlib.sha256(removed).hexdigest())
    outbox_ops.page_file(ctx, gone).unlink()
    gone.delete_instance()

    report = engine.run_once(ctx)
    assert (report.error, report.rejected, report.pushed, report.pages_uploaded) == \
        ("", 0, 2, 1)
    ops = Outbox.select().where(Outbox.op == "dossier.pages").order_by(Outbox.id)
    assert [r.state for r in ops] == ["discarded", "done"]
    # why it was not sent, for the IT officer: in Vietnamese (was "superseded by ...")
    assert "danh sách trang mới hơn" in ops[0].last_error and not english_in(ops[0].last_error)
    assert _portal_dossier(portal, uuid)["scanned_papers"] == latest["papers"]
    assert _held_at_portal(portal, hashlib.sha256(removed).hexdigest()) is None
    assert _sync_state(uuid) == "synced"
    assert_converged(ctx, portal)


def test_a_portal_error_during_an_upload_backs_off_and_resumes(portal):
    ctx = office(portal, sync__chunk_bytes=CHUNK)
    [uuid] = receive_many(ctx, 1)
    data = page_image(80)
    add_pages(ctx, uuid, [("Giấy chứng sinh", [data])])
    portal.faults(error_500=1)  # the first chunk gets a 500
    report = engine.run_once(ctx)
    assert "HTTP 500" in report.error and report.pushed == 1
    assert engine.sync_status(ctx).next_try_at is not None
    assert _sync_state(uuid) == "pending"
    again = engine.run_once(ctx, force=True)
    assert (again.error, again.pushed, again.pages_uploaded) == ("", 1, 1)
    assert _download(portal, hashlib.sha256(data).hexdigest()).content == data
    assert_converged(ctx, portal)


def test_sync_status_shows_the_pages_waiting(ctx, capsys):
    [uuid] = receive_many(ctx, 1)
    images = [page_image(90), page_image(91)]
    add_pages(ctx, uuid, [("Giấy chứng sinh", images)])
    ctx.close()
    code, out, _err = run_cli(capsys, "sync", "status")
    assert code == 0
    total = sum(map(len, images))
    assert total < 1_000_000  # two small test pages: counted in KB, as everywhere
    assert f"Trang ảnh chờ tải: 2 trang ({max(1, round(total / 1000))} KB)" in out


def test_an_upload_abandoned_for_a_week_is_dropped_by_the_portal(portal):
    from datetime import timedelta

    from sadec_desk.sync.portal.models import BlobUpload

    api = httpx.Client(base_url=portal.url + "/v1", timeout=10)
    enrolled = api.post("/devices/enrol", json={"code": portal.new_code(), "name": "x",
                                            "agency_code": AGENCY}).json()
    auth = {"Authorization": f"Bearer {enrolled['token']}"}
    started = {}
    for seed in (60, 61):  # two uploads cut after their first half
        data = page_image(seed, size=(200, 150))
        sha = hashlib.sha256(data).hexdigest()
        reply = api.patch(f"/blobs/{sha}", content=data[:len(data) // 2], headers={
            **auth, "Upload-Offset": "0", "Upload-Length": str(len(data))})
        assert reply.status_code == 204
        started[seed] = sha
    old, fresh = started[60], started[61]
    device_id = enrolled["device_id"]
    with portal.store.write():  # the first one's last chunk came eight days ago
        began = BlobUpload.get(BlobUpload.sha256 == old).updated_at
        BlobUpload.update(updated_at=began - timedelta(days=8)).where(
            BlobUpload.sha256 == old).execute()
    assert portal.store.upload_path(old, device_id).exists()
    assert portal.store.drop_abandoned_uploads() == 1
    assert not portal.store.upload_path(old, device_id).exists()
    assert portal.store.upload_state(old, device_id) is None
    gone = api.head(f"/blobs/{old}", headers=auth)
    assert (gone.status_code, gone.headers["Upload-Offset"]) == (404, "0")  # starts again
    kept = api.head(f"/blobs/{fresh}", headers=auth)
    assert kept.status_code == 404 and kept.headers["Upload-Offset"] != "0"
    api.close()
