"""The dossier life cycle and deadline states (docs/design.md §3.4).

Statuses follow the one-stop procedure of NĐ 61/2018 and the forms of Thông tư
01/2018/TT-VPCP: Mẫu 02 asks for a supplement, Mẫu 03 refuses with a reason.

``voided`` ("Hủy do nhập nhầm") is not a step of the procedure: it ends a record the
counter made by mistake (a duplicate, the wrong citizen or procedure). No form goes to the
citizen, the dossier counts in no report, and it needs a reason; who may void what is the
service's rule (services/reception/dossiers.void_dossier).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from enum import StrEnum

from sadec_desk.domain.timezone import to_local
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _


class DossierStatus(StrEnum):
    RECEIVED = "received"
    PROCESSING = "processing"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    DONE = "done"
    RETURNED = "returned"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    VOIDED = "voided"


_S = DossierStatus

TRANSITIONS: Mapping[DossierStatus, frozenset[DossierStatus]] = {
    # A simple case can be done at once from the counter (Luật Hộ tịch 2014 Art. 9).
    _S.RECEIVED: frozenset({_S.PROCESSING, _S.DONE, _S.SUPPLEMENT_REQUESTED, _S.REFUSED,
                           _S.WITHDRAWN, _S.VOIDED}),
    _S.PROCESSING: frozenset({_S.DONE, _S.SUPPLEMENT_REQUESTED, _S.REFUSED, _S.WITHDRAWN,
                              _S.VOIDED}),
    # After a supplement (Mẫu 02) the dossier goes back to processing, never straight to done.
    _S.SUPPLEMENT_REQUESTED: frozenset({_S.PROCESSING, _S.REFUSED, _S.WITHDRAWN, _S.VOIDED}),
    # Once a result exists the record was no mistake: it can no longer be voided.
    _S.DONE: frozenset({_S.RETURNED}),
    _S.RETURNED: frozenset(),
    _S.REFUSED: frozenset(),
    _S.WITHDRAWN: frozenset(),
    _S.VOIDED: frozenset(),
}

FINISHED_STATUSES = frozenset({_S.DONE, _S.RETURNED, _S.REFUSED, _S.WITHDRAWN, _S.VOIDED})

#: records that never were a real dossier: reports, counts and deadline rates leave them out
VOID_STATUSES = frozenset({_S.VOIDED})
#: the status values a report counts (every status but the voided ones)
REPORTED_STATUSES = tuple(s.value for s in DossierStatus if s not in VOID_STATUSES)

# A refusal (Mẫu 03) and a supplement request (Mẫu 02) must state the reason on the
# form; a withdrawal records the citizen's reason; a void says what the mistake was.
_NOTE_REQUIRED = frozenset({_S.REFUSED, _S.WITHDRAWN, _S.SUPPLEMENT_REQUESTED, _S.VOIDED})

_LABELS: dict[DossierStatus, Callable[[], str]] = {
    _S.RECEIVED: lambda: _("Đã tiếp nhận"),
    _S.PROCESSING: lambda: _("Đang xử lý"),
    _S.SUPPLEMENT_REQUESTED: lambda: _("Yêu cầu bổ sung"),
    _S.DONE: lambda: _("Đã có kết quả"),
    _S.RETURNED: lambda: _("Đã trả kết quả"),
    _S.REFUSED: lambda: _("Từ chối"),
    _S.WITHDRAWN: lambda: _("Rút hồ sơ"),
    _S.VOIDED: lambda: _("Hủy do nhập nhầm"),
}


class _TranslatedLabels(Mapping[DossierStatus, str]):
    """Translates at lookup time, so a language switch after import still applies."""

    def __getitem__(self, status: DossierStatus) -> str:
        try:
            key = DossierStatus(status)
        except ValueError:
            raise KeyError(status) from None
        return _LABELS[key]()

    def __iter__(self) -> Iterator[DossierStatus]:
        return iter(_LABELS)

    def __len__(self) -> int:
        return len(_LABELS)


STATUS_LABELS: Mapping[DossierStatus, str] = _TranslatedLabels()


class IllegalTransition(InvalidInput):
    code = "illegal_transition"


def _describe(status: DossierStatus) -> str:
    # Both forms: the label for the clerk, the code for whoever types it in the CLI.
    return f"{STATUS_LABELS[status]} ({status.value})"


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().casefold()


def parse_status(text: str | DossierStatus) -> DossierStatus:
    """A status from its English code (``processing``) or Vietnamese label (``Đang xử lý``)."""
    if isinstance(text, DossierStatus):
        return text
    folded = _fold(text) if isinstance(text, str) else ""
    for status in DossierStatus:
        if folded in (status.value, _fold(STATUS_LABELS[status])):
            return status
    raise InvalidInput(
        _("Trạng thái «{text}» không có; hãy dùng một trong: {valid}.").format(
            text=text, valid=", ".join(_describe(s) for s in DossierStatus)
        )
    )


def allowed_targets(current: DossierStatus | str) -> frozenset[DossierStatus]:
    return TRANSITIONS[parse_status(current)]


def check_transition(current: DossierStatus | str, target: DossierStatus | str) -> None:
    """Raise IllegalTransition unless a dossier in ``current`` may move to ``target``."""
    cur, tgt = parse_status(current), parse_status(target)
    allowed = TRANSITIONS[cur]
    if tgt in allowed:
        return
    if not allowed:
        raise IllegalTransition(
            _("Không thể chuyển hồ sơ từ «{current}» sang «{target}»: hồ sơ đã ở trạng thái "
              "cuối, không chuyển tiếp được nữa.")
            .format(current=_describe(cur), target=_describe(tgt))
        )
    ordered = [s for s in DossierStatus if s in allowed]
    raise IllegalTransition(
        _("Không thể chuyển hồ sơ từ «{current}» sang «{target}»; từ trạng thái này chỉ "
          "chuyển được sang: {allowed}.")
        .format(current=_describe(cur), target=_describe(tgt),
                allowed=", ".join(_describe(s) for s in ordered))
    )


def requires_note(target: DossierStatus | str) -> bool:
    """Whether moving to ``target`` needs a reason (Mẫu 02 / Mẫu 03, withdrawal)."""
    return parse_status(target) in _NOTE_REQUIRED


class DeadlineState(StrEnum):
    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"
    # refused or withdrawn: no result was due, so neither early nor late (the reports
    # leave these dossiers out of the on-time rate the same way)
    NOT_COUNTED = "not_counted"


_DEADLINE_LABELS: dict[DeadlineState, Callable[[], str]] = {
    DeadlineState.EARLY: lambda: _("Trước hạn"),
    DeadlineState.ON_TIME: lambda: _("Đúng hạn"),
    DeadlineState.LATE: lambda: _("Quá hạn"),
    DeadlineState.NOT_COUNTED: lambda: _("Không tính hạn"),
}


def deadline_label(state: DeadlineState | str) -> str:
    """The label of a deadline state, given as the enum or as its stored value."""
    return _DEADLINE_LABELS[DeadlineState(state)]()


def dossier_deadline_state(status: str, due_at: datetime, finished_at: datetime | None,
                           now: datetime) -> DeadlineState:
    """:func:`deadline_state` of a dossier in ``status``: refused, withdrawn and voided
    ones are not counted (a refusal answers within the time limit by law, a withdrawal
    ends the case at the citizen's wish, a voided record never was a dossier; none is a
    result delivered early or late)."""
    if status in (DossierStatus.REFUSED, DossierStatus.WITHDRAWN, DossierStatus.VOIDED):
        return DeadlineState.NOT_COUNTED
    return deadline_state(due_at, finished_at, now)


def deadline_state(
    due_at: datetime, finished_at: datetime | None, now: datetime
) -> DeadlineState:
    """Early / on time / late against the due moment; calendar days are Vietnam-local.

    A result ready on an earlier day than the due day counts as early (the reform index
    rewards it); on the due day up to the due moment, on time; after it, late.
    An unfinished dossier is late once ``now`` passes the due moment.
    """
    due = to_local(due_at, what=lambda: _("hẹn trả"))
    if finished_at is None:
        late = to_local(now, what=lambda: _("hiện tại")) > due
        return DeadlineState.LATE if late else DeadlineState.ON_TIME
    finished = to_local(finished_at, what=lambda: _("có kết quả"))
    if finished.date() < due.date():
        return DeadlineState.EARLY
    if finished <= due:
        return DeadlineState.ON_TIME
    return DeadlineState.LATE
