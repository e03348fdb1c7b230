"""``sadec-desk form ...``: the A5 forms of TT 01/2018/TT-VPCP (Mẫu 01–05) of a dossier,
and its declaration form (tờ khai): show, fill, print to PDF."""

from __future__ import annotations

from sadec_desk.cli.base import command, emit, export_lines, group
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _
from sadec_desk.services.documents import dossier_forms


def cmd_form_print(args, ctx) -> None:
    info = dossier_forms.print_form(ctx, args.reference, args.form, out=args.out)
    emit(args, info, lambda: export_lines(info))


def cmd_form_declaration(args, ctx) -> None:
    from sadec_desk.services.reception import eforms

    path = eforms.declaration_pdf(ctx, args.reference, out=args.out)
    emit(args, {"path": str(path), "personal_data": True},
         lambda: [_("Đã ghi tờ khai {path}").format(path=path),
                  _("Tệp có dữ liệu cá nhân: chỉ lưu ở nơi an toàn, không gửi ra ngoài.")])


def _filled_lines(filled) -> list[str]:
    out = [_("Hồ sơ {code}: {title} (biểu mẫu {form}, phiên bản {version})").format(
        code=filled.dossier_code, title=filled.form.title, form=filled.form.form_id,
        version=filled.form.version)]
    for section in filled.form.sections:
        out.append(section.title)
        out += [f"  {f.label}: {filled.values.get(f.name) or '—'}  [{f.name}]"
                for f in section.fields]
    return out


def cmd_form_show(args, ctx) -> None:
    from sadec_desk.services.reception import eforms

    filled = eforms.form_of(ctx, args.reference)
    if filled is None:
        from sadec_desk.services.reception.dossiers import get_dossier

        raise eforms.NoFilledForm(get_dossier(ctx, args.reference).code)
    emit(args, filled, lambda: _filled_lines(filled))


def cmd_form_fill(args, ctx) -> None:
    from sadec_desk.services.reception import eforms

    values = {}
    for item in args.values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(_("«{item}» không đúng dạng TÊN_Ô=GIÁ_TRỊ, ví dụ "
                                 "child_name=\"Trần Minh Khôi\".").format(item=item))
        values[name.strip()] = value
    filled = eforms.update_form(ctx, args.reference, values)
    emit(args, filled, lambda: [_("Đã lưu tờ khai của hồ sơ {code}.").format(
        code=filled.dossier_code), *_filled_lines(filled)[1:]])


def register(sub) -> None:
    g = group(sub, "form", "forms of TT 01/2018/TT-VPCP (A5) and declaration forms as PDF")
    p = command(g, "print", cmd_form_print, help="Mẫu 01-05 of a dossier to a PDF file")
    p.add_argument("reference", metavar="CODE")
    p.add_argument("--form", required=True, metavar="01..05")
    p.add_argument("--out", required=True, metavar="FILE.pdf")
    p = command(g, "declaration", cmd_form_declaration,
                help="the dossier's filled declaration form (tờ khai, A4/A5) to a PDF file")
    p.add_argument("reference", metavar="CODE")
    p.add_argument("--out", metavar="FILE.pdf",
                   help="default: <data dir>/forms/CODE.to-khai.du-lieu-ca-nhan.pdf")
    p = command(g, "show", cmd_form_show, help="the dossier's filled declaration form")
    p.add_argument("reference", metavar="CODE")
    p = command(g, "fill", cmd_form_fill,
                help="fill or correct fields of the dossier's declaration form")
    p.add_argument("reference", metavar="CODE")
    p.add_argument("values", nargs="+", metavar="FIELD=VALUE",
                   help="field names as 'form show' lists them")
