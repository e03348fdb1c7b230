"""Roles and the one check every guarded service makes: :func:`require_role`.

Roles: ``clerk`` (cán bộ tiếp nhận: the counter), ``leader`` (lãnh đạo: the counter's
work plus reports) and ``it`` (cán bộ CNTT: users, office, printers, sync set-up).
Every guarded service calls :func:`require_role`, so a role is enforced where the
work is done, not only by hiding a button.

Nobody signed in: the command line acts as the machine's administrator (anyone who
can run ``sadec-desk`` on this machine can open the database file anyway), while the
desktop app sets ``ctx.sign_in_required`` and is refused everything until a user
signs in. The app's own background rounds (sync, printing, the scheduled backup) act
as the machine through :func:`as_machine`, whoever is signed in. A public function that
checks no role is named in :data:`PUBLIC` with the reason (tests/services/test_roles.py
holds every function to one or the other).

Accounts and sign-in live in :mod:`sadec_desk.services.admin.users`; this module
imports nothing of the services, so any service can check a role without pulling in the
accounts (and their import chain).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from sadec_desk.errors import UserError
from sadec_desk.i18n import _

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

ROLES = ("clerk", "leader", "it")
ROLE_LABELS = {"clerk": "Cán bộ tiếp nhận", "leader": "Lãnh đạo", "it": "Cán bộ CNTT"}
#: who may work at the counter: receive dossiers, move them on, call tickets
COUNTER_ROLES = ("clerk", "leader")
#: who may set the office up: users, office name and code, printers, sync
ADMIN_ROLES = ("it",)
#: who may read the reports (services.reports; here so the shell can show its button
#: without importing the report code, which loads matplotlib)
REPORT_ROLES = ("clerk", "leader", "it")
#: any signed-in staff member (e.g. opening the kiosk)
ANY_ROLE = ROLES
#: reading a citizen's data (a dossier, its pages, a ticket): anyone signed in — with
#: nobody signed in only the command line (the machine's administrator) may
READ_ROLES = ANY_ROLE


class PermissionDenied(UserError):
    code = "permission_denied"


def role_label(role: str) -> str:
    return _(ROLE_LABELS.get(role, role))


def require_role(ctx: AppContext, *roles: str) -> None:
    """Refuse unless the signed-in user has one of ``roles``.

    With nobody signed in the caller is the command line, the machine's administrator,
    and is let through — unless the context says a sign-in is required (the GUI).
    """
    user = getattr(ctx, "user", None)
    if user is None:
        if getattr(ctx, "sign_in_required", False):
            raise PermissionDenied(_("Hãy đăng nhập trước khi làm việc này."))
        return
    if getattr(user, "must_change_secret", False):
        # signed in with a PIN shorter than today's minimum (issue #18): the new PIN first
        raise PermissionDenied(_("Hãy đặt mã PIN mới (ít nhất 6 chữ số) trước khi làm việc."))
    if user.role not in roles:
        raise PermissionDenied(
            _("Việc này cần vai trò {needed}; bạn ({name}) đang đăng nhập với vai trò {role}.")
            .format(needed=_(" hoặc ").join(role_label(r) for r in roles),
                    name=user.full_name, role=role_label(user.role)))


def can(ctx: AppContext, *roles: str) -> bool:
    """Whether :func:`require_role` would let the current user through (for the views)."""
    try:
        require_role(ctx, *roles)
    except PermissionDenied:
        return False
    return True


def as_machine(ctx: AppContext) -> AppContext:
    """A private copy of ``ctx`` that acts as the machine's administrator, as the command
    line does: for the app's own background rounds (sync, printing), never for a request
    a person makes. The shared context, and whoever is signed in on it, is untouched."""
    own = dataclasses.replace(ctx, user=None, sign_in_required=False)
    if "calendar" in vars(ctx):
        own.__dict__["calendar"] = ctx.calendar  # the same calendar, not a second file read
    return own


# --- the functions that check no role, on purpose --------------------------------------
#
# Every public function of ``sadec_desk.services`` and of the sync entry points
# (``sync.api``, ``sync.engine``, ``sync.state``, ``sync.conflicts``) either calls
# require_role() first or is named here with the reason it needs none.
# tests/services/test_roles.py walks them all and fails on any that is neither.

_PURE = "pure: formats, parses or checks the values it is given; reads no stored data"
_CATALOGUE = ("the public catalogue (procedures, papers, fees, time limits): what the kiosk "
              "and the poster show to any citizen")
_HELPER = ("no context: a building block that guarded services (and the sync engine, the "
           "machine's own) call after their own check; views cannot reach it with a result")
_PATHS = "a file or folder name from the settings; reads no stored data"
_RENDER = "draws or writes data the caller already holds (and was checked for)"
_SETUP_CACHE = ("the queue's groups and counters (no personal data), read inside guarded "
                "services, by the display board and the kiosk")
_SIGN_IN = "signing in itself: must work before anyone is signed in"
_START = "building the context and the database at start-up, before anyone can sign in"
_DEVICE = "opens a device or a file the person at this screen chose; touches no stored data"

_PUBLIC_GROUPS: tuple[tuple[str, str, str], ...] = (
    (_PURE, "access", "role_label"),
    ("the check itself (and the machine's copy the background rounds use)", "access",
     "require_role can as_machine"),
    (_PATHS, "admin.backup", "backup_dir"),
    (_HELPER, "admin.backup", "inspect_sqlite"),
    ("the restore's own steps on the live file, called by admin.backup.restore_backup after "
     "its IT check (the module is named for that one caller)", "admin.backup_live",
     "damage replace"),
    (_HELPER, "admin.backup_pages",
     "sidecar pages_in_sqlite pages_in_database read_sidecar verify prune"),
    (_PURE, "admin.settings", "check_url_template check_office_printer parse_day"),
    (_PURE, "admin.users", "normalise_username check_role check_secret lock_seconds"),
    (_SIGN_IN, "admin.users", "has_users sign_in sign_out current_user first_start"),
    (_PURE, "audit", "event_hash redact"),
    (_HELPER, "audit", "append_events append_event"),
    (_PATHS, "audit", "anchors_path"),
    (_PATHS, "audit_seal", "audit_dir anchors_file head_file backup_folder"),
    (_PATHS, "issued_numbers", "mark_file"),
    (_HELPER, "issued_numbers", "read_marks note_codes note_counters note_database "
                                "raise_counters note_portal"),
    ("staff full names for the events a guarded service has just read (no citizen data)",
     "actors", "full_names full_name is_username"),
    (_PATHS, "portal_anchor", "anchor_file"),
    (_HELPER, "portal_anchor", "pending_restore note_restore store_answer note_failure "
                               "read_findings compare"),
    (_HELPER, "audit_seal", "seal is_sealed write_head reset_head append_anchor seal_backup "
                            "read_all"),
    (_CATALOGUE, "catalogue",
     "seed_procedures council_fee fee_text to_info active_procedure list_procedures"),
    (_HELPER, "catalogue", "procedure_from_row"),
    (_START, "context", "utc_now read_overrides build_calendar"),
    (_PURE, "desk", "form_after slip_after is_finished is_void can_reschedule awaits_clerk"),
    (_PURE, "display", "weekday_vi channel_label sync_label format_date format_datetime "
                       "format_time format_moment dossier_lines event_text "
                       "result_delivery_label size_text"),
    (_RENDER, "documents.form_pdf", "declaration_document write_declaration_pdf"),
    (_PATHS, "documents.office_forms", "forms_dir"),
    (_PURE, "documents.office_forms", "form_for form_titles"),
    (_DEVICE, "documents.office_forms", "send_pdf open_file"),
    (_PATHS, "documents.output", "personal_data_path output_path pdf_fonts"),
    (_RENDER, "documents.output", "write_output"),
    (_RENDER, "documents.pdf",
     "register_fonts nfc write_report_pdf write_form_pdf write_book_pdf"),
    (_PATHS, "documents.poster", "default_path"),
    (_PURE, "documents.poster", "procedure_url"),
    (_CATALOGUE, "documents.poster", "poster_data"),
    (_RENDER, "documents.poster", "layout draw_qr write_poster_pdf"),
    (_CATALOGUE, "due_dates", "due_date"),
    (_PURE, "kiosk.guide", "paper_kind time_limit_text mask_name satisfaction_levels"),
    (_PURE, "kiosk.guide", "matches citizen_fee_text waiting_text search_hint"),
    (_PURE, "kiosk.page_checks", "page_content refuse_blank"),
    (_PURE, "kiosk.usb_files", "pdf_pages"),
    (_HELPER, "kiosk.citizen_errors", "citizen_call"),
    (_CATALOGUE, "kiosk.guide", "list_procedures procedure_card"),
    (_PURE, "kiosk.pictures", "card_qr_picture"),
    (_CATALOGUE, "kiosk.submission", "list_procedures procedure"),
    (_PURE, "kiosk.submission", "check_phone"),
    (_PURE, "kiosk.vietnamese_typing", "last_word apply_mark"),
    (_HELPER, "pages.dossier_pages", "pages_manifest pages_event_data"),
    (_PATHS, "pages.store", "pages_dir path_for blob_path thumb_dir"),
    (_PURE, "pages.store", "storage_error placeholder_thumbnail"),
    (_HELPER, "pages.store", "write_file page_info pages_query page_infos get_page"),
    (_CATALOGUE, "printing.devices", "list_profiles"),
    (_PATHS, "printing.devices", "preview_dir timeout_seconds"),
    (_PATHS, "printing.letterhead", "office_name fonts"),
    (_RENDER, "printing.slips", "ticket_data receipt_data return_slip_data test_page_data "
                                "render_job encode_job"),
    (_HELPER, "query_rows", "tuple_rows"),
    (_SETUP_CACHE, "queue.setup", "forget_setup office_groups office_counters office_links "
                                  "is_served group_by_id counter_numbers known_groups "
                                  "find_group find_counter"),
    (_HELPER, "queue.stats", "tally_tickets"),
    (_PURE, "queue.tickets", "local_day ticket_info"),
    (_HELPER, "queue.tickets", "waiting_query"),
    (_DEVICE, "reception.camera_session", "open_camera classify_camera_qr start_card_session"),
    (_PURE, "reception.citizens", "parse_citizen_qr classify_qr_text"),
    (_DEVICE, "reception.citizens", "scan_image"),
    (_PURE, "reception.dossiers", "citizen_info normalise_phone"),
    (_HELPER, "reception.dossiers", "find_dossier_row"),
    (_CATALOGUE, "reception.eforms", "form_for check"),
    (_PURE, "reception.eforms", "prefill_from_qr"),
    (_PURE, "reception.feedback", "level_label"),
    (_PURE, "reception.intake", "parse_count check_field manual_labels manual_qr_text "
                                "check_manual_field citizen_from_fields parse_local "
                                "next_statuses"),
    (_CATALOGUE, "reception.intake", "quote"),
    (_PURE, "records", "to_jsonable"),
    (_HELPER, "secrets", "read_secret write_secret audit_key existing_audit_key"),
    (_PATHS, "secrets", "key_file_path where_kept"),
    (_START, "secrets", "move_secrets_out"),
    (_PURE, "reports.build", "parse_day make_period quick_period parse_screen_day "
                             "screen_period default_export_path"),
    (_RENDER, "reports.charts", "deadline_chart channel_chart queue_chart"),
    (_PURE, "reports.summary", "due_soon_limit"),
    (_PURE, "reports.text", "pct minutes period_text"),
    (_RENDER, "reports.xlsx", "write_workbook"),
    (_PURE, "admin.stations", "station_role_label"),
    ("this PC's name from the settings (station.name) or the operating system; reads no "
     "stored data", "admin.stations", "machine_name"),
)

_SYNC_PUBLIC: dict[str, str] = {
    "sadec_desk.sync.api.check_portal_url": _PURE,
    "sadec_desk.sync.state.parse_time": _PURE,
    "sadec_desk.sync.state.get_state": (
        "no context: read by the sync engine and its adapters only (the views and the CLI "
        "reach sync through sync.api alone, checked by tests/architecture)"),
}


def _public() -> dict[str, str]:
    names = dict(_SYNC_PUBLIC)
    for reason, module, functions in _PUBLIC_GROUPS:
        for name in functions.split():
            names[f"sadec_desk.services.{module}.{name}"] = reason
    return names


#: dotted name of a function -> why it checks no role
PUBLIC: dict[str, str] = _public()
