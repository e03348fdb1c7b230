"""Roles and the one check every guarded service makes: :func:`require_role`.

Roles: ``clerk`` (cán bộ tiếp nhận: the counter), ``leader`` (lãnh đạo: the counter's
work plus reports) and ``it`` (cán bộ CNTT: users, office, printers, sync set-up).
Every guarded service calls :func:`require_role`, so a role is enforced where the
work is done, not only by hiding a button.

Nobody signed in: the command line acts as the machine's administrator (anyone who
can run ``sadec-desk`` on this machine can open the database file anyway), while the
desktop app sets ``ctx.sign_in_required`` and is refused everything until a user
signs in. Accounts and sign-in live in :mod:`sadec_desk.services.admin.users`; this
module imports nothing of the services, so any service can check a role without
pulling in the accounts (and their import chain).
"""

from __future__ import annotations

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
