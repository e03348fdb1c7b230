"""The print worker's round (services/printing/worker.py): print what is due, count what
waits, ask the printer only every few rounds. No Tk: the shell shows the state."""

from __future__ import annotations

from sadec_desk.errors import InvalidInput
from sadec_desk.services.printing import devices as printer_devices
from sadec_desk.services.printing import jobs, worker


def test_a_round_prints_the_queued_slips_and_counts_what_waits(ctx):
    queued = jobs.print_ticket(ctx, number=1, service="Hộ tịch", attempt=False)
    assert queued.status == "queued"
    state = worker.print_state(ctx, check_printer=False, last=None)
    assert jobs.get_job(ctx, queued.id).status == "printed"
    # the preview printer (the default) is always there
    assert (state.printer, state.ready, state.waiting, state.failed) == ("preview", True, 0, 0)


def test_the_printer_is_asked_on_the_first_round_and_every_sixth_after(ctx, monkeypatch):
    asked = []
    real = printer_devices.printer_status
    monkeypatch.setattr(printer_devices, "printer_status", lambda c: asked.append(1) or real(c))
    rounds = worker.PrintRounds(ctx)
    states = [rounds() for _ in range(13)]
    assert len(asked) == 3  # rounds 1, 7 and 13
    assert all(s.ready for s in states) and rounds.last is states[-1]


def test_a_printer_that_cannot_be_asked_is_not_ready_with_its_sentence(ctx, monkeypatch):
    def broken(_ctx):
        raise InvalidInput("Máy in «quay9» chưa được khai báo.")

    monkeypatch.setattr(printer_devices, "printer_status", broken)
    state = worker.print_state(ctx, check_printer=True, last=None)
    assert (state.ready, state.message) == (False, "Máy in «quay9» chưa được khai báo.")
    # between checks the last answer is kept, the counts are new
    jobs.print_ticket(ctx, number=2, service="Hộ tịch", attempt=False)
    monkeypatch.setattr(jobs, "process_queue", lambda _ctx: [])
    later = worker.print_state(ctx, check_printer=False, last=state)
    assert (later.ready, later.message, later.waiting) == (False, state.message, 1)
