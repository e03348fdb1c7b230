"""Who an event's actor is, as a person reads it (#18 item 5).

Events record the actor by **username** (``AppContext.actor``): full names are not unique
(two clerks may both be «Nguyễn Văn An»), so a check such as "only the clerk who received
a dossier may void it" (services/reception/dossiers.py) compares usernames. Screens, forms
and exports show the **full name**, looked up here in the staff accounts at the time of
reading: a renamed person shows their current name; an account that no longer exists, an
actor of the machine itself (``portal``, the ``clerk.name`` setting of a counter without
sign-in) and events written before usernames were recorded (they hold the full name, and
keep it: the actor is part of each event's hash, services/audit.py) show the text as
recorded.
"""

from __future__ import annotations

from collections.abc import Iterable

from sadec_desk.db.user_models import User

#: the actor of what came from the portal (the sync's pull, an online dossier's pages)
PORTAL_ACTOR = "portal"
#: names the system itself records as an actor or acts under, which no staff account may
#: take (services/admin/users.normalise_username): events compare actors by username, so
#: a clerk named "portal" would count as the receiver of every online dossier (and could
#: void them, services/reception/dossiers.py), and the trail could not tell the portal's
#: changes from theirs. "kiosk" is the username the kiosk acts under
#: (services/kiosk/submission.py); "system" is kept for the machine's own rounds.
RESERVED_USERNAMES = frozenset({PORTAL_ACTOR, "kiosk", "system"})


def full_names(actors: Iterable[str]) -> dict[str, str]:
    """``actor -> what to show`` for every actor given (one query for all of them)."""
    wanted = {a for a in actors if a}
    names = {a: a for a in wanted}
    if wanted:
        rows = User.select(User.username, User.full_name).where(
            User.username.in_(sorted(wanted)))
        for row in rows:
            names[str(row.username)] = str(row.full_name)
    return names


def full_name(actor: str) -> str:
    return full_names([actor]).get(actor, actor) if actor else ""


def is_username(actor: str) -> bool:
    """Whether ``actor`` names a staff account (else it is a machine's actor or a full
    name recorded before usernames were)."""
    return bool(actor) and User.select().where(User.username == actor).exists()
