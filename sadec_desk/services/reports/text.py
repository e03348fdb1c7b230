"""How report figures read to a Vietnamese leader (shared by the CLI, PDF and XLSX)."""

from __future__ import annotations

from sadec_desk.i18n import _


def pct(share: float | None) -> str:
    """'87,5 %' (Vietnamese decimal comma); '—' when there is nothing to divide."""
    return "—" if share is None else f"{share * 100:.1f} %".replace(".", ",")


def minutes(seconds: float | None) -> str:
    return "—" if seconds is None else _("{m} phút").format(m=f"{seconds / 60:.1f}"
                                                            .replace(".", ","))


def period_text(period) -> str:
    return _("Kỳ báo cáo: {a} – {b}").format(a=period.date_from.strftime("%d/%m/%Y"),
                                             b=period.date_to.strftime("%d/%m/%Y"))
