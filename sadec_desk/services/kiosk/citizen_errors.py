"""What a citizen at the kiosk is told when something fails behind the screen.

A sentence meant for the person (a wrong QR, a missing paper, a dossier not found:
:class:`~sadec_desk.errors.InvalidInput`, :class:`~sadec_desk.errors.NotFound`) is shown as
it is. Anything else — the database, the page store, a printer, a lost sign-in — speaks
of settings, paths and servers a citizen can do nothing about (issue #17 item 4): it goes
to the log for the IT officer, and the citizen reads one calm sentence instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sadec_desk.errors import InvalidInput, NotFound, UserError
from sadec_desk.i18n import _

log = logging.getLogger(__name__)

T = TypeVar("T")


def citizen_call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` (in the worker), its technical failures as that sentence."""
    try:
        return fn(*args, **kwargs)
    except (InvalidInput, NotFound):
        raise
    except UserError as exc:
        log.warning("kiosk: %s failed: %s", getattr(fn, "__qualname__", fn), exc)
        raise InvalidInput(_("Kiosk đang gặp sự cố kỹ thuật. Mời bạn lấy số thứ tự để làm thủ "
                             "tục tại quầy, hoặc nhờ cán bộ hỗ trợ.")) from None
