"""``pages purge --hours 0`` (or negative) never removes a kiosk submission in progress
(issue #18)."""

from datetime import UTC, datetime, timedelta

import pytest
from appfixtures import Clock, make_ctx
from appfixtures import run_cli as run
from pagesamples import encode, text_page

from sadec_desk.errors import InvalidInput
from sadec_desk.services.access import as_machine
from sadec_desk.services.pages import dossier_pages


def add_draft_page(ctx, draft: str) -> None:
    dossier_pages.add_page(as_machine(ctx), encode(text_page(300, 420, lines=3, label="TRANG")),
                           paper_index=0, paper_name="Tờ khai", source="scanner", draft=draft)


def test_purge_with_no_age_keeps_a_submission_in_progress(ctx, clock):
    machine = as_machine(ctx)
    add_draft_page(ctx, "kiosk-1")
    assert dossier_pages.purge_stale_drafts(machine, timedelta(0)) == 0
    clock.moment += timedelta(minutes=10)  # the citizen is still typing the form
    assert dossier_pages.purge_stale_drafts(machine, timedelta(0)) == 0
    assert len(dossier_pages.draft_pages(machine, "kiosk-1")) == 1
    with pytest.raises(InvalidInput, match="không âm"):
        dossier_pages.purge_stale_drafts(machine, timedelta(hours=-5))
    clock.moment += dossier_pages.IN_PROGRESS_DRAFT_AGE
    assert dossier_pages.purge_stale_drafts(machine, timedelta(0)) == 1


def test_the_command_line_keeps_it_too(capsys):
    ctx = make_ctx(Clock(datetime.now(UTC)))  # the command line runs on the real clock
    try:
        add_draft_page(ctx, "kiosk-2")
        assert run(capsys, "pages", "purge", "--hours", "0")[0] == 0
        code, _out, err = run(capsys, "pages", "purge", "--hours", "-1")
        assert code == 2 and "không âm" in err
        assert len(dossier_pages.draft_pages(as_machine(ctx), "kiosk-2")) == 1
    finally:
        ctx.close()
