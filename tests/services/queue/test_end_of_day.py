"""Yesterday's unserved tickets are closed as expired at the first start of a new day and
counted as such (issue #18)."""

from datetime import timedelta

from appfixtures import make_ctx

from sadec_desk.db.queue_models import Ticket, TicketEvent
from sadec_desk.services.access import as_machine
from sadec_desk.services.admin import office
from sadec_desk.services.queue import stats, tickets
from sadec_desk.services.queue.end_of_day import close_past_days


def test_unserved_tickets_expire_at_the_first_start_of_the_next_day(ctx, clock):
    machine = as_machine(ctx)
    office.init_office(machine)  # the default queue groups and counters
    served = tickets.take_ticket(machine, "A", print_ticket=False)
    waiting = tickets.take_ticket(machine, "A", print_ticket=False)
    called = tickets.take_ticket(machine, "A", print_ticket=False)
    tickets.call_next(machine, 1)
    tickets.finish(machine, served.number, counter=1)
    tickets.call_next(machine, 1)  # called, never served
    day = clock.moment.date()
    assert close_past_days(machine) == 0  # today's tickets stay open
    ctx.close()
    clock.moment += timedelta(days=1)
    ctx = make_ctx(clock)  # the next morning's start
    try:
        statuses = {t.display: t.status for t in Ticket.select()}
        assert statuses[served.number] == "done"
        assert statuses[waiting.number] == "expired"
        assert statuses[called.number] == "expired"
        assert TicketEvent.select().where(TicketEvent.kind == "expired").count() == sum(
            1 for s in statuses.values() if s == "expired")
        figures = stats.queue_stats(as_machine(ctx), day)
        assert figures.total.expired == sum(1 for s in statuses.values() if s == "expired")
        assert figures.total.still_waiting == 0
        # today's queue starts empty and nothing expired is called
        assert close_past_days(as_machine(ctx)) == 0
        assert tickets.take_ticket(as_machine(ctx), "A", print_ticket=False).sequence == 1
    finally:
        ctx.close()
