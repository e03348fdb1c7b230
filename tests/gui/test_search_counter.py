"""The counter's find tab with the search's light records (services/reception/search.py):
the result list is built from records without papers and history, and the dossier shown
gets them read for it (dossiers.get_dossier), so its detail pane is whole."""

from __future__ import annotations

from appfixtures import OTHER_QR, SAMPLE_QR
from guikit import key, sign_in_clerk, type_text

from sadec_desk.services.reception import dossiers


def detail(counter) -> str:
    return counter.detail_text.get("1.0", "end")


def test_the_dossier_shown_gets_its_papers_and_history(shell, ctx, clock):
    counter = sign_in_clerk(shell, ctx)
    first = dossiers.receive_dossier(ctx, procedure_code="2.000635", qr_text=SAMPLE_QR)
    dossiers.advance_dossier(ctx, first.code, "processing", note="Chuyển cán bộ tư pháp")
    second = dossiers.receive_dossier(ctx, procedure_code="1.001193", qr_text=OTHER_QR)
    key(shell.window, "F9")
    type_text(counter.search, "van duc", enter=True)
    assert shell.tasks.pump(until=lambda: counter.selected is not None)
    assert [d.code for d in counter.found] == [second.code]
    assert shell.tasks.pump(until=lambda: "Lịch sử:" in detail(counter))
    assert "Giấy tờ đã nhận:" in detail(counter)
    assert counter.selected == dossiers.get_dossier(ctx, second.code)

    counter.search.delete(0, "end")
    type_text(counter.search, "a", enter=True)  # both names have an "a"
    assert shell.tasks.pump(until=lambda: len(counter.found) == 2)
    assert [d.code for d in counter.found] == [second.code, first.code]
    counter.results.selection_set("1")
    shell.tasks.pump(until=lambda: "Chuyển cán bộ tư pháp" in detail(counter))
    assert "Chuyển cán bộ tư pháp" in detail(counter) and first.code in detail(counter)
    assert counter.found[1] == dossiers.get_dossier(ctx, first.code)
    # a record read for a dossier the clerk has left meanwhile is not shown
    counter.on_detail_loaded(dossiers.get_dossier(ctx, second.code))
    assert first.code in detail(counter) and second.code not in detail(counter)
