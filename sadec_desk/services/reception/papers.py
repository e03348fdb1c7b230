"""The clerk's side of a dossier's scanned papers (issue #8): what the counter's detail
pane shows and the pages a clerk adds when a citizen brings a supplement.

A kiosk dossier arrives with channel ``kiosk``, its pages and its filled declaration
form (services/kiosk_submission.py); it waits in status ``received`` until a clerk
accepts it (→ ``processing``) or asks for a supplement (Mẫu 02, TT 01/2018/TT-VPCP
Art. 9). The pages themselves live in :mod:`sadec_desk.services.pages.store`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sadec_desk.db.database import translated_errors
from sadec_desk.db.models import Dossier
from sadec_desk.errors import InvalidInput
from sadec_desk.files import read_bounded
from sadec_desk.i18n import _
from sadec_desk.services.access import COUNTER_ROLES, READ_ROLES, require_role
from sadec_desk.services.display import channel_label
from sadec_desk.services.pages import dossier_pages, store
from sadec_desk.services.reception import dossiers, eforms
from sadec_desk.services.records import DossierInfo

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

#: the largest image file a clerk may add (a phone photo is 2-8 MB)
MAX_FILE_BYTES = 40 * 1024 * 1024
KIOSK_LIST_LIMIT = 200
#: channels whose dossiers arrive as scans, without paper originals at the desk
SCANNED_CHANNELS = ("kiosk", "online")


@dataclass(frozen=True)
class PaperLine:
    index: int  # in the procedure's paper list (DossierPage.paper_index)
    name: str
    required: bool  # as scanned pages: a required paper of a dossier sent without papers
    pages: int
    e_form: bool = False  # the filled declaration form stands for this paper

    @property
    def missing(self) -> bool:
        """A required paper with no page (and no e-form for it): the clerk checks it
        before accepting."""
        return self.required and self.pages == 0 and not self.e_form

    @property
    def text(self) -> str:
        """"Giấy chứng sinh: 2 trang", or the paper marked as missing."""
        if self.missing:
            return _("{name}: chưa có trang nào (bắt buộc)").format(name=self.name)
        if self.e_form and not self.pages:
            return _("{name}: tờ khai điện tử (in ra để người nộp ký)").format(name=self.name)
        if self.e_form:
            return _("{name}: tờ khai điện tử và {n} trang").format(name=self.name,
                                                                   n=self.pages)
        return _("{name}: {n} trang").format(name=self.name, n=self.pages)


@dataclass(frozen=True)
class DossierPapers:
    code: str
    channel: str
    channel_label: str
    papers: tuple[PaperLine, ...]
    total_pages: int
    has_form: bool  # a filled declaration form (tờ khai) is stored: "In tờ khai" works
    scans_expected: bool  # sent at the kiosk or online: the scans are the papers
    form_available: bool = False  # the procedure has an e-form: the counter may fill it

    @property
    def missing(self) -> tuple[PaperLine, ...]:
        return tuple(p for p in self.papers if p.missing)


def papers_summary(ctx: AppContext, reference: str) -> DossierPapers:
    """The dossier's papers with their page counts, and whether it has a filled form."""
    require_role(ctx, *READ_ROLES)
    info = dossiers.get_dossier(ctx, reference)
    filled = eforms.form_of(ctx, info.code)
    form_paper = filled.form.paper_index if filled is not None else None
    # at the counter (and by post) the clerk holds the paper originals; a dossier sent
    # from the kiosk or online has only its scans, so a required paper needs pages
    scans_expected = info.channel in SCANNED_CHANNELS
    lines = tuple(PaperLine(p.index, p.name, p.required and scans_expected, len(p.pages),
                            e_form=p.index == form_paper)
                  for p in dossier_pages.papers_of(ctx, info.code))
    return DossierPapers(code=info.code, channel=info.channel,
                         channel_label=channel_label(info.channel), papers=lines,
                         total_pages=sum(p.pages for p in lines), has_form=filled is not None,
                         scans_expected=scans_expected,
                         form_available=filled is not None or eforms.form_for(
                             ctx, info.procedure_code) is not None)


def kiosk_waiting(ctx: AppContext, *, limit: int = KIOSK_LIST_LIMIT) -> list[DossierInfo]:
    """Dossiers submitted at the kiosk that no clerk has taken up yet (still
    ``received``), oldest first: the first one is the one waiting longest."""
    require_role(ctx, *COUNTER_ROLES)
    with translated_errors():
        codes = [d.code for d in Dossier.select(Dossier.code)
                 .where(Dossier.channel == "kiosk", Dossier.status == "received")
                 .order_by(Dossier.received_at, Dossier.id).limit(limit)]
    return [dossiers.get_dossier(ctx, code) for code in codes]


def kiosk_waiting_count(ctx: AppContext) -> int:
    """How many kiosk dossiers wait for a clerk (the counter shows it on its button)."""
    require_role(ctx, *COUNTER_ROLES)
    with translated_errors():
        return (Dossier.select()
                .where(Dossier.channel == "kiosk", Dossier.status == "received").count())


def _paper(ctx: AppContext, reference: str, paper_index: int) -> dossier_pages.PaperPages:
    papers = dossier_pages.papers_of(ctx, reference)
    paper = next((p for p in papers if p.index == paper_index), None)
    if paper is None:
        raise InvalidInput(_("Hồ sơ không có giấy tờ số {n}; chọn lại giấy tờ cần thêm "
                             "trang.").format(n=paper_index + 1))
    return paper


def add_file_pages(ctx: AppContext, reference: str, paper_index: int,
                   paths: list[str] | tuple[str, ...]) -> list[store.PageInfo]:
    """Add image files (photos or scans a citizen brought) as the next pages of a paper
    of the dossier; each page writes the dossier's ``dossier.pages`` outbox row."""
    require_role(ctx, *COUNTER_ROLES)
    paper = _paper(ctx, reference, paper_index)
    added = []
    for name in paths:
        path = Path(name)
        data = read_bounded(path, MAX_FILE_BYTES)  # stat first, never more than the limit
        added.append(dossier_pages.add_page(ctx, data, paper_index=paper.index,
                                            paper_name=paper.name, source="file",
                                            dossier=reference))
    return added


def add_scanned_page(ctx: AppContext, reference: str, paper_index: int,
                     device: str | None = None) -> store.PageInfo:
    """Scan one page on the office scanner and add it to a paper of the dossier."""
    require_role(ctx, *COUNTER_ROLES)
    from sadec_desk.adapters import scanner

    paper = _paper(ctx, reference, paper_index)
    image = scanner.scan_page(ctx, device)
    return dossier_pages.add_page(ctx, image, paper_index=paper.index, paper_name=paper.name,
                                  source="scanner", dossier=reference)
