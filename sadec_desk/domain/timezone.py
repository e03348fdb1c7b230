"""Vietnam time: the one time zone every moment in the app is shown and counted in.

Kept apart from the working-day calendar and the due-date rules so that any domain module
(the CCCD reader, the life cycle, the calendar) can use it without importing the
procedure catalogue: this module imports no other domain module.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def to_local(moment: datetime, *, what: str | Callable[[], str] = "") -> datetime:
    """``moment`` in Vietnam time; naive datetimes are refused (their zone is a guess).
    ``what`` names the moment in the refusal; a function giving the name is called only
    then (a list of records judges thousands of moments: no translation for each)."""
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(
            _("Thời điểm {what} «{value}» không có múi giờ; hãy ghi rõ múi giờ "
              "(giờ Việt Nam, UTC+7).").format(what=what() if callable(what) else what,
                                                value=moment)
        )
    return moment.astimezone(VN_TZ)
