"""``sadec-desk audit ...`` (the tamper-evident trail), and later ``report``, ``form``
and ``backup`` (issue #7)."""

from __future__ import annotations

import sys

from sadec_desk.cli import command, emit, group
from sadec_desk.i18n import _
from sadec_desk.services import audit

#: exit code of a check that found problems (as fsck/diff do: the command itself worked)
EXIT_PROBLEMS = 1


def cmd_audit_verify(args, ctx) -> None:
    report = audit.verify_chain(ctx)

    def lines():
        if report.ok:
            out = [_("Nhật ký hồ sơ nguyên vẹn: {n} sự kiện, chuỗi băm khớp từ đầu đến sự kiện "
                     "số {seq}.").format(n=report.events_checked, seq=report.head_seq)]
        else:
            out = [_("PHÁT HIỆN {n} vấn đề trong nhật ký hồ sơ ({m} sự kiện đã kiểm tra):")
                   .format(n=len(report.problems), m=report.events_checked)]
            out += [f"  - {p.message}" for p in report.problems]
        out.append(_("Mã băm cuối: {h}").format(h=report.head_hash))
        if report.anchors_checked:
            out.append(_("Đã đối chiếu {n} mốc kiểm tra ghi khi sao lưu.").format(
                n=report.anchors_checked))
        return out

    emit(args, report, lines)
    if not report.ok:
        sys.exit(EXIT_PROBLEMS)


def register(sub) -> None:
    g = group(sub, "audit", "tamper-evident trail of dossier events")
    command(g, "verify", cmd_audit_verify,
            help="check the hash chain of dossier events; exit 1 and name every problem")
