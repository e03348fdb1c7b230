"""Result documents reach the reference portal (issue #15 item 4): uploaded like the pages
(resumable blobs), listed with the dossier, served back identical; a malformed or
unproven result list is refused with a sentence."""

from __future__ import annotations

import hashlib

import httpx
import pytest
from portalfixtures import ADMIN_KEY
from resultsamples import make_pdf
from syncfixtures import assert_converged, office, page_image, receive_many

from sadec_desk.db.attachment_models import PageBlob
from sadec_desk.services.pages import results
from sadec_desk.services.reception import dossiers
from sadec_desk.sync import engine
from sadec_desk.sync.portal.batch import results_problem


def _download(portal, sha):
    response = httpx.get(f"{portal.url}/v1/blobs/{sha}", headers={"X-Admin-Key": ADMIN_KEY},
                         timeout=10)
    assert response.status_code == 200, response.text
    return response


def test_attached_results_reach_the_portal_and_are_served_back_identical(portal):
    ctx = office(portal, sync__chunk_bytes=16 * 1024)
    [uuid] = receive_many(ctx, 1)
    dossiers.advance_dossier(ctx, uuid, "processing")
    dossiers.advance_dossier(ctx, uuid, "done")
    pdf = make_pdf("TRICH LUC KHAI SINH " + "x" * 40_000)  # several chunks
    first = results.add_result(ctx, uuid, pdf, name="Trích lục khai sinh")
    second = results.add_result(ctx, uuid, page_image(7), name="Giấy khai sinh (bản chính)")
    report = engine.run_once(ctx)
    assert report.error == "" and report.pages_uploaded == 2
    assert PageBlob.select().where(PageBlob.uploaded_at.is_null()).count() == 0
    on_portal = next(d for d in portal.dossiers() if d["uuid"] == uuid)
    assert on_portal["results"] == [
        {"sha256": r.sha256, "media_type": r.media_type, "size": r.size, "name": r.name,
         "result_code": ""} for r in (first, second)]
    response = _download(portal, first.sha256)
    assert response.content == pdf and response.headers["content-type"] == "application/pdf"
    stored = _download(portal, second.sha256).content
    assert hashlib.sha256(stored).hexdigest() == second.sha256
    assert_converged(ctx, portal)
    # a third result later: the whole list again, nothing uploaded twice
    results.add_result(ctx, uuid, make_pdf("BAN SAO"), name="Bản sao trích lục")
    report = engine.run_once(ctx)
    assert report.error == "" and report.pages_uploaded == 1
    on_portal = next(d for d in portal.dossiers() if d["uuid"] == uuid)
    assert [r["name"] for r in on_portal["results"]] == [
        "Trích lục khai sinh", "Giấy khai sinh (bản chính)", "Bản sao trích lục"]


SHA = "a" * 64


@pytest.mark.parametrize("results_list, sentence", [
    ("not a list", "phải là một danh sách"),
    ([{"sha256": SHA}] * 21, "nhiều nhất 20"),
    ([{"sha256": "xyz", "media_type": "application/pdf", "size": 3, "name": "KQ"}],
     "cần sha256"),
    ([{"sha256": SHA, "media_type": "text/html", "size": 3, "name": "KQ"}], "cần sha256"),
    ([{"sha256": SHA, "media_type": "application/pdf", "size": True, "name": "KQ"}],
     "cần sha256"),
    ([{"sha256": SHA, "media_type": "application/pdf", "size": 3, "name": ""}], "cần sha256"),
    ([{"sha256": SHA, "media_type": "application/pdf", "size": 3, "name": "K" * 256}],
     "cần sha256"),
    ([{"sha256": SHA, "media_type": "application/pdf", "size": 3, "name": "KQ",
       "result_code": 5}], "cần sha256"),
    ([{"sha256": "b" * 64, "media_type": "application/pdf", "size": 3, "name": "KQ"}],
     "chưa có đủ tệp kết quả"),
    ([{"sha256": SHA, "media_type": "application/pdf", "size": 4, "name": "KQ"}],
     "ghi 4 byte nhưng tệp trên cổng có 3 byte"),
])
def test_a_malformed_or_unproven_result_list_is_refused_with_a_sentence(results_list,
                                                                       sentence):
    problem = results_problem(results_list, {SHA: 3})
    assert sentence in problem


def test_a_valid_result_list_passes():
    assert results_problem([], {}) == ""
    assert results_problem([{"sha256": SHA, "media_type": "application/pdf", "size": 3,
                             "name": "Trích lục", "result_code": ""}], {SHA: 3}) == ""
