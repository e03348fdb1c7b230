"""``sadec-desk portal ...``: the reference portal server, for rehearsals and tests
(sadec_desk/sync/portal/; needs the ``[portal]`` extra: Flask and waitress)."""

from __future__ import annotations

import importlib.util
import os
import secrets
from datetime import timedelta

from sadec_desk.cli.base import command, emit, group
from sadec_desk.config import data_dir
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _

ADMIN_KEY_ENV = "SADEC_PORTAL_ADMIN_KEY"


def _admin_key(args) -> str:
    return args.admin_key or os.environ.get(ADMIN_KEY_ENV, "")


def cmd_portal_serve(args, ctx) -> None:
    # Flask and waitress are imported only when the server starts: look for them first, so a
    # missing extra is this sentence and not a ModuleNotFoundError (exit 70) later
    missing = [name for name in ("flask", "waitress") if importlib.util.find_spec(name) is None]
    try:
        from sadec_desk.sync.portal.serve import serve
    except ImportError:
        missing = missing or ["sadec_desk.sync.portal"]
    if missing:
        raise InvalidInput(_("Chưa cài máy chủ cổng thử nghiệm (thiếu {names}): cài gói tùy chọn "
                             "«portal»: pip install 'sadec-desk[portal]'. Bản cài đặt cho "
                             "Windows không kèm máy chủ này.").format(names=", ".join(missing)))
    if not 1 <= args.threads <= 256 or not 1 <= args.connection_limit <= 100_000:
        raise InvalidInput(_("Số luồng (--threads) phải từ 1 đến 256 và số kết nối "
                             "(--connection-limit) từ 1 đến 100000."))
    admin_key = _admin_key(args)
    if not admin_key:
        admin_key = secrets.token_urlsafe(24)
        print(_("Khoá quản trị (X-Admin-Key) của phiên này: {key}").format(key=admin_key),
              flush=True)

    def ready(server):
        print(f"listening on http://{args.host}:{server.effective_port}", flush=True)

    try:
        serve(host=args.host, port=args.port, database_url=args.database,
              data_dir=data_dir(), admin_key=admin_key, token_ttl_seconds=args.token_ttl,
              test_hooks=args.test_hooks, threads=args.threads,
              connection_limit=args.connection_limit, ready=ready)
    except OSError as exc:
        raise InvalidInput(_("Không mở được cổng {host}:{port} ({error}).").format(
            host=args.host, port=args.port, error=exc)) from None


def cmd_portal_code(args, ctx) -> None:
    from sadec_desk.sync.portal.models import open_portal_database
    from sadec_desk.sync.portal.store import PortalStore

    database = open_portal_database(args.database, data_dir() / "portal.sqlite3")
    store = PortalStore(database, token_ttl=timedelta(hours=1))
    with database.connection_context():
        code = store.new_enrolment_code(args.agency)  # InvalidInput: not an agency code
    agency = args.agency.strip().upper()
    emit(args, {"code": code, "agency": agency}, lambda: [_(
        "Mã đăng ký thiết bị: {code} (dùng một lần, hết hạn sau 7 ngày) cho cơ quan "
        "{agency}: thiết bị đăng ký bằng mã này chỉ làm việc với hồ sơ của cơ quan đó."
    ).format(code=code, agency=agency)])


def register(sub) -> None:
    g = group(sub, "portal", "reference portal server (rehearsals, tests)")
    p = command(g, "serve", cmd_portal_serve, needs_db=False, help="run the reference portal")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--database", "--database-url", dest="database", metavar="URL",
                   help="PostgreSQL URL (postgresql://user@host:port/name); default: "
                        "portal.sqlite3 in the data dir")
    p.add_argument("--admin-key", help=f"operator key (default: ${ADMIN_KEY_ENV} or random)")
    p.add_argument("--token-ttl", type=int, default=3600, help="device token lifetime (s)")
    p.add_argument("--threads", type=int, default=8,
                   help="worker threads (each with its own database connection)")
    p.add_argument("--connection-limit", type=int, default=1000,
                   help="client connections held open at once (one per office syncing)")
    p.add_argument("--test-hooks", action="store_true",
                   help="enable fault injection (/v1/admin/faults); never in production")
    p = command(g, "new-code", cmd_portal_code, needs_db=False,
                help="create a one-time device enrolment code for one office")
    p.add_argument("--agency", required=True, metavar="CODE",
                   help="the office's agency code (QCVN 102:2016, e.g. 000.00.14.H20): the "
                        "device works for that office only")
    p.add_argument("--database", "--database-url", dest="database", metavar="URL")
