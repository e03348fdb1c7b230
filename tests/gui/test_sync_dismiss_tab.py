"""The IT sync tab settles a dossier the gateway refused for good once the province dealt
with it (sync/conflicts.py dismiss_rejected): "Bỏ qua (đã xử lý)…" asks for the reason in
the question window, then the held operations are not sent and the history says why."""

from __future__ import annotations

import json

from appfixtures import SAMPLE_QR
from guikit import sign_in_it

from sadec_desk.db.models import Dossier, DossierEvent, Outbox
from sadec_desk.db.sync_models import SyncConflict
from sadec_desk.domain.lifecycle import DossierStatus
from sadec_desk.services.reception import dossiers

REFUSAL = "Trục liên thông từ chối: MaTTHC không có trong danh mục của tỉnh"


def _press(shell, button) -> None:
    button.invoke()
    shell.tasks.pump()


def _received(ctx) -> str:
    """A dossier received at the counter (from the command line: nobody signed in)."""
    user, ctx.user, ctx.sign_in_required = ctx.user, None, False
    info = dossiers.receive_dossier(ctx, procedure_code="2.000815", qr_text=SAMPLE_QR, pages=2)
    ctx.user, ctx.sign_in_required = user, True
    return info


def test_sync_tab_dismisses_a_rejected_dossier_with_a_reason(shell, ctx):
    tab = sign_in_it(shell, ctx, tab="sync").sync
    refused, clashing = _received(ctx), _received(ctx)
    # what a push leaves after the gateway refused one and the portal contradicted another
    Outbox.update(state="failed", last_error=REFUSAL).where(
        Outbox.dossier_uuid == refused.uuid).execute()
    # voided at the desk meanwhile: the list says so in words, never "voided"
    Dossier.update(sync_state="rejected", sync_message=REFUSAL, status="voided").where(
        Dossier.uuid == refused.uuid).execute()
    Outbox.update(state="failed").where(Outbox.dossier_uuid == clashing.uuid).execute()
    Dossier.update(sync_state="conflict", sync_message="Cổng có bản mới hơn").where(
        Dossier.uuid == clashing.uuid).execute()
    SyncConflict.create(dossier_uuid=clashing.uuid, server_version=2,
                        server_copy=json.dumps({"status": "processing"}), detected_at=ctx.now())
    tab.on_reload()
    shell.tasks.pump()
    assert "Xung đột: 1; bị từ chối: 1" in tab.status_text.cget("text")
    assert set(tab.conflicts.get_children()) == {refused.code, clashing.code}
    rows = {i: tab.conflicts.item(i, "values") for i in tab.conflicts.get_children()}
    assert list(rows[refused.code][1:4]) == ["bị từ chối", "Hủy do nhập nhầm", "—"]
    assert list(rows[clashing.code][1:4]) == ["xung đột", "Đã tiếp nhận", "Đang xử lý"]
    raw_codes = {s.value for s in DossierStatus} | {"conflict", "rejected"}
    assert not raw_codes & {str(v) for row in rows.values() for v in row}
    assert tab.conflict_reason.cget("text") == "Chọn một hồ sơ để xem đầy đủ lý do."

    _press(shell, tab.dismiss_rejected)  # nothing chosen
    assert tab.message.kind == "error" and "Hãy chọn một hồ sơ bị từ chối" in tab.message.text
    tab.conflicts.selection_set(clashing.code)
    _press(shell, tab.dismiss_rejected)  # a conflict is settled by keeping one side
    assert tab.message.kind == "error" and "Giữ bản trên máy" in tab.message.text
    assert tab.dialog is None

    tab.conflicts.selection_set(refused.code)
    shell.window.update()  # <<TreeviewSelect>>: the whole reason under the list
    assert tab.conflict_reason.cget("text") == f"Lý do ({refused.code}): {REFUSAL}"
    _press(shell, tab.dismiss_rejected)
    dialog = tab.dialog
    assert dialog.winfo_exists() and refused.code in dialog.message
    dialog.buttons["Bỏ qua"].invoke()  # no reason typed: said in the window, nothing done
    assert "lý do" in dialog.reason_error.cget("text") and dialog.winfo_exists()
    dialog.buttons["Quay lại"].invoke()
    shell.tasks.pump()
    assert not dialog.winfo_exists()
    assert Dossier.get(Dossier.uuid == refused.uuid).sync_state == "rejected"

    _press(shell, tab.dismiss_rejected)
    tab.dialog.reason.insert(0, "ok")  # too short: the service's sentence on the tab
    tab.dialog.buttons["Bỏ qua"].invoke()
    shell.tasks.pump()
    assert tab.message.kind == "error" and "lý do" in tab.message.text

    _press(shell, tab.dismiss_rejected)
    tab.dialog.reason.insert(0, "Tỉnh đã sửa danh mục và nhập lại hồ sơ trên trục")
    tab.dialog.buttons["Bỏ qua"].invoke()
    shell.tasks.pump()
    assert tab.message.kind == "ok" and refused.code in tab.message.text
    assert tab.conflicts.get_children() == (clashing.code,)
    assert "Xung đột: 1; bị từ chối: 0" in tab.status_text.cget("text")
    assert {r.state for r in Outbox.select().where(Outbox.dossier_uuid == refused.uuid)} == {
        "discarded"}
    assert Dossier.get(Dossier.uuid == refused.uuid).sync_state == "synced"
    event = DossierEvent.select().where(DossierEvent.kind == "sync_dismissed").get()
    assert event.actor == ctx.user.username and event.note.endswith(
        ": Tỉnh đã sửa danh mục và nhập lại hồ sơ trên trục")
    # the conflict is untouched
    assert Dossier.get(Dossier.uuid == clashing.uuid).sync_state == "conflict"
