"""Running the reference portal under waitress (``sadec-desk portal serve``).

waitress is a pure-Python, multi-threaded production WSGI server that runs the same
on Windows (where commune IT staff rehearse) and Linux, with no C build. One process:
its I/O loop holds every client's connection and hands whole requests to a pool of
``threads`` workers, each with its own pooled PostgreSQL connection (SQLite: its own
connection to the file). A province has hundreds of offices whose sync workers keep
their connections open, so the loop watches them with poll() (select() stops at 1024
descriptors) and accepts up to ``connection_limit`` of them (waitress's default, 100,
would leave the 101st office waiting in the listen queue until another one closes).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sadec_desk.sync.portal.app import create_app
from sadec_desk.sync.portal.models import open_portal_database
from sadec_desk.sync.portal.store import PortalStore
from sadec_desk.sync.portal.validate import MAX_BUNDLE_BODY

log = logging.getLogger(__name__)


def serve(*, host: str, port: int, database_url: str | None, data_dir, admin_key: str,
          token_ttl_seconds: int = 3600, test_hooks: bool = False, threads: int = 8,
          connection_limit: int = 1000, ready=None) -> None:
    """Run the portal until interrupted (``sadec-desk portal serve``)."""
    from waitress.server import create_server

    # one pooled PostgreSQL connection per waitress thread (a request holds one from its
    # start to its end), and one spare for the start-up work below
    database = open_portal_database(database_url, data_dir / "portal.sqlite3",
                                    connections=threads + 1)
    store = PortalStore(database, token_ttl=timedelta(seconds=token_ttl_seconds),
                        blob_dir=data_dir / "portal-blobs")
    dropped = store.drop_abandoned_uploads()
    if dropped:
        log.info("dropped %d abandoned partial uploads", dropped)
    app = create_app(store, admin_key=admin_key, test_hooks=test_hooks)
    server = create_server(app, host=host, port=port, threads=threads,
                           connection_limit=connection_limit, asyncore_use_poll=True,
                           channel_timeout=60, ident="sadec-desk-portal",
                           # waitress answers 413 itself past the largest body any
                           # endpoint takes (each endpoint then checks its own limit)
                           max_request_body_size=MAX_BUNDLE_BODY)
    if ready is not None:
        ready(server)
    try:
        server.run()
    finally:
        server.close()
        close_all = getattr(database, "close_all", None)
        if close_all is not None:  # the PostgreSQL pool's connections
            close_all()
