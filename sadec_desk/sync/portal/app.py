"""The reference portal's HTTP layer (Flask): ``create_app`` and its routes.

The API is published in docs/portal-openapi.json; every rule lives in
:class:`~sadec_desk.sync.portal.store.PortalStore`, which the routes only call and
translate. Test hooks (``--test-hooks``) make the next requests misbehave on purpose.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import threading
import time
from typing import Any, Literal

import peewee

from sadec_desk.errors import UserError
from sadec_desk.sync import protocol as P
from sadec_desk.sync.portal import anchors
from sadec_desk.sync.portal import validate as V
from sadec_desk.sync.portal.blobs import OPERATOR
from sadec_desk.sync.portal.store import BlobError, EnrolmentRefused, PortalStore


class Faults:
    """Test hooks (only with ``--test-hooks``): misbehave on the next requests."""

    KNOWN = ("error_500", "delay_after_commit", "garbage_after_commit", "wrong_schema",
             "expire_tokens_after_push", "garbage_changes")

    def __init__(self):
        self.lock = threading.Lock()
        self.values: dict[str, float] = {}

    def set(self, values: dict) -> None:
        with self.lock:
            for key, value in values.items():
                if key not in self.KNOWN:
                    raise KeyError(key)
                self.values[key] = float(value)

    def take(self, key: str) -> bool:
        """Use up one count of a counter-style fault."""
        with self.lock:
            if self.values.get(key, 0) >= 1:
                self.values[key] -= 1
                return True
            return False

    def pop(self, key: str) -> float:
        with self.lock:
            return self.values.pop(key, 0.0)


def create_app(store: PortalStore, *, admin_key: str, test_hooks: bool = False):
    from flask import Flask, Response, g, jsonify, request, send_file

    app = Flask("sadec_desk_portal")
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # DefaultJSONProvider's
    faults = Faults()
    anchors.create_tables(store.database)

    def fail(status: int, message: str):
        return jsonify({"error": message}), status

    @app.before_request
    def _connect():
        store.database.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(_exc):
        if not store.database.is_closed():
            store.database.close()

    class _BadRequest(Exception):
        status = 400

    class _TooLarge(_BadRequest):
        status = 413

    @app.errorhandler(_BadRequest)
    def _bad(exc):
        return fail(exc.status, str(exc))

    def body(limit: int = V.MAX_SMALL_BODY) -> dict:
        """The request's JSON object: at most ``limit`` bytes (413), nested at most
        V.MAX_JSON_DEPTH deep (400); read only once its size is known to fit."""
        size = request.content_length
        if size is not None and size > limit:
            raise _TooLarge(f"the body may be at most {limit} bytes here")
        raw = request.stream.read(limit + 1)
        if len(raw) > limit:
            raise _TooLarge(f"the body may be at most {limit} bytes here")
        try:
            data = json.loads(raw)
        except RecursionError:
            raise _BadRequest(f"the body nests deeper than {V.MAX_JSON_DEPTH} levels") from None
        except ValueError:  # includes bad UTF-8
            raise _BadRequest("the body is not valid JSON") from None
        if not isinstance(data, dict):
            raise _BadRequest("the body must be a JSON object")
        if not V.json_depth_ok(data):
            raise _BadRequest(f"the body nests deeper than {V.MAX_JSON_DEPTH} levels")
        return data

    class _NoOffice(Exception):
        pass

    @app.errorhandler(_NoOffice)
    def _no_office(_exc):
        return fail(403, "this device was enrolled without an office: enrol it again with "
                         "a code made for its agency")

    def device() -> str | None:
        """The calling device (None without a valid token); ``g.agency`` is its office.
        A device without one (enrolled before offices) may do nothing: 403."""
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        holder = store.token_holder(header[7:].strip())
        if holder is None:
            return None
        g.device_id, g.agency = holder
        if not g.agency:
            raise _NoOffice()
        return g.device_id

    def admin_ok() -> bool:
        return hmac.compare_digest(request.headers.get("X-Admin-Key", "").encode(),
                                   admin_key.encode())

    @app.get(f"{P.API}/health")
    def health():
        return jsonify({"ok": True})

    @app.post(f"{P.API}/devices/enrol")
    def enrol():
        data = body()
        nonce = data.get("nonce", "")
        if not (isinstance(nonce, str) and (nonce == "" or P.is_enrol_nonce(nonce))):
            return fail(400, "'nonce' must be 16 to 128 letters, digits, '-' or '_'")
        try:
            answer = store.enrol(str(data.get("code", "")), str(data.get("name", "")),
                                 str(data.get("agency_code", "")), nonce)
        except EnrolmentRefused as exc:
            return fail(403, str(exc))
        return jsonify(answer)

    @app.post(f"{P.API}/devices/token")
    def token():
        data = body()
        answer = store.refresh_token(str(data.get("device_id", "")),
                                     str(data.get("device_key", "")))
        if answer is None:
            return fail(403, "unknown device or wrong device key")
        return jsonify(answer)

    def check_ops(ops: Any) -> list[dict]:
        if not isinstance(ops, list) or not ops or len(ops) > V.MAX_OPS:
            raise _BadRequest(f"'ops' must be a list of 1 to {V.MAX_OPS} operations")
        for o in ops:
            problem = V.operation_problem(o)
            if problem:
                raise _BadRequest(problem)
        return ops

    def push_answer(results):
        if test_hooks:
            delay = faults.pop("delay_after_commit")
            if delay:
                time.sleep(min(delay, 30))
            if faults.take("garbage_after_commit"):
                return Response("<html>gateway error", status=200, mimetype="application/json")
            if faults.take("wrong_schema"):
                return jsonify({"results": "ok", "status": 1})
            if faults.take("expire_tokens_after_push"):
                store.expire_tokens()
        return jsonify({"results": results})

    @app.post(f"{P.API}/push")
    def push():
        if test_hooks and faults.take("error_500"):
            return fail(500, "injected failure")
        device_id = device()
        if device_id is None:
            return fail(401, "missing or expired token")
        ops = check_ops(body(V.MAX_PUSH_BODY).get("ops"))
        return push_answer(store.push(device_id, ops, g.agency))

    @app.post(f"{P.API}/bundles")
    def bundle():
        """An offline export file brought in by another machine (sadec-desk sync import)."""
        if device() is None:
            return fail(401, "missing or expired token")
        data = body(V.MAX_BUNDLE_BODY)
        try:
            origin = P.verify_bundle(data, store.device_key)
        except P.BundleError as exc:
            return fail(422, str(exc))
        if store.device_agency(origin) != g.agency:
            # a file of another office's device: neither its ops nor its pages come in
            return fail(403, "the file was made by a device of another office")
        ops = check_ops(data["ops"])
        blobs = data.get("blobs") or {}
        if not isinstance(blobs, dict):
            return fail(400, "'blobs' must map SHA-256 names to base64 data")
        # the pages the bundle's ops name travel inside it: stored before the ops
        # that need them are applied
        for sha256, text in blobs.items():
            if not P.is_sha256(sha256) or not isinstance(text, str):
                return fail(400, "'blobs' must map SHA-256 names to base64 data")
            try:
                store.put_blob(sha256, base64.b64decode(str(text), validate=True), g.agency)
            except binascii.Error:
                return fail(400, f"blob {sha256[:12]}... is not valid base64")
            except BlobError as exc:
                return fail(exc.status, str(exc))
        return push_answer(store.push(origin, ops))

    @app.get(f"{P.API}/changes")
    def changes():
        if test_hooks and faults.take("error_500"):
            return fail(500, "injected failure")
        device_id = device()
        if device_id is None:
            return fail(401, "missing or expired token")
        try:
            since = int(request.args.get("since", "0"))
            limit = int(request.args.get("limit", "500"))
        except ValueError:
            return fail(400, "since and limit must be integers")
        if not (0 <= since <= V.MAX_CURSOR and 1 <= limit <= V.MAX_PAGE):
            return fail(400, f"since must be 0 to {V.MAX_CURSOR}, limit 1 to {V.MAX_PAGE}")
        if test_hooks and faults.take("garbage_changes"):
            return Response("{not json", status=200, mimetype="application/json")
        return jsonify(store.changes(device_id, since, limit, g.agency))

    @app.get(f"{P.API}/procedures")
    def procedures():
        if device() is None:
            return fail(401, "missing or expired token")
        return jsonify({"procedures": store.procedures()})

    @app.get(f"{P.API}/dossiers/<uuid>")
    def dossier(uuid):
        if device() is None:
            return fail(401, "missing or expired token")
        found = store.get_dossier(uuid, g.agency)  # another office's: unknown here
        return jsonify(found) if found else fail(404, "unknown dossier")

    # --- the office's audit chain head and dossier numbers (sync/portal/anchors.py) ---

    @app.get(f"{P.API}/anchor")
    def office_anchor():
        if device() is None:
            return fail(401, "missing or expired token")
        return jsonify(anchors.office_state(g.agency))

    @app.post(f"{P.API}/anchor")
    def acknowledge_anchor():
        if device() is None:
            return fail(401, "missing or expired token")
        status, answer = anchors.acknowledge(store, g.device_id, g.agency, body())
        return jsonify(answer), status

    # --- blobs: resumable chunked upload (HEAD/PATCH, after the tus core) and download ---

    def caller_office() -> str | None | Literal[False]:
        """A device's office, None for the operator (X-Admin-Key), False for neither;
        ``g.uploader`` names whose upload the request is about (its own only)."""
        if device() is not None:
            g.uploader = g.device_id
            return g.agency
        g.uploader = OPERATOR
        return None if admin_ok() else False

    def upload_answer(status: int, offset: int | None, length: int | None = None,
                      error: str = ""):
        response = jsonify({"error": error, "offset": offset}) if error else Response(
            status=status)
        response.status_code = status
        response.headers["Cache-Control"] = "no-store"
        if offset is not None:
            response.headers[P.UPLOAD_OFFSET] = str(offset)
        if length is not None:
            response.headers[P.UPLOAD_LENGTH] = str(length)
        return response

    @app.get(f"{P.API}/blobs/<sha256>")
    def blob(sha256):
        """GET serves a complete blob; HEAD (Flask adds it) tells an uploader where to
        resume: 200 when complete, else 404 with the bytes already held."""
        agency = caller_office()
        if agency is False:
            return fail(401, "missing or expired token")
        if not P.is_sha256(sha256):
            return fail(400, "the blob name must be a lower-case hex SHA-256")
        # another office's page is, to this one, an upload it has not made
        complete, held, length = store.blob_view(sha256, agency, g.uploader)
        if not complete:
            return upload_answer(404, held, length, error="blob not complete")
        row = store.blob_state(sha256)
        if row is None:  # (blob_view saw it complete a moment ago; not expected)
            return upload_answer(404, 0, error="blob not complete")
        response = send_file(store.blob_path(sha256), mimetype=row.media_type, etag=sha256,
                             max_age=0)
        response.headers[P.UPLOAD_OFFSET] = str(row.length)
        response.headers[P.UPLOAD_LENGTH] = str(row.length)
        return response

    @app.patch(f"{P.API}/blobs/<sha256>")
    def upload(sha256):
        if test_hooks and faults.take("error_500"):
            return fail(500, "injected failure")
        # the operator uploads the papers of online dossiers it creates
        agency = caller_office()
        if agency is False:
            return fail(401, "missing or expired token")
        try:
            offset = int(request.headers[P.UPLOAD_OFFSET])
            length = int(request.headers[P.UPLOAD_LENGTH])
        except (KeyError, ValueError):
            return fail(400, "Upload-Offset and Upload-Length must be given as integers")
        size = request.content_length
        if size is None:
            return fail(411, "Content-Length is required")
        if offset < 0:
            return fail(400, "Upload-Offset must not be negative")
        try:
            received = store.write_chunk(sha256, offset, length, request.stream, size,
                                         agency, g.uploader)
        except BlobError as exc:
            return upload_answer(exc.status, exc.offset, error=str(exc))
        return upload_answer(204, received, length)

    # --- operator endpoints (X-Admin-Key) ---

    @app.before_request
    def _admin_guard():
        if request.path.startswith(f"{P.API}/admin/") and not admin_ok():
            return fail(403, "wrong or missing X-Admin-Key")
        return None

    @app.post(f"{P.API}/admin/enrolments")
    def new_enrolment():
        agency = body().get("agency")
        if not isinstance(agency, str):
            return fail(400, "'agency' (the office's QCVN 102:2016 agency code) is required")
        try:
            return jsonify({"code": store.new_enrolment_code(agency)})
        except UserError as exc:
            return fail(400, str(exc))

    @app.get(f"{P.API}/admin/dossiers")
    def all_dossiers():
        return jsonify({"dossiers": store.all_dossiers()})

    @app.post(f"{P.API}/admin/dossiers")
    def online_dossier():
        data = body(V.MAX_ADMIN_BODY)
        try:
            return jsonify(store.create_online_dossier(data))
        except (KeyError, TypeError, P.SchemaError) as exc:
            return fail(400, f"bad dossier: {exc}")
        except peewee.IntegrityError:
            return fail(409, "a dossier with this uuid or code already exists")

    @app.post(f"{P.API}/admin/dossiers/<uuid>/papers")
    def portal_papers(uuid):
        try:
            found = store.portal_attachments_change(uuid, body(V.MAX_ADMIN_BODY))
        except (KeyError, TypeError, P.SchemaError) as exc:
            return fail(422, f"bad papers or form: {exc}")
        return jsonify(found) if found else fail(404, "unknown dossier")

    @app.post(f"{P.API}/admin/dossiers/<uuid>/status")
    def portal_status(uuid):
        data = body()
        if not isinstance(data.get("note", ""), str) or not V.is_text(data.get("note", "")):
            return fail(400, f"'note' must be text of at most {V.MAX_TEXT} characters")
        try:
            found = store.portal_status_change(uuid, str(data.get("status")),
                                               data.get("note", ""))
        except ValueError as exc:
            return fail(400, str(exc))
        return jsonify(found) if found else fail(404, "unknown dossier")

    @app.post(f"{P.API}/admin/procedures")
    def publish():
        try:
            return jsonify(store.publish_procedure(body(V.MAX_ADMIN_BODY)))
        except (ValueError, KeyError, TypeError, AttributeError, UserError) as exc:
            return fail(400, str(exc))

    @app.post(f"{P.API}/admin/tokens/expire")
    def expire():
        return jsonify({"expired": store.expire_tokens()})

    @app.post(f"{P.API}/admin/faults")
    def set_faults():
        if not test_hooks:
            return fail(404, "test hooks are off (start with --test-hooks)")
        try:
            faults.set(body())
        except (KeyError, TypeError, ValueError) as exc:
            return fail(400, f"unknown fault {exc}")
        return jsonify({"ok": True})

    return app
