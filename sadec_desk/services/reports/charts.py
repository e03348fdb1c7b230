"""Charts of the leader's report, drawn to PNG with matplotlib (Agg: no display needed).

Vietnamese labels are drawn with the same font the slips use (printers/fonts.py), so
"Quá hạn" never turns into boxes.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from sadec_desk.config import data_dir

# matplotlib's font cache kept in the app's data folder (issue #19): its default, the home
# folder's .matplotlib, may be unwritable for a Windows service account, and a frozen
# build (PyInstaller sets a new temporary folder at each start) would rebuild the cache at
# every report. Set before matplotlib is imported: it reads the variable once.
if getattr(sys, "frozen", False) or not os.environ.get("MPLCONFIGDIR"):
    os.environ["MPLCONFIGDIR"] = str(data_dir() / "matplotlib")

import matplotlib  # noqa: E402

matplotlib.use("Agg")  # before pyplot: worker threads and servers have no display

from matplotlib import font_manager  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from sadec_desk.i18n import _  # noqa: E402
from sadec_desk.services.reports.figures import QueueReport, SummaryReport  # noqa: E402

DPI = 150
_COLOURS = {"early": "#2e7d32", "on_time": "#1565c0", "late": "#c62828"}


def _font(path: Path) -> font_manager.FontProperties:
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path))


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def _axis_top(values: Sequence[float]) -> float:
    """Top of a count axis: room above the tallest bar for its label, and at least 1, so an
    empty period reads 0 on an axis from 0 to 1 (matplotlib centres all-zero bars on 0 and
    draws a negative axis otherwise)."""
    return max(1.0, max(values, default=0) * 1.15)


def deadline_chart(report: SummaryReport, font_path: Path) -> bytes:
    """Bars: resolved early / on time / late, with the on-time rate in the title."""
    font = _font(font_path)
    d = report.deadline
    labels = [_("Trước hạn"), _("Đúng hạn"), _("Quá hạn")]
    values = [d.early, d.on_time, d.late]
    fig, ax = plt.subplots(figsize=(5.5, 3.0))
    bars = ax.bar(labels, values, color=[_COLOURS["early"], _COLOURS["on_time"],
                                         _COLOURS["late"]])
    ax.bar_label(bars, fontproperties=font)
    ax.set_ylim(0, _axis_top(values))
    rate = "—" if d.on_time_rate is None else f"{d.on_time_rate * 100:.1f} %".replace(".", ",")
    ax.set_title(_("Hồ sơ đã giải quyết: {n} — tỷ lệ đúng hạn {rate}").format(
        n=d.resolved, rate=rate), fontproperties=font)
    for label in ax.get_xticklabels():
        label.set_fontproperties(font)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def channel_chart(report: SummaryReport, font_path: Path, channel_labels: dict) -> bytes:
    """Horizontal bars: dossiers received per channel."""
    font = _font(font_path)
    labels = [channel_labels.get(c, c) for c, _n in report.by_channel]
    values = [n for _c, n in report.by_channel]
    fig, ax = plt.subplots(figsize=(5.5, 2.4))
    bars = ax.barh(labels, values, color="#455a64")
    ax.bar_label(bars, fontproperties=font, padding=2)
    ax.invert_yaxis()
    ax.set_xlim(0, _axis_top(values))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(_("Hồ sơ tiếp nhận theo kênh: {n}").format(n=report.received),
                 fontproperties=font)
    for label in ax.get_yticklabels():
        label.set_fontproperties(font)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def queue_chart(report: QueueReport, font_path: Path) -> bytes | None:
    """Median wait per weekday against the promise (no-wait days marked)."""
    if not report.weekdays:
        return None
    font = _font(font_path)
    labels = [w.label + (" *" if w.no_wait_day else "") for w in report.weekdays]
    values = [(w.stats.waiting.median_s or 0) / 60 for w in report.weekdays]
    fig, ax = plt.subplots(figsize=(5.5, 2.8))
    ax.bar(labels, values, color="#6a1b9a")
    ax.axhline(report.promise_minutes, color="#c62828", linestyle="--")
    ax.set_ylim(0, _axis_top([*values, report.promise_minutes]))
    ax.set_ylabel(_("phút"), fontproperties=font)
    ax.set_title(_("Thời gian chờ trung vị theo thứ (đường đỏ: thời gian đã hứa; * ngày "
                   "không chờ)"), fontproperties=font, fontsize=9)
    for label in ax.get_xticklabels():
        label.set_fontproperties(font)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)
