"""Issue #18 item 5: restoring a backup never lets the day's dossier counter go below the
highest number the portal has acknowledged — even on a new computer, where the numbers
noted outside the database (audit/issued.json) and the old live database are gone."""

from __future__ import annotations

import shutil

from appfixtures import AGENCY, Clock, make_ctx
from syncfixtures import receive_many

from sadec_desk.db.models import Dossier, DossierSequence
from sadec_desk.services import issued_numbers
from sadec_desk.services.admin import backup
from sadec_desk.sync import engine


def counter(day) -> int:
    row = DossierSequence.get_or_none(DossierSequence.agency_code == AGENCY,
                                      DossierSequence.day == day)
    return row.last if row else 0


def test_a_backup_restored_on_a_new_computer_never_issues_a_code_the_portal_has(
        portal, tmp_path, monkeypatch):
    clock = Clock()
    first = make_ctx(clock, sync__portal_url=portal.url, sync__timeout_seconds=5)
    engine.enrol(first, portal.url, portal.new_code(), "quầy cũ")
    receive_many(first, 2)
    saved = backup.create_backup(first)
    receive_many(first, 3)
    assert engine.run_once(first).error == ""
    codes = sorted(d["code"] for d in portal.dossiers())
    assert len(codes) == 5 and codes[-1].endswith("-0005")
    day = Dossier.get(Dossier.code == codes[-1]).received_at.astimezone(
        clock().tzinfo).date()
    first.close()

    # the new computer: a fresh data dir with only the backup copied over (no issued.json,
    # no old live database), enrolled again with the portal
    old_backups = backup.backup_dir(first)
    monkeypatch.setenv("SADEC_DESK_DATA_DIR", str(tmp_path / "new-pc"))
    ctx = make_ctx(clock, sync__portal_url=portal.url, sync__timeout_seconds=5)
    try:
        engine.enrol(ctx, portal.url, portal.new_code(), "quầy mới")
        new_backups = backup.backup_dir(ctx)
        new_backups.mkdir(parents=True, exist_ok=True)
        for path in old_backups.glob(saved.name + "*"):
            target = new_backups / path.name
            (shutil.copytree if path.is_dir() else shutil.copy2)(path, target)
        assert not issued_numbers.mark_file().exists()
        backup.restore_backup(ctx, saved.name)
        assert counter(day) == 2  # the backup's counter: the next code would be -0003
        report = engine.run_once(ctx)
        assert report.error == "", report.error
        assert counter(day) == 5  # raised to what the portal holds
        assert issued_numbers.read_marks()[f"{AGENCY}|{day.isoformat()}"] == 5
        [new] = receive_many(ctx, 1)
        code = Dossier.get(Dossier.uuid == new).code
        assert code.endswith("-0006") and code not in codes
        assert engine.run_once(ctx).error == ""
        assert len({d["code"] for d in portal.dossiers()}) == 6  # no duplicate at the portal
    finally:
        ctx.close()


def test_the_portal_tells_only_the_offices_own_numbers(portal):
    from syncfixtures import office

    ctx = office(portal)
    receive_many(ctx, 2)
    assert engine.run_once(ctx).error == ""
    other = portal.device_client("000.00.15.H20")
    mine = portal.device_client()
    try:
        assert other.get("/anchor").json()["issued"] == {}
        issued = mine.get("/anchor").json()["issued"]
        assert list(issued.values()) == [2]
    finally:
        other.close()
        mine.close()
