"""``sadec-desk pages ...`` and ``sadec-desk scanner ...``: a dossier's scanned papers.

- ``pages list REF``: the procedure's papers with their stored pages, and the result
  documents (``--json``: ``{"papers": [...], "results": [...]}``);
- ``pages add REF --paper N FILE...``: add image files as pages of paper N (from 1,
  as ``pages list`` numbers them);
- ``pages add-result REF FILE [--name TEXT]``: attach the result document (issue #15);
- ``pages remove-result REF ID [--reason TEXT]``: take out a result attached by mistake
  (ID as ``pages list`` shows it), until the dossier is returned;
- ``pages pdf REF --out F.pdf`` and ``pages print REF`` (the office printer);
- ``pages purge --hours H``: remove kiosk submissions abandoned by a crash;
- ``scanner list`` and ``scanner scan --out F.png [--device D]``.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sadec_desk.adapters import scanner
from sadec_desk.cli.base import command, emit, group
from sadec_desk.errors import InvalidInput
from sadec_desk.files import INPUT_FILE_LIMIT, read_bounded
from sadec_desk.i18n import _
from sadec_desk.services.display import size_text
from sadec_desk.services.pages import dossier_pages, results


def cmd_pages_list(args, ctx) -> None:
    papers = dossier_pages.papers_of(ctx, args.reference)
    attached = results.dossier_results(ctx, args.reference)

    def lines():
        out = []
        for paper in papers:
            count = _("{n} trang").format(n=len(paper.pages)) if paper.pages else _("chưa có")
            out.append(f"{paper.index + 1}. {paper.name}  [{count}]")
            for page in paper.pages:
                out.append("    " + _("trang {n}: {w}×{h}, {size}, {media}, {source}, "
                                      "sha256 {sha}").format(
                    n=page.position, w=page.width, h=page.height, size=size_text(page.size),
                    media=page.media_type, source=page.source, sha=page.sha256[:12]))
        if attached:
            out.append(_("Kết quả đã đính kèm:"))
            out += ["    " + _("số {id}. {name}: {size}, {media}, sha256 {sha}").format(
                id=r.id, name=r.name, size=size_text(r.size), media=r.media_type, sha=r.sha256[:12])
                for r in attached]
        return out

    emit(args, {"papers": papers, "results": attached}, lines)


def _read(path: str) -> bytes:
    return read_bounded(path, INPUT_FILE_LIMIT)  # a FIFO, a device, 3 GB: a sentence


def cmd_pages_add(args, ctx) -> None:
    papers = dossier_pages.papers_of(ctx, args.reference)
    chosen = next((p for p in papers if p.index == args.paper - 1), None)
    if chosen is None:
        raise InvalidInput(_("Hồ sơ này không có giấy tờ số {n}; chọn từ 1 đến {last} "
                             "(xem 'sadec-desk pages list').").format(n=args.paper,
                                                                     last=len(papers)))
    added = []
    for path in args.files:  # each page is its own transaction: earlier files stay added
        try:
            added.append(dossier_pages.add_page(ctx, _read(path), paper_index=chosen.index,
                                                paper_name=chosen.name, source="file",
                                                dossier=args.reference))
        except InvalidInput as exc:
            raise InvalidInput(_("{path}: {error}").format(path=path, error=exc),
                               code=exc.code) from None
    emit(args, added, lambda: [
        _("Đã thêm trang {n} của «{paper}» ({size}).").format(
            n=p.position, paper=p.paper_name, size=size_text(p.size)) for p in added])


def cmd_pages_add_result(args, ctx) -> None:
    try:
        info = results.add_result(ctx, args.reference, _read(args.file), name=args.name)
    except InvalidInput as exc:
        raise InvalidInput(_("{path}: {error}").format(path=args.file, error=exc),
                           code=exc.code) from None
    emit(args, info, lambda: [_("Đã đính kèm kết quả «{name}» ({size}).").format(
        name=info.name, size=size_text(info.size))])


def cmd_pages_remove_result(args, ctx) -> None:
    gone = results.remove_result(ctx, args.reference, args.result_id, reason=args.reason or "")
    emit(args, gone, lambda: [_("Đã bỏ kết quả «{name}» khỏi hồ sơ; thay đổi sẽ được gửi lên "
                                "cổng ở lần đồng bộ tới.").format(name=gone.name)])


def cmd_pages_pdf(args, ctx) -> None:
    path = dossier_pages.pages_pdf(ctx, args.reference, out=args.out)
    emit(args, {"path": str(path)}, lambda: [_("Đã lưu {path}").format(path=path)])


def cmd_pages_print(args, ctx) -> None:
    result = dossier_pages.print_pages(ctx, args.reference)
    emit(args, result, lambda: [result.message])


def cmd_pages_purge(args, ctx) -> None:
    removed = dossier_pages.purge_stale_drafts(ctx, timedelta(hours=args.hours))
    emit(args, {"removed_pages": removed}, lambda: [
        _("Đã xoá {n} trang của các lượt nộp dở dang.").format(n=removed)])


def cmd_scanner_list(args, ctx) -> None:
    found = scanner.list_scanners(ctx)
    emit(args, found, lambda: [f"{s.device}  {s.label}  ({s.kind})" for s in found]
         or [_("Không tìm thấy máy quét nào.")])


def cmd_scanner_scan(args, ctx) -> None:
    data = scanner.as_png(scanner.scan_page(ctx, args.device))  # the scanner gives PNM/BMP
    try:
        Path(args.out).write_bytes(data)
    except OSError as exc:
        raise InvalidInput(_("Không ghi được tệp {path} ({error}).").format(
            path=args.out, error=exc.strerror or exc)) from None
    emit(args, {"path": args.out, "bytes": len(data)},
         lambda: [_("Đã quét và lưu {path} ({size}).").format(path=args.out,
                                                            size=size_text(len(data)))])


def register(sub) -> None:
    g = group(sub, "pages", "scanned pages of a dossier's papers")
    p = command(g, "list", cmd_pages_list, help="the procedure's papers and their pages")
    p.add_argument("reference", metavar="CODE_OR_UUID")
    p = command(g, "add", cmd_pages_add, help="add image files as pages of one paper")
    p.add_argument("reference", metavar="CODE_OR_UUID")
    p.add_argument("--paper", type=int, required=True, metavar="N",
                   help="paper number as 'pages list' shows it (from 1)")
    p.add_argument("files", nargs="+", metavar="FILE", help="PNG/JPEG/PNM/TIFF image")
    p = command(g, "add-result", cmd_pages_add_result,
                help="attach the signed result (image or PDF) to a dossier being processed "
                     "or done")
    p.add_argument("reference", metavar="CODE_OR_UUID")
    p.add_argument("file", metavar="FILE", help="PDF or PNG/JPEG/TIFF scan of the result")
    p.add_argument("--name", help="document name (default: the catalogue's result name, "
                                  "else 'Kết quả giải quyết')")
    p = command(g, "remove-result", cmd_pages_remove_result,
                help="take out a result document attached by mistake (until the dossier "
                     "is returned)")
    p.add_argument("reference", metavar="CODE_OR_UUID")
    p.add_argument("result_id", type=int, metavar="ID",
                   help="the result's number as 'pages list' shows it ('số N')")
    p.add_argument("--reason", help="why it is removed (kept in the dossier's history)")
    p = command(g, "pdf", cmd_pages_pdf, help="A4 PDF of the pages")
    p.add_argument("reference", metavar="CODE_OR_UUID")
    p.add_argument("--out", help="PDF file (default: the data dir's forms folder)")
    p = command(g, "print", cmd_pages_print,
                help="print the pages on printing.office_printer (else save the PDF)")
    p.add_argument("reference", metavar="CODE_OR_UUID")
    p = command(g, "purge", cmd_pages_purge,
                help="remove kiosk submissions left unfinished (crash, power cut)")
    p.add_argument("--hours", type=float, default=1.0,
                   help="only those untouched for this long (default 1)")

    g = group(sub, "scanner", "document scanners (SANE on Linux, WIA on Windows)")
    command(g, "list", cmd_scanner_list, help="scanners this machine sees")
    p = command(g, "scan", cmd_scanner_scan, help="scan one page into an image file")
    p.add_argument("--out", required=True, help="PNG file to write")
    p.add_argument("--device", help="device name (default: scanning.device or the first)")
