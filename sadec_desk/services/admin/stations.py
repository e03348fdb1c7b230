"""Which PCs of the office run the app, and when each was last seen (issue #17 item 2).

An office with several PCs shares one database (``database.url``, PostgreSQL): counters,
a kiosk PC, a board PC on the hall's TV. Each running app notes every
``station.heartbeat_seconds`` that it is alive (:func:`record_heartbeat`, called by
:class:`HeartbeatWorker` from its own thread, never the Tk thread); the IT screens and
``sadec-desk stations`` read :func:`list_stations`. A PC whose note is older than twice
its own interval reads "mất kết nối" with the moment it was last seen: switched off,
crashed, or cut from the database server. The command line writes no note: it is not a
station that stays running.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sadec_desk import __version__
from sadec_desk.db import database as dbmod
from sadec_desk.db.station_models import Station
from sadec_desk.errors import InvalidInput, NotFound, UserError
from sadec_desk.i18n import _
from sadec_desk.services.access import ADMIN_ROLES, ANY_ROLE, as_machine, require_role
from sadec_desk.services.display import format_moment

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

log = logging.getLogger(__name__)

#: what a PC runs: the counter window, the citizens' kiosk, the hall's display board
STATION_ROLES = ("counter", "kiosk", "board")
ROLE_LABELS = {"counter": lambda: _("Quầy tiếp nhận"), "kiosk": lambda: _("Kiosk công dân"),
               "board": lambda: _("Bảng hiển thị")}
#: a note older than this many intervals means the PC is gone (one late note under load
#: is not a lost PC: two are)
STALE_INTERVALS = 2


@dataclass(frozen=True)
class StationInfo:
    machine: str
    role: str
    role_label: str
    version: str
    user_name: str
    started_at: datetime
    last_seen: datetime
    interval_seconds: int
    connected: bool
    #: "Đang chạy" or "Mất kết nối (lần cuối 07:32 03/12/2026)"
    status_text: str


def station_role_label(role: str) -> str:
    label = ROLE_LABELS.get(role)
    return label() if label else role


def machine_name(ctx: AppContext) -> str:
    """This PC's name in the list: ``station.name``, or the computer's host name."""
    name = str(ctx.config["station.name"]).strip() or socket.gethostname() or "?"
    return name[:120]


def _check_role(role: str) -> str:
    if role not in STATION_ROLES:
        raise InvalidInput(_("'{role}' không phải vai trò của máy (dùng một trong: {roles}).")
                           .format(role=role, roles=", ".join(STATION_ROLES)))
    return role


def record_heartbeat(ctx: AppContext, role: str, *, user_name: str = "",
                     started_at: datetime | None = None) -> None:
    """Note that this PC's app in ``role`` is alive now (one upsert on (machine, role))."""
    require_role(ctx, *ANY_ROLE)
    _check_role(role)
    now = ctx.now()
    values = dict(machine=machine_name(ctx), role=role, version=__version__,
                  user_name=user_name[:120], pid=os.getpid(),
                  interval_seconds=int(ctx.config["station.heartbeat_seconds"]),
                  started_at=started_at or now, last_seen=now)
    renewed = {key: values[key] for key in ("version", "user_name", "pid",
                                            "interval_seconds", "started_at", "last_seen")}
    with dbmod.translated_errors(), ctx.database.atomic():
        (Station.insert(**values)
         .on_conflict(conflict_target=[Station.machine, Station.role], update=renewed)
         .execute())


def _info(row: Station, now: datetime) -> StationInfo:
    stale_after = timedelta(seconds=STALE_INTERVALS * max(1, row.interval_seconds))
    connected = now - row.last_seen <= stale_after
    status = (_("Đang chạy") if connected else
              _("Mất kết nối (lần cuối {moment})").format(moment=format_moment(row.last_seen)))
    return StationInfo(machine=row.machine, role=row.role,
                       role_label=station_role_label(row.role), version=row.version,
                       user_name=row.user_name, started_at=row.started_at,
                       last_seen=row.last_seen, interval_seconds=row.interval_seconds,
                       connected=connected, status_text=status)


def list_stations(ctx: AppContext) -> list[StationInfo]:
    """Every PC that ever ran the app on this database: connected ones first, then by
    name and role."""
    require_role(ctx, *ADMIN_ROLES)
    now = ctx.now()
    with dbmod.translated_errors():
        rows = list(Station.select().order_by(Station.machine, Station.role))
    infos = [_info(row, now) for row in rows]
    return sorted(infos, key=lambda s: (not s.connected, s.machine.casefold(),
                                        STATION_ROLES.index(s.role)
                                        if s.role in STATION_ROLES else 99))


def forget_station(ctx: AppContext, machine: str, role: str) -> None:
    """Take a PC off the list (one that was retired); a running one comes back at its
    next note."""
    require_role(ctx, *ADMIN_ROLES)
    _check_role(role)
    with dbmod.translated_errors(), ctx.database.atomic():
        gone = Station.delete().where((Station.machine == machine)
                                      & (Station.role == role)).execute()
    if not gone:
        raise NotFound(_("Không có máy '{machine}' ({role}) trong danh sách.")
                       .format(machine=machine, role=station_role_label(role)))


class HeartbeatWorker:
    """The thread that calls :func:`record_heartbeat` every ``station.heartbeat_seconds``
    as the machine (a clerk's sign-out does not stop it); ``user_name()`` is read on each
    beat for the signed-in staff member's name. A failed note (the database server away)
    is logged and tried again at the next beat, never raised."""

    def __init__(self, ctx: AppContext, role: str, *,
                 user_name: Callable[[], str] = lambda: "",
                 interval: float | None = None):
        self.ctx, self.role = ctx, _check_role(role)
        self.user_name = user_name
        self.interval = interval
        self.started_at = ctx.now()
        self.beats = 0  # notes written (tests and the log)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"sadec-heartbeat-{role}",
                                        daemon=True)

    def start(self) -> HeartbeatWorker:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def beat(self) -> bool:
        """One note now; False when it could not be written."""
        try:
            record_heartbeat(as_machine(self.ctx), self.role, user_name=self.user_name(),
                             started_at=self.started_at)
        except UserError as exc:
            log.warning("station heartbeat not written: %s", exc)
            return False
        except Exception:
            log.exception("station heartbeat: unexpected error")
            return False
        self.beats += 1
        return True

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.beat()
            wait = self.interval or self.ctx.config["station.heartbeat_seconds"]
            self._stop.wait(max(0.05, float(wait)))
        if not self.ctx.database.is_closed():
            self.ctx.database.close()  # this thread's own connection
