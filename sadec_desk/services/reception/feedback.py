"""Recording citizens' satisfaction (docs/design.md §3.8; NĐ 61/2018 Art. 29, TT 32/2017 Art. 12).

Three levels, collected per served ticket or dossier on the kiosk or counter screen.
Ratings are anonymous: no name, no ID number, only the ticket or dossier they rate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sadec_desk.db.database import translated_errors
from sadec_desk.db.feedback_models import SatisfactionRating
from sadec_desk.db.queue_models import Ticket
from sadec_desk.errors import InvalidInput, NotFound
from sadec_desk.i18n import _
from sadec_desk.services.access import ANY_ROLE, require_role

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

#: level -> label, in the order shown to citizens (TT 32/2017 Art. 12)
LEVELS: dict[str, Callable[[], str]] = {
    "very_satisfied": lambda: _("Rất hài lòng"),
    "satisfied": lambda: _("Hài lòng"),
    "not_satisfied": lambda: _("Chưa hài lòng"),
}
SOURCES = ("kiosk", "counter")


def level_label(level: str) -> str:
    return LEVELS[level]()


def record_satisfaction(ctx: AppContext, level: str, ticket: int | None = None,
                        dossier: str | None = None, *, source: str = "counter") -> None:
    """Store one rating; ``ticket`` is a ticket id, ``dossier`` a dossier code or UUID."""
    require_role(ctx, *ANY_ROLE)
    if level not in LEVELS:
        raise InvalidInput(_("Mức hài lòng '{level}' không có; chọn một trong: {known}.")
                           .format(level=level, known=", ".join(
                               f"{k} ({v()})" for k, v in LEVELS.items())))
    if source not in SOURCES:
        raise InvalidInput(_("Nguồn đánh giá '{source}' không hợp lệ (kiosk hoặc counter).")
                           .format(source=source))
    from sadec_desk.services.reception.dossiers import find_dossier_row

    with translated_errors(), ctx.database.atomic():
        office = ctx.office()
        ticket_id = dossier_id = None
        if ticket is not None:
            ticket_id = (Ticket.select(Ticket.id)
                         .where(Ticket.id == int(ticket), Ticket.office == office.id).scalar())
            if ticket_id is None:
                raise NotFound(_("Không tìm thấy phiếu số thứ tự (id {id}) để gắn đánh giá.")
                               .format(id=ticket))
        if dossier is not None:
            dossier_id = find_dossier_row(dossier).id
        SatisfactionRating.insert(office=office.id, at=ctx.now(), level=level, source=source,
                                  ticket=ticket_id, dossier=dossier_id).execute()
