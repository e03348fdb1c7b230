"""Dossiers submitted online come down with their scanned papers and their filled form:
page rows and history from the change feed, image files fetched from the portal's
blob store, hash-checked, over real loopback sockets."""

import hashlib
import json
import socket
import threading
from collections import deque

import httpx
import pytest
from appfixtures import AGENCY, vn
from portalfixtures import _METHODS, _LoopbackListener, _shut
from syncfixtures import office, page_image, receive_many

from sadec_desk.db.attachment_models import DossierForm, DossierPage, PageBlob
from sadec_desk.db.models import Dossier, DossierEvent, Outbox
from sadec_desk.errors import NotFound
from sadec_desk.services import audit
from sadec_desk.services.pages import dossier_pages, store
from sadec_desk.sync import conflicts, engine

FORM = {"form_id": "tt04-2020/khai-sinh", "form_version": "1",
        "values": {"ho_ten_tre": "Nguyễn Thị Hoa", "noi_sinh": "Bệnh viện Sa Đéc"}}


class DownloadProxy(_LoopbackListener):
    """Loopback TCP proxy in front of the portal that watches blob downloads
    (``GET /v1/blobs/…``): it counts them and can cut the connection after
    ``cut_after`` body bytes of the ``cut_get``-th one, or flip one body byte of each
    one numbered in ``corrupt`` (1-based). Answers are parsed by Content-Length, so the
    other requests on a kept-alive connection pass untouched."""

    def __init__(self, target_port: int, *, cut_get: int = 0, cut_after: int = 0,
                 corrupt: tuple[int, ...] = ()):
        self.cut_get, self.cut_after, self.corrupt = cut_get, cut_after, set(corrupt)
        self.gets = 0
        self.cuts = 0
        self.lock = threading.Lock()
        super().__init__(target_port)

    def _serve(self, client):
        upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
        client.settimeout(10)
        requests: deque = deque()  # (method, blob GET number or 0) per request sent

        def pump_up():
            try:
                while data := client.recv(65536):
                    if data.startswith(_METHODS):
                        number = 0
                        if data.startswith(b"GET /v1/blobs/"):
                            with self.lock:
                                self.gets += 1
                                number = self.gets
                        requests.append((data.split(b" ", 1)[0], number))
                    upstream.sendall(data)
            except OSError:
                pass

        threading.Thread(target=pump_up, daemon=True).start()
        buf, remaining, number, at = b"", None, 0, 0
        try:
            while data := upstream.recv(65536):
                buf += data
                out = b""
                while buf:
                    if remaining is None:  # the head of the next answer
                        end = buf.find(b"\r\n\r\n")
                        if end < 0:
                            break
                        head, buf = buf[:end + 4], buf[end + 4:]
                        method, number = requests.popleft() if requests else (b"GET", 0)
                        length = 0
                        for line in head.split(b"\r\n"):
                            if line.lower().startswith(b"content-length:"):
                                length = int(line.split(b":", 1)[1])
                        status = head.split(b" ", 2)[1]
                        remaining = 0 if method == b"HEAD" or status in (b"204", b"304") \
                            else length
                        at = 0
                        out += head
                    else:
                        take, buf = buf[:remaining], buf[remaining:]
                        if number in self.corrupt and at <= 100 < at + len(take):
                            i = 100 - at
                            take = take[:i] + bytes([take[i] ^ 0xFF]) + take[i + 1:]
                        if number and number == self.cut_get and at + len(take) > self.cut_after:
                            client.sendall(out + take[:self.cut_after - at])
                            with self.lock:
                                self.cuts += 1
                            _shut(client, upstream)
                            return
                        out += take
                        at += len(take)
                        remaining -= len(take)
                    if remaining == 0:
                        remaining = None
                client.sendall(out)
        except OSError:
            pass
        finally:
            _shut(client, upstream)
            for s in (client, upstream):
                s.close()


def upload_as_operator(portal, data: bytes) -> dict:
    """The portal's own front end storing a citizen's page (X-Admin-Key); the page
    entry of a paper list for it."""
    sha = hashlib.sha256(data).hexdigest()
    answer = portal.http.patch(f"/blobs/{sha}", content=data, headers={
        "Upload-Offset": "0", "Upload-Length": str(len(data))})
    assert answer.status_code == 204, answer.text
    media = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return {"position": 1, "sha256": sha, "media_type": media, "size": len(data),
            "width": 640, "height": 480}


def online_dossier(portal, number: int, papers: list, form: dict | None = FORM) -> dict:
    body = {"code": f"{AGENCY}-261126-{number:04d}", "procedure_code": "1.001193",
            "due_at": vn(2026, 12, 1, 9, 0).isoformat(),
            "citizen": {"id_number": "087099001111", "full_name": "Lê Thị Mai"},
            "scanned_papers": papers}
    if form is not None:
        body["form"] = form
    return portal.admin("POST", "/dossiers", body)


def two_papers(portal, first: bytes, second: bytes) -> list:
    return [{"index": 0, "name": "Giấy chứng sinh", "pages": [upload_as_operator(portal, first)]},
            {"index": 1, "name": "Giấy chứng nhận kết hôn của cha mẹ",
             "pages": [upload_as_operator(portal, second)]}]


def assert_audit_clean(ctx):
    report = audit.verify_chain(ctx)
    assert report.ok, [p.message for p in report.problems]


def test_online_dossier_comes_down_with_its_papers_and_form(portal):
    ctx = office(portal)
    first, second = page_image(1), page_image(2, kind="PNG")
    papers = two_papers(portal, first, second)
    online = online_dossier(portal, 900, papers)
    assert online["scanned_papers"] == papers and online["form"] == FORM

    report = engine.run_once(ctx)
    assert (report.error, report.new_dossiers) == ("", 1)
    assert (report.pages_downloaded, report.page_bytes_received) == (2, len(first) + len(second))
    uuid = online["uuid"]
    dossier = Dossier.get(Dossier.uuid == uuid)
    pages = list(DossierPage.select().where(DossierPage.dossier == dossier.id)
                 .order_by(DossierPage.paper_index))
    assert [(p.paper_index, p.position, p.blob.sha256, p.source) for p in pages] == [
        (0, 1, hashlib.sha256(first).hexdigest(), "portal"),
        (1, 1, hashlib.sha256(second).hexdigest(), "portal")]
    # the counter's page viewer shows exactly what the citizen uploaded
    assert [store.read_page(ctx, p.id) for p in pages] == [first, second]
    assert store.thumbnail(ctx, pages[1].id)
    form = DossierForm.get(DossierForm.dossier == dossier.id)
    assert (form.form_id, form.form_version) == ("tt04-2020/khai-sinh", "1")
    assert json.loads(form.values) == FORM["values"]
    events = list(DossierEvent.select().where(DossierEvent.dossier == dossier.id)
                  .order_by(DossierEvent.seq))
    assert [(e.kind, e.actor) for e in events] == [
        ("received", "portal"), ("pages", "portal"), ("form", "portal")]
    assert "Giấy chứng sinh: 1 trang" in events[1].note
    # it came from the portal: nothing goes back, and the portal's pages count as sent
    assert Outbox.select().where(Outbox.dossier_uuid == uuid).count() == 0
    assert PageBlob.select().where(PageBlob.uploaded_at.is_null()).count() == 0
    assert dossier.sync_state == "synced" and engine.sync_status(ctx).pages_waiting == 0
    assert_audit_clean(ctx)
    from sadec_desk.cli.sync import _report_lines

    assert "Đã tải về 2 trang ảnh của hồ sơ trực tuyến" in "\n".join(_report_lines(report))

    # nothing new: no page is fetched again, nothing is written
    again = engine.run_once(ctx)
    assert (again.error, again.pages_downloaded, again.pushed) == ("", 0, 0)
    assert DossierEvent.select().where(DossierEvent.dossier == dossier.id).count() == 3

    # a portal status change keeps the pages as they are (no new pages event)
    portal.admin("POST", f"/dossiers/{uuid}/status", {"status": "processing"})
    assert engine.run_once(ctx).pulled == 1
    assert DossierEvent.select().where(DossierEvent.dossier == dossier.id,
                                       DossierEvent.kind == "pages").count() == 1
    assert_audit_clean(ctx)


def test_the_portal_refuses_papers_it_does_not_hold(portal):
    held = upload_as_operator(portal, page_image(3))
    absent = {**held, "sha256": hashlib.sha256(b"never uploaded").hexdigest()}
    body = {"code": f"{AGENCY}-261126-0901", "procedure_code": "1.001193",
            "due_at": vn(2026, 12, 1, 9, 0).isoformat(),
            "citizen": {"id_number": "087099001111", "full_name": "Lê Thị Mai"},
            "scanned_papers": [{"index": 0, "name": "Giấy chứng sinh",
                                "pages": [held, absent]}]}
    answer = portal.http.post("/admin/dossiers", json=body)
    assert answer.status_code == 400
    assert "Cổng chưa có đủ tệp trang" in answer.json()["error"]
    wrong_size = {**body, "scanned_papers": [{"index": 0, "name": "Giấy chứng sinh",
                                              "pages": [{**held, "size": 5}]}]}
    assert "byte" in portal.http.post("/admin/dossiers", json=wrong_size).json()["error"]
    bad_form = {**body, "scanned_papers": [], "form": {"form_id": "x", "form_version": "1",
                                                       "values": {"a": 1}}}
    assert portal.http.post("/admin/dossiers", json=bad_form).status_code == 400
    assert portal.dossiers() == []  # nothing half-created
    # the page list of an existing dossier is checked the same way
    created = portal.admin("POST", "/dossiers", {**body, "scanned_papers": [
        {"index": 0, "name": "Giấy chứng sinh", "pages": [held]}]})
    answer = portal.http.post(f"/admin/dossiers/{created['uuid']}/papers",
                              json={"scanned_papers": body["scanned_papers"]})
    assert answer.status_code == 422 and "Cổng chưa có đủ tệp trang" in answer.json()["error"]
    assert portal.http.post("/admin/dossiers/nope/papers", json={"form": FORM}).status_code == 404
    # blobs: the operator key uploads and downloads, nobody else without a token
    data = page_image(4)
    sha = hashlib.sha256(data).hexdigest()
    anonymous = httpx.patch(f"{portal.url}/v1/blobs/{sha}", content=data, timeout=10,
                            headers={"Upload-Offset": "0", "Upload-Length": str(len(data))})
    assert anonymous.status_code == 401


def test_a_download_cut_mid_file_is_completed_next_run(portal):
    first, second = page_image(10, size=(800, 600)), page_image(11)
    papers = two_papers(portal, first, second)
    online = online_dossier(portal, 902, papers, form=None)
    proxy = DownloadProxy(portal.server.effective_port, cut_get=1, cut_after=len(first) // 2)
    try:
        ctx = office(portal)
        ctx.config.values["sync.portal_url"] = proxy.url
        report = engine.run_once(ctx)
        assert proxy.cuts == 1 and report.error
        # the dossier and its page list are here (committed with the pull page)...
        assert report.new_dossiers == 1
        dossier = Dossier.get(Dossier.uuid == online["uuid"])
        pages = list(DossierPage.select().where(DossierPage.dossier == dossier.id)
                     .order_by(DossierPage.paper_index))
        assert len(pages) == 2
        # ...the cut page is not: no partial or temp file, and the viewer says why
        path = store.blob_path(ctx, papers[0]["pages"][0]["sha256"])
        assert not path.exists()
        assert not list(store.pages_dir(ctx).glob("*/*.tmp"))
        with pytest.raises(NotFound) as caught:
            store.read_page(ctx, pages[0].id)
        assert caught.value.code == "page_downloading"
        assert "đang được tải về từ cổng" in str(caught.value)
        assert engine.sync_status(ctx).last_error == report.error

        again = engine.run_once(ctx)
        assert (again.error, again.new_dossiers) == ("", 0)
        assert again.pages_downloaded >= 1
        assert [store.read_page(ctx, p.id) for p in pages] == [first, second]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == papers[0]["pages"][0]["sha256"]
        assert engine.sync_status(ctx).last_error == ""
        assert_audit_clean(ctx)
    finally:
        proxy.stop()


def test_a_damaged_download_is_refused_and_fetched_again(portal):
    data = page_image(20)
    papers = [{"index": 0, "name": "Giấy chứng sinh", "pages": [upload_as_operator(portal, data)]}]
    online = online_dossier(portal, 903, papers, form=None)
    proxy = DownloadProxy(portal.server.effective_port, corrupt=(1,))
    try:
        ctx = office(portal)
        ctx.config.values["sync.portal_url"] = proxy.url
        report = engine.run_once(ctx)
        # the first copy hashed wrong: thrown away, fetched again in the same run
        assert (report.error, report.pages_downloaded) == ("", 1)
        assert proxy.gets == 2
        page = DossierPage.get(DossierPage.dossier == Dossier.get(
            Dossier.uuid == online["uuid"]).id)
        assert store.read_page(ctx, page.id) == data
        assert not list(store.pages_dir(ctx).glob("*/*.tmp"))
    finally:
        proxy.stop()


def test_a_download_damaged_twice_waits_for_the_next_run(portal):
    data = page_image(21)
    papers = [{"index": 0, "name": "Giấy chứng sinh", "pages": [upload_as_operator(portal, data)]}]
    online = online_dossier(portal, 904, papers, form=None)
    proxy = DownloadProxy(portal.server.effective_port, corrupt=(1, 2))
    try:
        ctx = office(portal)
        ctx.config.values["sync.portal_url"] = proxy.url
        report = engine.run_once(ctx)
        assert proxy.gets == 2 and "bị hỏng" in report.error
        assert report.new_dossiers == 1 and report.pages_downloaded == 0
        path = store.blob_path(ctx, papers[0]["pages"][0]["sha256"])
        assert not path.exists()  # a wrong file is never kept
        assert not list(store.pages_dir(ctx).glob("*/*.tmp"))
        again = engine.run_once(ctx)
        assert (again.error, again.pages_downloaded, proxy.gets) == ("", 1, 3)
        page = DossierPage.get(DossierPage.dossier == Dossier.get(
            Dossier.uuid == online["uuid"]).id)
        assert store.read_page(ctx, page.id) == data
        # a file damaged on this disk later (wrong size) is fetched again
        path.write_bytes(data[:-1])
        third = engine.run_once(ctx)
        assert (third.error, third.pages_downloaded) == ("", 1)
        assert path.read_bytes() == data
    finally:
        proxy.stop()


def test_a_page_list_changed_on_the_portal_replaces_the_local_one(portal):
    ctx = office(portal)
    first, second, third = page_image(30), page_image(31), page_image(32)
    papers = two_papers(portal, first, second)
    online = online_dossier(portal, 905, papers)
    assert engine.run_once(ctx).pages_downloaded == 2
    uuid = online["uuid"]
    dossier_id = Dossier.get(Dossier.uuid == uuid).id
    old_path = store.blob_path(ctx, papers[1]["pages"][0]["sha256"])
    assert old_path.exists()

    # the citizen replaced the second paper and added a page to the first
    new_first = [papers[0]["pages"][0], {**upload_as_operator(portal, third), "position": 2}]
    changed = [{"index": 0, "name": "Giấy chứng sinh", "pages": new_first}]
    new_form = {**FORM, "values": {**FORM["values"], "noi_sinh": "Trạm y tế xã Tân Khánh Đông"}}
    portal.admin("POST", f"/dossiers/{uuid}/papers", {"scanned_papers": changed,
                                                       "form": new_form})
    report = engine.run_once(ctx)
    assert (report.error, report.pulled, report.pages_downloaded) == ("", 1, 1)
    assert dossier_pages.pages_manifest(dossier_id)["papers"] == changed
    pages = list(DossierPage.select().where(DossierPage.dossier == dossier_id)
                 .order_by(DossierPage.position))
    assert [store.read_page(ctx, p.id) for p in pages] == [first, third]
    # no dossier uses the replaced page any more: its row and file are gone
    assert not old_path.exists()
    assert PageBlob.get_or_none(PageBlob.sha256 == papers[1]["pages"][0]["sha256"]) is None
    stored = json.loads(DossierForm.get(DossierForm.dossier == dossier_id).values)
    assert stored["noi_sinh"] == "Trạm y tế xã Tân Khánh Đông"
    kinds = [e.kind for e in DossierEvent.select().where(DossierEvent.dossier == dossier_id)
             .order_by(DossierEvent.seq)]
    assert kinds == ["received", "pages", "form", "pages", "form"]
    assert Outbox.select().where(Outbox.dossier_uuid == uuid).count() == 0
    assert_audit_clean(ctx)


def test_a_page_this_office_holds_is_not_downloaded_again(portal):
    proxy = DownloadProxy(portal.server.effective_port)
    try:
        ctx = office(portal)
        ctx.config.values["sync.portal_url"] = proxy.url
        [kiosk] = receive_many(ctx, 1)
        info = dossier_pages.add_page(ctx, page_image(40), paper_index=0,
                                      paper_name="Giấy chứng sinh", source="file", dossier=kiosk)
        mine = store.blob_path(ctx, info.sha256).read_bytes()
        assert engine.run_once(ctx).pages_uploaded == 1  # now the portal holds it too
        shared = {"position": 1, "sha256": info.sha256, "media_type": info.media_type,
                  "size": info.size, "width": info.width, "height": info.height}
        own = page_image(41)
        papers = [{"index": 0, "name": "Giấy chứng sinh", "pages": [shared]},
                  {"index": 1, "name": "Giấy chứng nhận kết hôn của cha mẹ",
                   "pages": [upload_as_operator(portal, own)]}]
        online = online_dossier(portal, 906, papers, form=None)
        report = engine.run_once(ctx)
        assert (report.error, report.pages_downloaded) == ("", 1)
        assert proxy.gets == 1  # only the page this office did not have
        dossier_id = Dossier.get(Dossier.uuid == online["uuid"]).id
        pages = list(DossierPage.select().where(DossierPage.dossier == dossier_id)
                     .order_by(DossierPage.paper_index))
        assert [store.read_page(ctx, p.id) for p in pages] == [mine, own]
        assert PageBlob.select().where(PageBlob.sha256 == info.sha256).count() == 1
        assert_audit_clean(ctx)
    finally:
        proxy.stop()


def test_pages_changed_on_both_sides_are_a_conflict_not_overwritten(portal):
    ctx = office(portal)
    first, second = page_image(50), page_image(51)
    papers = two_papers(portal, first, second)
    online = online_dossier(portal, 907, papers, form=None)
    engine.run_once(ctx)
    uuid = online["uuid"]
    dossier_id = Dossier.get(Dossier.uuid == uuid).id
    # the clerk adds a page here while the citizen changes the list on the portal
    dossier_pages.add_page(ctx, page_image(52), paper_index=1,
                           paper_name="Giấy chứng nhận kết hôn của cha mẹ", source="file",
                           dossier=uuid)
    mine = dossier_pages.pages_manifest(dossier_id)["papers"]
    portal.admin("POST", f"/dossiers/{uuid}/papers", {"scanned_papers": papers[:1]})
    report = engine.run_once(ctx)
    assert report.conflicts == 1
    assert Dossier.get(Dossier.id == dossier_id).sync_state == "conflict"
    assert dossier_pages.pages_manifest(dossier_id)["papers"] == mine  # not overwritten
    assert_audit_clean(ctx)
    # the clerk takes the portal's copy: its page list replaces this machine's
    conflicts.resolve(ctx, uuid, "portal")
    assert dossier_pages.pages_manifest(dossier_id)["papers"] == papers[:1]
    assert engine.run_once(ctx).error == ""
    assert Dossier.get(Dossier.id == dossier_id).sync_state == "synced"
    assert_audit_clean(ctx)
