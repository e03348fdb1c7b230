"""Rules of the walk-in queue: ticket states, which ticket a counter calls next, numbering.

Pure functions (no database, no clock): the queue service reads the candidates and the
per-group priority streak from the database inside its transaction and asks
:func:`choose_next` which ticket to call.

Calling policy (issue #4, docs/design.md §3.8 context "Ngày thứ Ba và thứ Sáu không chờ"):

1. A ticket transferred to one particular counter is called there first (oldest first):
   the citizen already waited once.
2. Within a service group the queue is FIFO by issue time, with priority tickets
   (elderly, people with disabilities, pregnant women, people with small children —
   Luật Người cao tuổi 2009 Art. 3, Luật Người khuyết tật 2010 Art. 4 give them priority
   at public services) called before regular ones; but after ``interleave`` priority
   calls in a row from the group, a waiting regular ticket is called next, so regular
   tickets are never starved.
3. A counter serving several groups calls the oldest of the groups' next tickets.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _


class TicketStatus(enum.StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    ON_HOLD = "on_hold"
    # waiting again after a transfer: at a named counter, or in another group's queue
    TRANSFERRED = "transferred"
    # not served by the end of its day: closed at the first start of the next day
    EXPIRED = "expired"


STATUS_LABELS = {
    TicketStatus.WAITING: "Đang chờ",
    TicketStatus.CALLED: "Đã gọi",
    TicketStatus.SERVING: "Đang phục vụ",
    TicketStatus.DONE: "Đã xong",
    TicketStatus.NO_SHOW: "Vắng mặt",
    TicketStatus.ON_HOLD: "Tạm hoãn",
    TicketStatus.TRANSFERRED: "Đã chuyển",
    TicketStatus.EXPIRED: "Hết ngày, chưa phục vụ",
}


def status_label(status: str | TicketStatus) -> str:
    return _(STATUS_LABELS[TicketStatus(status)])


#: statuses in which a ticket waits to be called (transferred: at its target counter or group)
WAITING_STATUSES = frozenset({TicketStatus.WAITING, TicketStatus.TRANSFERRED})
#: statuses in which a ticket belongs to a counter ("now serving" on the board)
AT_COUNTER_STATUSES = frozenset({TicketStatus.CALLED, TicketStatus.SERVING,
                                 TicketStatus.ON_HOLD})
#: statuses a ticket may still leave; left at the end of its day, it expires
OPEN_STATUSES = WAITING_STATUSES | AT_COUNTER_STATUSES


class QueueAction(enum.StrEnum):
    CALL = "call"
    RECALL = "recall"
    SERVE = "serve"
    SKIP = "skip"
    HOLD = "hold"
    DONE = "done"
    TRANSFER = "transfer"


_S = TicketStatus
#: action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[QueueAction, tuple[frozenset[TicketStatus], TicketStatus]] = {
    # calling a held or skipped ticket by its number: the citizen came back
    QueueAction.CALL: (frozenset({_S.WAITING, _S.TRANSFERRED, _S.ON_HOLD, _S.NO_SHOW}),
                       _S.CALLED),
    QueueAction.RECALL: (frozenset({_S.CALLED}), _S.CALLED),
    QueueAction.SERVE: (frozenset({_S.CALLED}), _S.SERVING),
    QueueAction.SKIP: (frozenset({_S.CALLED}), _S.NO_SHOW),
    QueueAction.HOLD: (frozenset({_S.CALLED, _S.SERVING}), _S.ON_HOLD),
    QueueAction.DONE: (frozenset({_S.CALLED, _S.SERVING}), _S.DONE),
    QueueAction.TRANSFER: (frozenset({_S.WAITING, _S.TRANSFERRED, _S.CALLED, _S.SERVING,
                                      _S.ON_HOLD}), _S.TRANSFERRED),
}

_ACTION_LABELS = {
    QueueAction.CALL: "gọi",
    QueueAction.RECALL: "gọi lại",
    QueueAction.SERVE: "bắt đầu phục vụ",
    QueueAction.SKIP: "bỏ qua (vắng mặt)",
    QueueAction.HOLD: "tạm hoãn",
    QueueAction.DONE: "hoàn thành",
    QueueAction.TRANSFER: "chuyển",
}


class IllegalTicketAction(InvalidInput):
    code = "illegal_ticket_action"


def check_action(action: QueueAction, status: str | TicketStatus, number: str) -> TicketStatus:
    """The status ``action`` leads to, or a sentence saying why it cannot be done now."""
    sources, target = TRANSITIONS[action]
    current = TicketStatus(status)
    if current not in sources:
        allowed = ", ".join(sorted(_(_ACTION_LABELS[a]) for a, (src, _t) in TRANSITIONS.items()
                                   if current in src)) or _("không thao tác nào")
        raise IllegalTicketAction(
            _("Không thể {action} vé {number} vì vé đang ở trạng thái «{label}». "
              "Có thể: {allowed}.").format(action=_(_ACTION_LABELS[action]), number=number,
                                           label=status_label(current), allowed=allowed))
    return target


# --- numbering --------------------------------------------------------------------------

_PREFIX = re.compile(r"^[A-Z]$")
NUMBER_WIDTH = 3  # "A012": three digits are plenty for 2,000 tickets a day over 3 groups
_NUMBER_TEXT = re.compile(r"^\s*([A-Za-z])\s*-?\s*0*(\d{1,6})\s*$")


def validate_prefix(prefix: str) -> str:
    value = (prefix or "").strip().upper()
    if not _PREFIX.match(value):
        raise InvalidInput(_("Chữ cái đầu số vé «{prefix}» không hợp lệ: dùng một chữ cái "
                             "A–Z không dấu, ví dụ A.").format(prefix=prefix))
    return value


def format_ticket_number(prefix: str, number: int) -> str:
    """"A012": the group's letter and the day's number, at least three digits."""
    return f"{prefix}{number:0{NUMBER_WIDTH}d}"


def parse_ticket_number(text: str) -> tuple[str, int]:
    """"A012", "a12", "A-012" -> ("A", 12); anything else is refused with an example."""
    match = _NUMBER_TEXT.match(text or "")
    if not match or int(match.group(2)) == 0:
        raise InvalidInput(_("Số vé «{text}» không hợp lệ: nhập chữ cái của nhóm và số thứ tự, "
                             "ví dụ A012.").format(text=text))
    return match.group(1).upper(), int(match.group(2))


def spoken_number(display: str) -> str:
    """How a speech engine should read "A012": the letter, then digit by digit.

    Read as a whole, "012" becomes "mười hai" and the letter may be swallowed; queue
    announcements in Vietnamese offices read the digits one by one.
    """
    letters = "".join(ch for ch in display if ch.isalpha())
    digits = " ".join(ch for ch in display if ch.isdigit())
    return f"{letters}, {digits}" if letters else digits


# --- calling policy ---------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A ticket that could be called: the head of one queue."""

    ticket_id: int
    group_id: int
    priority: bool
    issued_at: datetime
    #: transferred to the very counter that is calling
    targeted: bool = False


def validate_interleave(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
        raise InvalidInput(_("Thiết lập queue.priority_interleave = {value!r} không hợp lệ: cần "
                             "một số từ 1 đến 100 (số vé ưu tiên được gọi liên tiếp tối đa)."
                             ).format(value=value))
    return value


def _order(candidate: Candidate) -> tuple:
    return (candidate.issued_at, candidate.ticket_id)


def group_head(waiting: Iterable[Candidate], streak: int, interleave: int) -> Candidate | None:
    """The ticket a group gives next: the oldest priority ticket, unless ``interleave``
    priority tickets were just called in a row and a regular one waits."""
    oldest_priority = oldest_regular = None
    for c in waiting:
        if c.priority:
            if oldest_priority is None or _order(c) < _order(oldest_priority):
                oldest_priority = c
        elif oldest_regular is None or _order(c) < _order(oldest_regular):
            oldest_regular = c
    if oldest_priority is not None and (oldest_regular is None or streak < interleave):
        return oldest_priority
    return oldest_regular


def choose_next(candidates: Iterable[Candidate], streaks: Mapping[int, int],
                interleave: int) -> Candidate | None:
    """The ticket a counter calls next among ``candidates``.

    ``candidates`` may hold every waiting ticket of the counter's groups or just the
    oldest priority and oldest regular ticket of each group (the service reads only
    those); ``streaks[group_id]`` is how many priority tickets the group gave in a row.
    """
    candidates = list(candidates)
    targeted = [c for c in candidates if c.targeted]
    if targeted:
        return min(targeted, key=_order)
    by_group: dict[int, list[Candidate]] = {}
    for c in candidates:
        by_group.setdefault(c.group_id, []).append(c)
    heads = [h for gid, items in by_group.items()
             if (h := group_head(items, streaks.get(gid, 0), interleave)) is not None]
    return min(heads, key=_order) if heads else None


def streak_after(streak: int, called: Candidate) -> int:
    """The group's priority streak once ``called`` is called (targeted calls don't count)."""
    if called.targeted:
        return streak
    return streak + 1 if called.priority else 0


# --- statistics -------------------------------------------------------------------------


def nearest_rank(values: list[float], fraction: float) -> float | None:
    """Percentile by the nearest-rank method: a value that really occurred.

    p90 = the smallest value with at least 90 % of the values at or below it; what a
    service promise ("90 % wait less than ...") means, with no interpolation.
    """
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * round(fraction * 1000) // 1000))  # ceil without floats
    return ordered[min(rank, len(ordered)) - 1]


def median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


@dataclass(frozen=True)
class Durations:
    """Median / p90 / max of durations in seconds; None when there is nothing to measure."""

    count: int
    median_s: float | None
    p90_s: float | None
    max_s: float | None


def summarise(seconds: list[float]) -> Durations:
    return Durations(count=len(seconds), median_s=median(seconds),
                     p90_s=nearest_rank(seconds, 0.9), max_s=max(seconds) if seconds else None)


# --- announcements ----------------------------------------------------------------------

_TEMPLATE_FIELDS = frozenset({"number", "counter", "counter_name"})


def check_template(template: str) -> str:
    """Refuse a call template with unknown or broken placeholders before any call uses it."""
    import string

    try:
        names = {name for _lit, name, _spec, _conv in string.Formatter().parse(template)
                 if name is not None}
    except ValueError as exc:
        raise InvalidInput(_("Mẫu câu gọi số «{template}» bị lỗi ({error}); dùng dấu ngoặc "
                             "nhọn như {{number}}.").format(template=template, error=exc)
                           ) from None
    unknown = sorted(names - _TEMPLATE_FIELDS)
    if unknown or not template.strip():
        raise InvalidInput(_("Mẫu câu gọi số «{template}» có chỗ trống không biết: {names}. "
                             "Chỉ dùng {{number}}, {{counter}}, {{counter_name}}.")
                           .format(template=template, names=", ".join(unknown) or "—"))
    return template


def render_announcement(template: str, number: str, counter_number: int,
                        counter_name: str, *, spoken: bool = False) -> str:
    """The sentence for the board (``spoken=False``) or for the speech engine."""
    check_template(template)
    return template.format(number=spoken_number(number) if spoken else number,
                           counter=counter_number, counter_name=counter_name)
