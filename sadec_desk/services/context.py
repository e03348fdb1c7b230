"""The application context: configuration, the open database, the calendar, the clock.

The CLI and the app make one context at start-up (:func:`sadec_desk.bootstrap.open_context`)
and pass it to the service functions. Its caches are declared fields, and
:meth:`AppContext.reload_config` is the one way to take a saved setting into account.
"""

from __future__ import annotations

import functools
import logging
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from importlib import resources
from pathlib import Path
from typing import Any

import peewee

from sadec_desk.config import Config, load_config
from sadec_desk.db import database as dbmod
from sadec_desk.db.models import Office
from sadec_desk.domain.calendar import CalendarSettings, WorkingCalendar, parse_overrides
from sadec_desk.domain.dossier_code import validate_agency_code
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class AppContext:
    config: Config
    database: peewee.Database
    clock: Callable[[], datetime] = utc_now
    warnings: list[str] = field(default_factory=list)
    #: procedure code -> (monotonic time loaded, row, domain procedure); see catalog.py
    procedure_cache: dict = field(default_factory=dict)
    _offices: dict = field(default_factory=dict)
    #: the signed-in staff member (a :class:`sadec_desk.services.admin.users.UserInfo`), or None.
    #: The CLI runs with nobody signed in and acts as the machine's administrator (whoever
    #: can run commands on this machine can already open its database file); the GUI sets
    #: ``sign_in_required`` so that, with nobody signed in, every guarded service refuses.
    user: Any = None
    sign_in_required: bool = False
    #: caches the services keep for the life of the context, declared here so that each
    #: is visible: the queue's groups/counters/links (services.queue). (The name search
    #: has no cache: its index is in the database, db/search_index.py.)
    queue_setup: Any = None

    def now(self) -> datetime:
        return self.clock()

    @property
    def clerk(self) -> str:
        """Who acts: the signed-in user's name, else the counter's ``clerk.name`` setting."""
        if self.user is not None:
            return self.user.full_name
        return self.config["clerk.name"]

    @property
    def actor(self) -> str:
        """Who acts, as events record it (#18 item 5): the signed-in user's username (unique;
        screens show the full name, services/actors.py), else — the command line, the
        machine's own rounds — the counter's ``clerk.name`` setting, as before. The kiosk
        acts as a user with no account (id 0): its events keep its name, «Kiosk tự phục vụ»,
        which no username can be (services/kiosk/submission.py)."""
        if self.user is not None:
            return self.user.username if self.user.id else self.user.full_name
        return self.config["clerk.name"]

    @functools.cached_property
    def calendar(self) -> WorkingCalendar:
        return build_calendar(self.config)

    def office(self) -> Office:
        """The office named by ``office.agency_code``, created on first use."""
        agency_code = validate_agency_code(self.config["office.agency_code"])
        office = self._offices.get(agency_code)
        if office is None:
            with dbmod.translated_errors(), self.database.atomic():
                # insert-or-ignore: two counters meeting a new office at once must not collide
                Office.insert(agency_code=agency_code, name=self.config["office.name"],
                              province=self.config["office.province"], created_at=self.now()
                              ).on_conflict_ignore().execute()
                office = Office.get(Office.agency_code == agency_code)
            # inside a caller's transaction the row may still be rolled back: remember it
            # only once it is committed, or a later write would point at a missing office
            if not self.database.in_transaction():
                self._offices[agency_code] = office
        return office

    def reload_config(self) -> None:
        """Read the settings file again after a setting was saved, and drop what was
        computed from the old settings (the working-day calendar)."""
        self.config = load_config(self.config.path)
        self.__dict__.pop("calendar", None)  # functools.cached_property's slot

    def forget_cached(self) -> None:
        """Drop cached office and catalogue rows (after init or a catalogue refresh)."""
        self._offices.clear()
        self.procedure_cache.clear()

    def describe_database(self) -> str:
        if self.config.uses_server_database:
            # never show a password
            scheme, sep, rest = self.config["database.url"].partition("://")
            return f"{scheme}{sep}{rest.rpartition('@')[2]}"
        return str(self.config.sqlite_path)

    def close(self) -> None:
        if not self.database.is_closed():
            self.database.close()


def _parse_clock(name: str, text: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise InvalidInput(_("Thiết lập {name} = '{value}' không phải giờ hợp lệ (HH:MM)."
                             ).format(name=name, value=text)) from None


def read_overrides(config: Config):
    path_text = config["calendar.overrides_file"]
    try:
        if path_text:
            text = Path(path_text).read_text(encoding="utf-8")
        else:
            text = (resources.files("sadec_desk.db") / "seed" / "calendar_overrides.toml"
                    ).read_text(encoding="utf-8")
        return parse_overrides(tomllib.loads(text))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(_("Không đọc được tệp ngày nghỉ/ngày làm bù {path} ({error}). "
                             "Sửa tệp hoặc để trống thiết lập calendar.overrides_file."
                             ).format(path=path_text or "(mặc định)", error=exc)) from None


def build_calendar(config: Config) -> WorkingCalendar:
    days_off, working_days = read_overrides(config)
    settings = CalendarSettings(
        working_weekdays=frozenset(config["calendar.working_weekdays"]),
        opening=_parse_clock("calendar.opening", config["calendar.opening"]),
        closing=_parse_clock("calendar.closing", config["calendar.closing"]),
        cutoff=_parse_clock("calendar.cutoff", config["calendar.cutoff"]),
        same_day_weekdays=frozenset(config["calendar.same_day_weekdays"]),
        extra_days_off=days_off,
        extra_working_days=working_days,
    )
    return WorkingCalendar(settings)
