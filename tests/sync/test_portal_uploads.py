"""Issue #18 / #14 item 11: an upload under way belongs to its uploader. Another device —
of another office that learnt the page's hash, or of the same office — can neither
restart it with another length, nor add bytes to it, nor gain the right to read the page
by having started an upload of its own. Two offices at one reference portal."""

from __future__ import annotations

import hashlib
import math

import pytest
from appfixtures import AGENCY
from portalfixtures import UploadProxy
from syncfixtures import add_pages, assert_converged, office, page_image, receive_many

from sadec_desk.sync import engine
from sadec_desk.sync import protocol as P
from sadec_desk.sync.portal.models import BlobGrant, BlobUpload

OTHER = "000.00.15.H20"
CHUNK = 16 * 1024


def patch(api, sha, offset, body, length):
    return api.patch(f"/blobs/{sha}", content=body, headers={
        P.UPLOAD_OFFSET: str(offset), P.UPLOAD_LENGTH: str(length)})


def offset_of(api, sha) -> str:
    return api.head(f"/blobs/{sha}").headers[P.UPLOAD_OFFSET]


@pytest.fixture(params=[OTHER, AGENCY], ids=["another office", "same office"])
def owner_and_intruder(portal, request):
    owner, intruder = portal.device_client(AGENCY), portal.device_client(request.param)
    try:
        yield owner, intruder
    finally:
        owner.close()
        intruder.close()


def test_another_device_cannot_restart_or_feed_an_upload_in_progress(portal,
                                                                     owner_and_intruder):
    owner, intruder = owner_and_intruder
    data = page_image(70, size=(300, 200))
    sha, half = hashlib.sha256(data).hexdigest(), len(data) // 2
    assert patch(owner, sha, 0, data[:half], len(data)).status_code == 204
    # the intruder sees no upload of its own: it starts at 0, whatever the owner holds
    assert offset_of(intruder, sha) == "0"
    # it jumps in at the owner's offset: refused, its own upload is at 0
    jumped = patch(intruder, sha, half, b"\0" * (len(data) - half), len(data))
    assert (jumped.status_code, jumped.headers[P.UPLOAD_OFFSET]) == (409, "0")
    # it restarts "the" upload with another length: that is its own upload only
    assert patch(intruder, sha, 0, b"\xff" * 100, len(data) + 5).status_code == 204
    # it sends garbage of the right length to the end: 422, its copy only is dropped
    assert patch(intruder, sha, 0, b"\0" * len(data), len(data)).status_code == 422
    assert offset_of(owner, sha) == str(half)
    # the owner resumes where it was and completes the page, intact
    done = patch(owner, sha, half, data[half:], len(data))
    assert (done.status_code, done.headers[P.UPLOAD_OFFSET]) == (204, str(len(data)))
    assert owner.get(f"/blobs/{sha}").content == data
    with portal.store.database.connection_context():
        assert BlobUpload.select().where(BlobUpload.sha256 == sha).count() == 0


def test_starting_an_upload_gives_no_right_to_read_the_page(portal):
    owner, intruder = portal.device_client(AGENCY), portal.device_client(OTHER)
    try:
        data = page_image(71, size=(300, 200))
        sha = hashlib.sha256(data).hexdigest()
        # the intruder starts an upload of the page's hash with made-up bytes...
        assert patch(intruder, sha, 0, b"\0" * 10, len(data)).status_code == 204
        # ...the owner sends the page whole
        assert patch(owner, sha, 0, data, len(data)).status_code == 204
        got = intruder.get(f"/blobs/{sha}")
        assert got.status_code == 404 and data[:64] not in got.content
        assert offset_of(intruder, sha) == "0"  # it would have to send every byte
        with portal.store.database.connection_context():
            assert {g.agency for g in BlobGrant.select().where(
                BlobGrant.sha256 == sha, BlobGrant.complete)} == {AGENCY}
        # the same through an offline bundle of the owner's office (put_blob)
        other = page_image(72, size=(300, 200))
        other_sha = hashlib.sha256(other).hexdigest()
        assert patch(intruder, other_sha, 0, b"\0" * 10, len(other)).status_code == 204
        with portal.store.database.connection_context():
            portal.store.put_blob(other_sha, other, AGENCY)
        assert intruder.get(f"/blobs/{other_sha}").status_code == 404
        assert owner.get(f"/blobs/{other_sha}").content == other
    finally:
        owner.close()
        intruder.close()


def test_the_office_syncs_its_page_although_another_device_interferes(portal):
    data = page_image(73, size=(800, 600))
    sha = hashlib.sha256(data).hexdigest()
    assert math.ceil(len(data) / CHUNK) >= 4
    intruder = portal.device_client(OTHER)
    proxy = UploadProxy(portal.server.effective_port, cut_patch=2, cut_after=CHUNK // 2)
    try:
        ctx = office(portal, sync__chunk_bytes=CHUNK)
        ctx.config.values["sync.portal_url"] = proxy.url
        [uuid] = receive_many(ctx, 1)
        add_pages(ctx, uuid, [("Giấy chứng sinh", [data])])
        assert engine.run_once(ctx).error  # cut after the first chunk
        # meanwhile the intruder restarts the page with another length, then garbage
        assert patch(intruder, sha, 0, b"\x01" * 50, len(data) * 2).status_code == 204
        assert patch(intruder, sha, 50, b"\x02" * 50, len(data) * 2).status_code == 204
        again = engine.run_once(ctx, force=True)
        assert (again.error, again.pages_uploaded) == ("", 1)
        assert again.page_bytes_sent == len(data) - CHUNK  # resumed, not restarted
        assert_converged(ctx, portal)
    finally:
        proxy.stop()
        intruder.close()
