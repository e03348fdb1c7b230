"""``sadec-desk init``, ``demo``, ``catalog ...`` and ``config ...``: the office's
database, the procedure catalogue and the settings."""

from __future__ import annotations

import json

from sadec_desk.cli.base import command, emit, group
from sadec_desk.config import SETTINGS, data_dir, load_config, parse_value, save_setting
from sadec_desk.i18n import _
from sadec_desk.services import catalogue
from sadec_desk.services.admin import office
from sadec_desk.services.context import AppContext


def cmd_init(args, ctx: AppContext) -> None:
    info = office.init_office(ctx, agency_code=args.agency_code, office_name=args.office_name)
    emit(args, info, lambda: [
        _("Đã sẵn sàng cơ sở dữ liệu của {name} (mã cơ quan {code}).").format(
            name=info.name, code=info.agency_code),
        _("Dữ liệu: {db}").format(db=info.database),
        _("Cấu hình: {path}").format(path=ctx.config.path),
    ])


def cmd_demo(args, ctx: AppContext) -> None:
    from sadec_desk.cli.demo import run_demo

    run_demo(ctx)


def cmd_catalog_list(args, ctx: AppContext) -> None:
    procedures = catalogue.list_procedures(ctx)

    def lines():
        out = []
        for p in procedures:
            limit = (_("trong ngày") if p.time_limit_days == 0
                     else _("{n} ngày làm việc").format(n=p.time_limit_days))
            if p.verification_extra_days:
                limit += _(" (+{n} nếu phải xác minh)").format(n=p.verification_extra_days)
            out.append(f"{p.code}  {p.name}  [{limit}; {p.fee_text}]")
        return out

    emit(args, procedures, lines)


def cmd_config_show(args, ctx: AppContext | None) -> None:
    import re

    def masked(value):
        """A password inside a URL (``postgresql://user:secret@host/db``) shown as ***:
        the output lands in terminals, tickets and screenshots (#14 item 9)."""
        if isinstance(value, str):
            return re.sub(r"(?<=://)([^/@:\s]*):[^/\s]*@", r"\1:***@", value)
        if isinstance(value, list):
            return [masked(v) for v in value]
        if isinstance(value, dict):
            return {k: masked(v) for k, v in value.items()}
        return value

    config = load_config()
    rows = [{"name": s.name, "value": masked(config[s.name]), "default": masked(s.default),
             "help": s.help} for s in SETTINGS]
    value = {"path": str(config.path), "data_dir": str(data_dir()), "settings": rows,
             "warnings": list(config.warnings)}

    def lines():
        out = [_("Tệp cấu hình: {p}").format(p=config.path),
               _("Thư mục dữ liệu: {p}").format(p=data_dir()), ""]
        for row in rows:
            changed = "" if row["value"] == row["default"] else "  *"
            out.append(f"{row['name']} = {json.dumps(row['value'], ensure_ascii=False)}{changed}")
            out.append(f"    {row['help']}")
        return out

    emit(args, value, lines)


def cmd_config_set(args, ctx: AppContext | None) -> None:
    value = parse_value(args.name, args.value)
    path = save_setting(args.name, value)
    emit(args, {"name": args.name, "value": value, "path": str(path)},
         lambda: [_("Đã lưu {name} = {value} vào {path}").format(
             name=args.name, value=json.dumps(value, ensure_ascii=False), path=path)])


def register(sub) -> None:
    p = command(sub, "init", cmd_init, help="create or open the office database")
    p.add_argument("--agency-code", help="agency identifier (QCVN 102:2016), e.g. 000.00.14.H20")
    p.add_argument("--office-name", help="office name printed on slips")

    command(sub, "demo", cmd_demo, help="interactive demo of the counter (text mode)")

    g = group(sub, "catalog", "procedure catalogue")
    command(g, "list", cmd_catalog_list, help="list procedures")

    g = group(sub, "config", "settings")
    command(g, "show", cmd_config_show, needs_db=False, help="show every setting")
    p = command(g, "set", cmd_config_set, needs_db=False, help="change a setting")
    p.add_argument("name")
    p.add_argument("value", help="TOML value, e.g. 15:00, [3], 'text'")
