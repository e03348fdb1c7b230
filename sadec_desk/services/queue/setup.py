"""The queue's set-up: service groups, counters, which counter serves which group, and
the same-day ("không hẹn") weekdays.

Every call and every ticket needs the groups, counters and links, and they change a few
times a year: they are read once per :data:`SETUP_CACHE_SECONDS` into ``ctx.queue_setup``
and every edit made here forgets that copy.
"""

from __future__ import annotations

import json
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sadec_desk.config import save_setting
from sadec_desk.db.database import translated_errors
from sadec_desk.db.models import Procedure
from sadec_desk.db.queue_models import Counter, CounterGroup, ServiceGroup
from sadec_desk.domain.calendar import weekday_name
from sadec_desk.domain.queue_policy import validate_prefix
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.errors import InvalidInput, NotFound
from sadec_desk.i18n import _
from sadec_desk.services.access import ADMIN_ROLES, ANY_ROLE, require_role
from sadec_desk.services.queue.records import CounterInfo, SameDayPolicyInfo, ServiceGroupInfo

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext


# Defaults a commune can start with (issue #4): the civil-status procedures of the seed
# catalogue (Luật Hộ tịch 2014), the certification ones (NĐ 23/2015), and the rest.
DEFAULT_GROUPS = (
    ("A", "Hộ tịch", ("1.001193", "1.000894", "1.000656", "1.004884", "1.004873",
                      "2.000635", "1.001022", "1.004859")),
    ("B", "Chứng thực", ("2.000815", "2.000884")),
    ("C", "Việc khác", ()),
)
DEFAULT_COUNTERS = ((1, "Quầy 1", ("A", "C")), (2, "Quầy 2", ("B", "C")))


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", (text or "").strip()).casefold()


# --- service groups and counters --------------------------------------------------------


#: how long a counter trusts its copy of the groups, counters and their links; edits made
#: at this counter apply at once, edits made at another one within this many seconds
SETUP_CACHE_SECONDS = 10.0


@dataclass(frozen=True)
class _Setup:
    loaded: float
    groups: tuple[ServiceGroup, ...]  # by position
    counters: tuple[Counter, ...]  # by number
    links: frozenset[tuple[int, int]]  # (counter id, group id)


def _setup(ctx: AppContext) -> _Setup:
    """The office's groups, counters and links, read once per few seconds: every call and
    every ticket needs them, and they change a few times a year."""
    cached = ctx.queue_setup
    if cached is not None and time.monotonic() - cached.loaded < SETUP_CACHE_SECONDS:
        return cached
    office_id = ctx.office().id
    setup = _Setup(
        loaded=time.monotonic(),
        groups=tuple(ServiceGroup.select().where(ServiceGroup.office == office_id)
                     .order_by(ServiceGroup.position, ServiceGroup.prefix)),
        counters=tuple(Counter.select().where(Counter.office == office_id)
                       .order_by(Counter.number)),
        links=frozenset((row.counter_id, row.service_group_id) for row in
                        CounterGroup.select().join(Counter)
                        .where(Counter.office == office_id)))
    ctx.queue_setup = setup
    return setup


def forget_setup(ctx: AppContext) -> None:
    ctx.queue_setup = None


def office_groups(ctx: AppContext, *, active_only: bool = False) -> list[ServiceGroup]:
    """The office's service groups, by position."""
    return [g for g in _setup(ctx).groups if g.active or not active_only]


def office_counters(ctx: AppContext, *, active_only: bool = False) -> list[Counter]:
    """The office's counters, by number."""
    return [c for c in _setup(ctx).counters if c.active or not active_only]


def office_links(ctx: AppContext) -> list[tuple[int, int]]:
    """(counter id, group id) pairs of this office."""
    return sorted(_setup(ctx).links)


def is_served(ctx: AppContext, group_id: int) -> bool:
    """Does an active counter serve the group?"""
    setup = _setup(ctx)
    active = {c.id for c in setup.counters if c.active}
    return any(gid == group_id and cid in active for cid, gid in setup.links)


def group_by_id(ctx: AppContext, group_id: int) -> ServiceGroup:
    """A group by id, including one created at another counter since the set-up was read."""
    for group in _setup(ctx).groups:
        if group.id == group_id:
            return group
    forget_setup(ctx)  # created at another counter since we last looked
    return next(g for g in _setup(ctx).groups if g.id == group_id)


def counter_numbers(ctx: AppContext) -> dict[int, int]:
    """Counter id -> counter number, for every counter of the office."""
    numbers = {c.id: c.number for c in _setup(ctx).counters}
    return numbers


def _group_info(group: ServiceGroup, counters_of: dict[int, list[int]]) -> ServiceGroupInfo:
    return ServiceGroupInfo(
        id=group.id, prefix=group.prefix, name=group.name,
        procedure_codes=tuple(json.loads(group.procedure_codes)),
        counters=tuple(sorted(counters_of.get(group.id, []))), position=group.position,
        active=group.active)


def list_groups(ctx: AppContext) -> list[ServiceGroupInfo]:
    require_role(ctx, *ANY_ROLE)
    with translated_errors():
        numbers = {c.id: c.number for c in office_counters(ctx)}
        counters_of: dict[int, list[int]] = {}
        for counter_id, group_id in office_links(ctx):
            counters_of.setdefault(group_id, []).append(numbers[counter_id])
        return [_group_info(g, counters_of) for g in office_groups(ctx)]


def list_counters(ctx: AppContext) -> list[CounterInfo]:
    require_role(ctx, *ANY_ROLE)
    with translated_errors():
        prefixes = {g.id: g.prefix for g in office_groups(ctx)}
        groups_of: dict[int, list[str]] = {}
        for counter_id, group_id in office_links(ctx):
            groups_of.setdefault(counter_id, []).append(prefixes[group_id])
        return [CounterInfo(id=c.id, number=c.number, name=c.name,
                            groups=tuple(sorted(groups_of.get(c.id, []))), active=c.active)
                for c in office_counters(ctx)]


def known_groups(ctx: AppContext) -> str:
    """The active groups, for a message that says which ones exist."""
    return ", ".join(f"{g.prefix} ({g.name})" for g in office_groups(ctx, active_only=True)) or "—"


def _known_counters(ctx: AppContext) -> str:
    return ", ".join(str(c.number) for c in office_counters(ctx, active_only=True)) or "—"


def find_group(ctx: AppContext, ref: str | int, *, active_only: bool = True) -> ServiceGroup:
    """A group by letter ("A"), name ("Hộ tịch", any case) or id."""
    wanted = _fold(str(ref))
    for group in office_groups(ctx, active_only=active_only):
        if wanted in (_fold(group.prefix), _fold(group.name), str(group.id)):
            return group
    raise NotFound(_("Không có nhóm dịch vụ «{ref}». Các nhóm hiện có: {known}.")
                   .format(ref=ref, known=known_groups(ctx)))


def find_counter(ctx: AppContext, ref: str | int, *, active_only: bool = True) -> Counter:
    """A counter by number ("2"), name ("Quầy 2", any case) or the spoken "quầy số 2"."""
    wanted = _fold(str(ref))
    for counter in office_counters(ctx, active_only=active_only):
        if wanted in (str(counter.number), _fold(counter.name)):
            return counter
    raise NotFound(_("Không có quầy «{ref}». Các quầy hiện có: {known} "
                     "(xem 'sadec-desk queue counter list').")
                   .format(ref=ref, known=_known_counters(ctx)))


def _check_procedures(codes: Iterable[str]) -> list[str]:
    codes = [c.strip() for c in codes if c and c.strip()]
    if codes:
        known = {r.code for r in Procedure.select(Procedure.code).where(Procedure.active)}
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise NotFound(_("Không có thủ tục mã {codes} trong danh mục. Xem 'sadec-desk "
                             "catalog list'.").format(codes=", ".join(unknown)))
    return list(dict.fromkeys(codes))


def _check_name(name: str, what: str) -> str:
    name = unicodedata.normalize("NFC", (name or "").strip())
    if not name:
        raise InvalidInput(_("Tên {what} không được để trống.").format(what=what))
    if len(name) > 60:
        raise InvalidInput(_("Tên {what} quá dài (tối đa 60 ký tự).").format(what=what))
    return name


def _set_links(*, counter_ids: Iterable[int] | None = None, group_ids: Iterable[int] | None = None,
               group: ServiceGroup | None = None, counter: Counter | None = None) -> None:
    if group is not None and counter_ids is not None:
        CounterGroup.delete().where(CounterGroup.service_group == group.id).execute()
        rows = [{"counter": cid, "service_group": group.id} for cid in dict.fromkeys(counter_ids)]
    elif counter is not None and group_ids is not None:
        CounterGroup.delete().where(CounterGroup.counter == counter.id).execute()
        rows = [{"counter": counter.id, "service_group": gid} for gid in dict.fromkeys(group_ids)]
    else:
        return
    if rows:
        CounterGroup.insert_many(rows).execute()


def create_group(ctx: AppContext, *, prefix: str, name: str, procedure_codes: Sequence[str] = (),
                 counters: Sequence[str | int] = ()) -> ServiceGroupInfo:
    require_role(ctx, *ADMIN_ROLES)
    prefix = validate_prefix(prefix)
    name = _check_name(name, _("nhóm dịch vụ"))
    forget_setup(ctx)
    with translated_errors(), ctx.database.atomic():
        office = ctx.office()
        if ServiceGroup.get_or_none(ServiceGroup.office == office.id,
                                    ServiceGroup.prefix == prefix):
            raise InvalidInput(_("Chữ cái {prefix} đã dùng cho một nhóm khác; chọn chữ khác.")
                               .format(prefix=prefix))
        codes = _check_procedures(procedure_codes)
        counter_rows = [find_counter(ctx, c) for c in counters]
        position = (ServiceGroup.select().where(ServiceGroup.office == office.id).count())
        group = ServiceGroup.create(office=office.id, prefix=prefix, name=name,
                                    procedure_codes=json.dumps(codes), position=position,
                                    updated_at=ctx.now())
        _set_links(group=group, counter_ids=[c.id for c in counter_rows])
    forget_setup(ctx)
    return _one_group(ctx, group.id)


def _one_group(ctx: AppContext, group_id: int) -> ServiceGroupInfo:
    return next(g for g in list_groups(ctx) if g.id == group_id)


def update_group(ctx: AppContext, ref: str, *, name: str | None = None, prefix: str | None = None,
                 procedure_codes: Sequence[str] | None = None,
                 counters: Sequence[str | int] | None = None,
                 active: bool | None = None) -> ServiceGroupInfo:
    """Change a group; a new letter applies to tickets issued from now on."""
    require_role(ctx, *ADMIN_ROLES)
    forget_setup(ctx)
    with translated_errors(), ctx.database.atomic():
        group = find_group(ctx, ref, active_only=False)
        changes: dict = {ServiceGroup.updated_at: ctx.now()}
        if name is not None:
            changes[ServiceGroup.name] = _check_name(name, _("nhóm dịch vụ"))
        if prefix is not None:
            prefix = validate_prefix(prefix)
            clash = ServiceGroup.get_or_none(ServiceGroup.office == group.office_id,
                                             ServiceGroup.prefix == prefix)
            if clash is not None and clash.id != group.id:
                raise InvalidInput(_("Chữ cái {prefix} đã dùng cho nhóm «{name}»; chọn chữ khác.")
                                   .format(prefix=prefix, name=clash.name))
            changes[ServiceGroup.prefix] = prefix
        if procedure_codes is not None:
            changes[ServiceGroup.procedure_codes] = json.dumps(_check_procedures(procedure_codes))
        if active is not None:
            changes[ServiceGroup.active] = active
        ServiceGroup.update(changes).where(ServiceGroup.id == group.id).execute()
        if counters is not None:
            _set_links(group=group, counter_ids=[find_counter(ctx, c).id for c in counters])
    forget_setup(ctx)
    return _one_group(ctx, group.id)


def create_counter(ctx: AppContext, *, number: int, name: str | None = None,
                   groups: Sequence[str] = ()) -> CounterInfo:
    require_role(ctx, *ADMIN_ROLES)
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 99:
        raise InvalidInput(_("Số quầy phải là số từ 1 đến 99 (đang là {n}).").format(n=number))
    name = _check_name(name if name is not None else _("Quầy {n}").format(n=number),
                       _("quầy"))
    forget_setup(ctx)
    with translated_errors(), ctx.database.atomic():
        office = ctx.office()
        if Counter.get_or_none(Counter.office == office.id, Counter.number == number):
            raise InvalidInput(_("Quầy số {n} đã có; chọn số khác.").format(n=number))
        group_rows = [find_group(ctx, g) for g in groups]
        counter = Counter.create(office=office.id, number=number, name=name,
                                 updated_at=ctx.now())
        _set_links(counter=counter, group_ids=[g.id for g in group_rows])
    forget_setup(ctx)
    return next(c for c in list_counters(ctx) if c.id == counter.id)


def update_counter(ctx: AppContext, ref: str, *, name: str | None = None,
                   groups: Sequence[str] | None = None, active: bool | None = None
                   ) -> CounterInfo:
    require_role(ctx, *ADMIN_ROLES)
    forget_setup(ctx)
    with translated_errors(), ctx.database.atomic():
        counter = find_counter(ctx, ref, active_only=False)
        changes: dict = {Counter.updated_at: ctx.now()}
        if name is not None:
            changes[Counter.name] = _check_name(name, _("quầy"))
        if active is not None:
            changes[Counter.active] = active
        Counter.update(changes).where(Counter.id == counter.id).execute()
        if groups is not None:
            _set_links(counter=counter, group_ids=[find_group(ctx, g).id for g in groups])
    forget_setup(ctx)
    return next(c for c in list_counters(ctx) if c.id == counter.id)


def ensure_default_queue(ctx: AppContext) -> bool:
    """Create the default groups and counters for an office that has none; True if created.

    Called by ``sadec-desk init``; an office that already set up (or deleted) its own
    groups is left alone.
    """
    require_role(ctx, *ADMIN_ROLES)
    forget_setup(ctx)
    with translated_errors(), ctx.database.atomic():
        office = ctx.office()
        if ServiceGroup.select().where(ServiceGroup.office == office.id).exists():
            return False
        known = {r.code for r in Procedure.select(Procedure.code).where(Procedure.active)}
        now = ctx.now()
        group_ids = {}
        for position, (prefix, name, codes) in enumerate(DEFAULT_GROUPS):
            group = ServiceGroup.create(
                office=office.id, prefix=prefix, name=name, position=position,
                procedure_codes=json.dumps([c for c in codes if c in known]), updated_at=now)
            group_ids[prefix] = group.id
        for number, name, prefixes in DEFAULT_COUNTERS:
            if Counter.get_or_none(Counter.office == office.id, Counter.number == number):
                continue
            counter = Counter.create(office=office.id, number=number, name=name, updated_at=now)
            _set_links(counter=counter, group_ids=[group_ids[p] for p in prefixes])
    forget_setup(ctx)
    return True


# --- the same-day weekdays -----------------------------------------------------------


def same_day_policy(ctx: AppContext) -> SameDayPolicyInfo:
    """"Ngày thứ Năm không hẹn" (docs/design.md §3.2): on these weekdays eligible procedures
    are due the same day; :func:`sadec_desk.domain.calendar.due_for` applies it."""
    require_role(ctx, *ANY_ROLE)
    weekdays = tuple(sorted(ctx.calendar.settings.same_day_weekdays))
    today = ctx.now().astimezone(VN_TZ)
    procedures = tuple((r.code, r.name) for r in Procedure.select(Procedure.code, Procedure.name)
                       .where(Procedure.active, Procedure.same_day_eligible,
                              Procedure.time_limit_days > 0)
                       .order_by(Procedure.code))
    return SameDayPolicyInfo(
        weekdays=weekdays, weekday_names=tuple(weekday_name(d) for d in weekdays),
        applies_today=today.weekday() in weekdays and ctx.calendar.is_working_day(today.date()),
        procedures=procedures)


def _parse_weekdays(values: Iterable[int]) -> list[int]:
    days = sorted(set(values))
    if any(isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 6 for d in days):
        raise InvalidInput(_("Ngày trong tuần phải là số từ 0 (thứ Hai) đến 6 (Chủ nhật)."))
    return days


def set_same_day_weekdays(ctx: AppContext, weekdays: Iterable[int]) -> SameDayPolicyInfo:
    """Save the office's "không hẹn" weekdays (config ``calendar.same_day_weekdays``)."""
    require_role(ctx, *ADMIN_ROLES)
    days = _parse_weekdays(weekdays)
    save_setting("calendar.same_day_weekdays", days, ctx.config.path)
    ctx.reload_config()
    return same_day_policy(ctx)
