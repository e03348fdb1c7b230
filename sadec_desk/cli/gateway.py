"""``sadec-desk sync gateway-check``: the provincial IT person's test of the LGSP settings
(docs/sync.md "Kết nối LGSP / DVCQG"): log in, ask ``LayThuTuc`` for one procedure and
``TraCuuHoSo`` for one dossier code, print what came back. Nothing is sent or stored.

The command joins the ``sync`` group (cli/sync.py, registered before this module);
``sync gateway-login`` (the password) stays there."""

from __future__ import annotations

import argparse

from sadec_desk.cli.base import command, emit, group
from sadec_desk.i18n import _
from sadec_desk.sync import api


def cmd_gateway_check(args, ctx) -> None:
    result = api.gateway_check(ctx, args.procedure.strip(), (args.dossier or "").strip())

    def lines() -> list[str]:
        out = [_("Kiểu kết nối:      {v}").format(v=result.envelope)]
        if result.logged_in:
            out.append(_("Đăng nhập:         thành công (đã nhận session)"))
        out += result.notes
        if result.procedure_answer:
            out.append(_("LayThuTuc {code}: {answer}").format(code=result.procedure_code,
                                                              answer=result.procedure_answer))
            if result.procedure is None:
                out.append(_("  Cổng trục không có thủ tục này: hồ sơ sẽ dùng tên và mã lĩnh "
                             "vực trên máy (sync.gateway_field_codes)."))
            else:
                p = result.procedure
                out += [_("  TenTTHC:    {v}").format(v=p["name"] or "—"),
                        _("  MaLinhVuc:  {v}").format(v=p["field_code"] or "—"),
                        _("  TenLinhVuc: {v}").format(v=p["field_name"] or "—"),
                        _("  MaPhiLePhi: {v}").format(v=p["fee_code"] or "—")]
        if result.dossier_code and result.dossier_answer:
            found = {True: _("có trên cổng"), False: _("chưa có trên cổng"),
                     None: _("không tra cứu được")}[result.dossier_found]
            out.append(_("TraCuuHoSo {code}: {found} ({answer})").format(
                code=result.dossier_code, found=found, answer=result.dossier_answer))
        return out

    emit(args, result, lines)


def _sync_group(sub) -> argparse._SubParsersAction:
    """The subcommands of ``sadec-desk sync`` (cli/sync.py adds the group first)."""
    parser = sub.choices.get("sync")
    if parser is None:
        return group(sub, "sync", "synchronisation with the portal")
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def register(sub) -> None:
    p = command(_sync_group(sub), "gateway-check", cmd_gateway_check,
                help="test the provincial gateway settings: login, LayThuTuc, TraCuuHoSo")
    p.add_argument("--procedure", default="1.001193",
                   help="procedure code to ask LayThuTuc for (default 1.001193, khai sinh)")
    p.add_argument("--dossier", metavar="CODE", help="dossier code to ask TraCuuHoSo for")
