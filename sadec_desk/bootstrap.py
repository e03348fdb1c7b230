"""The composition root: open (or create) the database, migrate it, seed the catalogue,
and hand back the :class:`~sadec_desk.services.context.AppContext` every entry point uses.

The CLI (``sadec_desk.cli``), the desktop app (``sadec_desk.app``), the benchmarks and the
tests all start here, so every entry point finds a usable, up-to-date database.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import peewee

from sadec_desk.config import Config, load_config
from sadec_desk.db import database as dbmod
from sadec_desk.db.migrations import migrate
from sadec_desk.errors import DatabaseError
from sadec_desk.files import make_private, private_dir
from sadec_desk.i18n import _, set_language
from sadec_desk.services.access import as_machine
from sadec_desk.services.catalogue import ensure_catalogue
from sadec_desk.services.context import AppContext, utc_now
from sadec_desk.services.issued_numbers import note_database
from sadec_desk.services.queue.end_of_day import close_past_days
from sadec_desk.services.secrets import move_secrets_out


def database_for(config: Config) -> peewee.Database:
    """The configured database, bound to the models but not opened (peewee connects on
    first use, without migrating)."""
    if config.uses_server_database:
        database = dbmod.url_database(config["database.url"])
    else:
        # a sqlite:/// URL only moves the file: it keeps the durable pragmas
        database = dbmod.sqlite_database(config.sqlite_path,
                                         busy_timeout_ms=config["database.busy_timeout_ms"])
    dbmod.bind(database)
    return database


def open_database(config: Config) -> peewee.Database:
    if not config.uses_server_database:
        path = config.sqlite_path
        try:
            private_dir(path.parent)
        except OSError as exc:
            raise DatabaseError(_("Không tạo được thư mục dữ liệu {path} ({error})."
                                  ).format(path=path.parent, error=exc)) from None
    database = database_for(config)
    with dbmod.translated_errors():
        database.connect(reuse_if_open=True)
        migrate(database)
    if not config.uses_server_database:
        # citizens' data: the user's only, even for a file an older version made 0644
        for suffix in ("", "-wal", "-shm"):
            make_private(config.sqlite_path.with_name(config.sqlite_path.name + suffix))
    return database


def settings_context(config: Config | None = None) -> AppContext:
    """The settings, with the database named but not opened: for the tasks that must work
    whatever state the live file is in (``backup list``/``verify``, and a restore over a
    damaged database, which never reads it)."""
    config = config or load_config()
    set_language(config["ui.language"])
    return AppContext(config=config, database=database_for(config))


def open_context(config: Config | None = None, *,
                 clock: Callable[[], datetime] = utc_now) -> AppContext:
    config = config or load_config()
    set_language(config["ui.language"])
    database = open_database(config)
    ctx = AppContext(config=config, database=database, clock=clock,
                     warnings=list(config.warnings))
    with dbmod.translated_errors():
        ensure_catalogue(ctx)
        # secrets an older version kept in the database go to the secret store (#14 item 9)
        move_secrets_out(database)
        # the day's counters outside the database, so that a restore never rewinds them
        note_database(database)
    # the first start of a new day closes the queue of the days before (issue #18)
    close_past_days(as_machine(ctx))
    return ctx
