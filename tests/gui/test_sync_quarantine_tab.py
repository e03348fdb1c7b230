"""The IT sync tab shows the portal's changes set aside (issue #14 item 3): applying one
again after the catalogue was updated, and dismissing one with a recorded reason."""

from __future__ import annotations

import json
import uuid as uuidlib

from appfixtures import AGENCY, vn
from guikit import sign_in_it

from sadec_desk.db.models import Dossier
from sadec_desk.db.sync_models import QuarantinedChange


def _keep(ctx, seq: int, reason: str, **changes) -> str:
    copy = {"uuid": str(uuidlib.uuid4()), "code": f"{AGENCY}-261126-{800 + seq:04d}",
            "procedure_code": "1.001193", "channel": "online", "status": "received",
            "received_at": vn(2026, 11, 26, 8, 0).isoformat(),
            "due_at": vn(2026, 12, 1, 9, 0).isoformat(), "finished_at": None, "fee_vnd": 0,
            "citizen": {"id_number": f"08709910{seq:04d}", "full_name": "Trần Văn Bé"},
            "version": 1, **changes}
    QuarantinedChange.create(seq=seq, dossier_uuid=copy["uuid"], reason=reason,
                             change=json.dumps({"seq": seq, "origin": "portal",
                                                "version": 1, "dossier": copy}),
                             received_at=ctx.now())
    return copy["code"]


def _press(shell, button) -> None:
    button.invoke()
    shell.tasks.pump()


def test_sync_tab_applies_and_dismisses_set_aside_changes(shell, ctx):
    # one that applies now (the procedure exists here), one that never will
    good = _keep(ctx, 1, "procedure 1.001193 unknown here")
    bad = _keep(ctx, 2, "dossier: unknown status 'teleported'", status="teleported")
    tab = sign_in_it(shell, ctx, tab="sync").sync
    tab.on_reload()
    shell.tasks.pump()
    assert "thay đổi để riêng: 2" in tab.status_text.cget("text")
    rows = [tab.quarantined.item(i, "values") for i in tab.quarantined.get_children()]
    assert [r[1] for r in rows] == [good, bad] and "teleported" in rows[1][3]

    _press(shell, tab.apply_kept)
    assert tab.message.text == "Hãy chọn một thay đổi trong danh sách để riêng."
    tab.quarantined.selection_set(tab.quarantined.get_children()[0])
    _press(shell, tab.apply_kept)
    assert tab.message.kind == "ok" and Dossier.get(Dossier.code == good).channel == "online"

    [left] = tab.quarantined.get_children()
    tab.quarantined.selection_set(left)
    _press(shell, tab.apply_kept)  # still not applicable: the reason is shown
    assert tab.message.kind == "error" and "teleported" in tab.message.text
    _press(shell, tab.dismiss_kept)  # no reason typed
    assert tab.message.kind == "error" and "lý do" in tab.message.text
    tab.dismiss_reason.insert(0, "Cổng tỉnh xác nhận thay đổi này sai")
    tab.quarantined.selection_set(left)
    _press(shell, tab.dismiss_kept)
    assert tab.message.kind == "ok" and tab.quarantined.get_children() == ()
    row = QuarantinedChange.get(QuarantinedChange.seq == 2)
    assert row.state == "dismissed" and row.note.startswith("Cổng tỉnh")
    assert row.settled_by == ctx.user.username
