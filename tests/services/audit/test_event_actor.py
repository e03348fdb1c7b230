"""Issue #18 item 5: events record the username as actor (full names are not unique), and
every screen, form and export shows the full name; events written before keep their hash."""

from __future__ import annotations

import json

import pytest
from appfixtures import SAMPLE_QR, run_cli, sign_in_as

from sadec_desk.db.models import Dossier, DossierEvent, Outbox
from sadec_desk.db.user_models import User
from sadec_desk.services import audit
from sadec_desk.services.access import PermissionDenied, as_machine
from sadec_desk.services.admin import users
from sadec_desk.services.display import event_text
from sadec_desk.services.documents import dossier_forms
from sadec_desk.services.reception import dossiers

NAME = "Nguyễn Văn An"


def twins(ctx):
    """Two clerks with the same full name, and a leader."""
    machine = as_machine(ctx)
    users.create_user(machine, username="admin", full_name="Lê Văn Tín", role="it",
                      password="mat-khau-dai-1")
    users.create_user(machine, username="an.nv", full_name=NAME, role="clerk",
                      password="mat-khau-dai-2")
    users.create_user(machine, username="an.nv2", full_name=NAME, role="clerk",
                      password="mat-khau-dai-3")


def receive(ctx):
    return dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=SAMPLE_QR)


def stored_actors(code: str) -> list[str]:
    return [e.actor for e in DossierEvent.select().join(Dossier).where(Dossier.code == code)
            .order_by(DossierEvent.seq)]


def test_events_record_the_username_and_show_the_full_name(ctx):
    twins(ctx)
    sign_in_as(ctx, "an.nv")
    info = receive(ctx)
    dossiers.advance_dossier(ctx, info.code, "processing")
    assert stored_actors(info.code) == ["an.nv", "an.nv"]
    shown = dossiers.get_dossier(ctx, info.code)
    assert [(e.actor, e.username) for e in shown.events] == [(NAME, "an.nv")] * 2
    assert f"[{NAME}]" in event_text(shown.events[-1])
    [found] = dossiers.dossier_infos(ctx, [Dossier.get(Dossier.code == info.code).id])
    assert [(e.actor, e.username) for e in found.events] == [(NAME, "an.nv")] * 2
    # what the portal and the provincial gateway show as the handler: the person's name
    payload = json.loads(Outbox.select().where(Outbox.op == "dossier.status").get().payload)
    assert payload["actor"] == NAME
    assert Dossier.get(Dossier.code == info.code).received_by == NAME  # the receipt's officer


def test_a_clerk_with_the_same_full_name_cannot_void_anothers_dossier(ctx):
    twins(ctx)
    sign_in_as(ctx, "an.nv")
    info = receive(ctx)
    sign_in_as(ctx, "an.nv2")  # same full name, another person
    with pytest.raises(PermissionDenied, match="Chỉ cán bộ đã tiếp nhận"):
        dossiers.void_dossier(ctx, info.code, "Trùng hồ sơ")
    sign_in_as(ctx, "an.nv")
    assert dossiers.void_dossier(ctx, info.code, "Trùng hồ sơ").status == "voided"


def test_a_renamed_or_deleted_account_still_shows_something_sensible(ctx):
    twins(ctx)
    sign_in_as(ctx, "an.nv")
    info = receive(ctx)
    User.update(full_name="Nguyễn Văn An (đã đổi)").where(User.username == "an.nv").execute()
    assert dossiers.get_dossier(ctx, info.code).events[0].actor == "Nguyễn Văn An (đã đổi)"
    ctx.user = None  # the command line: the machine's administrator
    User.delete().where(User.username == "an.nv").execute()
    event = dossiers.get_dossier(ctx, info.code).events[0]
    assert (event.actor, event.username) == ("an.nv", "an.nv")


def test_events_written_before_keep_their_hash_and_their_full_name(ctx, clock):
    """An event of an older version recorded the full name: it is not rewritten (the actor
    is part of its hash), shown as recorded, and still lets its clerk void the dossier."""
    twins(ctx)
    sign_in_as(ctx, "an.nv")
    info = receive(ctx)
    row = Dossier.get(Dossier.code == info.code)
    with ctx.database.atomic():  # what a version before #18 wrote for a status change
        audit.append_event(ctx.database, dossier=row.id, at=ctx.now(), actor=NAME,
                           kind="status", from_status="received", to_status="received",
                           note="cũ")
    assert stored_actors(info.code) == ["an.nv", NAME]
    assert audit.verify_chain(as_machine(ctx)).ok
    assert dossiers.get_dossier(ctx, info.code).events[-1].actor == NAME
    with ctx.database.atomic():  # and its received event, as then
        ctx.database.execute_sql("DROP TRIGGER dossier_event_no_update")
        DossierEvent.update(actor=NAME).where(DossierEvent.dossier == row.id,
                                              DossierEvent.kind == "received").execute()
    assert dossiers.void_dossier(ctx, info.code, "Trùng hồ sơ").status == "voided"


def test_forms_and_the_cli_show_the_full_name(ctx, capsys):
    twins(ctx)
    sign_in_as(ctx, "an.nv")
    info = receive(ctx)
    dossiers.advance_dossier(ctx, info.code, "supplement_requested", note="Thiếu giấy khai sinh")
    form = dossier_forms.form_document(ctx, info.code, "02")
    assert any(name == NAME for _role, name in form.signatures)
    history = dossier_forms.form_document(ctx, info.code, "05")
    assert NAME in json.dumps(history.body, ensure_ascii=False)
    assert "an.nv" not in json.dumps(history.body, ensure_ascii=False)
    ctx.user = None
    code, out, _err = run_cli(capsys, "dossier", "show", info.code)
    assert code == 0 and f"[{NAME}]" in out, out
