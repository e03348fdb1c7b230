"""Creating the office database and the settings that name the office."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sadec_desk.config import save_setting
from sadec_desk.db.database import translated_errors
from sadec_desk.db.models import Office
from sadec_desk.domain.dossier_code import validate_agency_code
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _
from sadec_desk.services.access import ADMIN_ROLES, require_role
from sadec_desk.services.queue.setup import ensure_default_queue
from sadec_desk.services.records import OfficeInfo

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext


def _current_office(ctx: AppContext) -> Office | None:
    """The office row this machine works for: the configured code's, else the one office of
    the database (a database holds one office)."""
    office = Office.get_or_none(Office.agency_code == ctx.config["office.agency_code"])
    if office is None and Office.select().count() == 1:
        office = Office.select().get()
    return office


def init_office(ctx: AppContext, *, agency_code: str | None = None,
                office_name: str | None = None) -> OfficeInfo:
    """Create (or rename) the office; given values are also saved in the config file.

    The database and the catalogue already exist once the context is open.
    """
    require_role(ctx, *ADMIN_ROLES)
    code = validate_agency_code(agency_code or ctx.config["office.agency_code"])
    name = (office_name if office_name is not None else ctx.config["office.name"]).strip()
    if not name:
        raise InvalidInput(_("Tên cơ quan không được để trống."))
    with translated_errors(), ctx.database.atomic():
        office = Office.get_or_none(Office.agency_code == code)
        if office is None:
            # a new agency code for the same office (a typo fixed, a commune merged): the
            # office keeps its row, queue and dossiers; only new dossier codes change
            office = _current_office(ctx)
            if office is not None:
                Office.update(agency_code=code).where(Office.id == office.id).execute()
                office.agency_code = code
        if office is None:
            office = Office.create(agency_code=code, name=name,
                                   province=ctx.config["office.province"], created_at=ctx.now())
        elif office_name is not None and office.name != name:
            Office.update(name=name).where(Office.id == office.id).execute()
    if agency_code:
        save_setting("office.agency_code", code, ctx.config.path)
    if office_name is not None:
        save_setting("office.name", name, ctx.config.path)
    ctx.reload_config()
    ctx.forget_cached()
    # the queue's default service groups and counters (issue #4), editable afterwards
    ensure_default_queue(ctx)
    return OfficeInfo(agency_code=code, name=name, province=office.province,
                      database=ctx.describe_database())
