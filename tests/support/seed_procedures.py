"""The seed catalogue's procedures as domain objects, and a default working calendar, for the
calendar and due-date tests."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import sadec_desk.db
from sadec_desk.domain.calendar import CalendarSettings, WorkingCalendar
from sadec_desk.domain.catalogue import procedures_from_data
from sadec_desk.domain.timezone import VN_TZ

SEED_DIR = Path(sadec_desk.db.__file__).parent / "seed"
PROCEDURES = {
    p.code: p
    for p in procedures_from_data(
        json.loads((SEED_DIR / "procedures.json").read_text(encoding="utf-8"))
    )
}
BIRTH = PROCEDURES["1.001193"]  # same day
MARRIAGE = PROCEDURES["1.000894"]  # same day, + 5 with verification
DEATH = PROCEDURES["1.000656"]  # same day, + 3 with verification
MARITAL_STATUS = PROCEDURES["1.004873"]  # 3 days, same-day eligible
PARENTAGE = PROCEDURES["1.001022"]  # 3 + 5, not eligible
CORRECTION = PROCEDURES["1.004859"]  # 3 + 3

CAL = WorkingCalendar(CalendarSettings())


def vn(*args) -> datetime:
    return datetime(*args, tzinfo=VN_TZ)
