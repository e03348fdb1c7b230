"""Tables of what a citizen submits besides the dossier row: scanned pages and the e-form.

Pages are content-addressed: the image file lives in the data dir under the SHA-256 of
its bytes (:class:`PageBlob`), and each use of it by a dossier's paper, or by an
unfinished kiosk submission (``draft``), is a :class:`DossierPage`. Two dossiers that
hand in the same page share one file; a file goes only when no row uses it.
"""

from __future__ import annotations

from peewee import CharField, ForeignKeyField, IntegerField, TextField

from sadec_desk.db.models import BaseModel, Dossier, UtcDateTimeField


class PageBlob(BaseModel):
    sha256 = CharField(max_length=64, unique=True)
    media_type = CharField()  # image/jpeg | image/png
    size = IntegerField()  # bytes of the stored file
    width = IntegerField()
    height = IntegerField()
    created_at = UtcDateTimeField()
    # when the portal confirmed it holds the whole file: never uploaded again
    uploaded_at = UtcDateTimeField(null=True)


class DossierPage(BaseModel):
    """One page of one paper of a dossier, or of an unfinished kiosk submission."""

    dossier = ForeignKeyField(Dossier, backref="scanned_pages", null=True)
    dossier_id: ForeignKeyField[int | None]  # the raw ids (see BaseModel)
    draft = CharField(null=True, index=True)  # kiosk submission id until it is submitted
    paper_index = IntegerField()  # position of the paper in the procedure's paper list
    paper_name = CharField()
    position = IntegerField()  # page number within the paper, from 1
    blob = ForeignKeyField(PageBlob, backref="uses")
    blob_id: ForeignKeyField[int]
    source = CharField(default="file")  # scanner | camera | file
    added_at = UtcDateTimeField()
    added_by = CharField(default="")

    class Meta:
        indexes = ((("dossier", "paper_index", "position"), False),)


class DossierForm(BaseModel):
    """The filled declaration form (tờ khai) of a dossier, as entered at the kiosk."""

    dossier = ForeignKeyField(Dossier, backref="forms", unique=True)
    dossier_id: ForeignKeyField[int]  # the raw id (see BaseModel)
    form_id = CharField()  # e.g. "tt04-2020/khai-sinh"
    form_version = CharField()
    values = TextField()  # JSON object: field name -> text
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()


class DossierResult(BaseModel):
    """A result document of a dossier (e.g. the signed "Trích lục khai sinh"), attached by
    the office as a scanned image or a PDF once it is being processed or is done; its file
    is a :class:`PageBlob` like a page's (media type image/jpeg, image/png or
    application/pdf; a PDF's width and height are 0). Sent to the portal in the
    ``dossier.pages`` operation's ``results`` and to the provincial gateway in
    ``DanhSachGiayToKetQua`` (issue #15)."""

    dossier = ForeignKeyField(Dossier, backref="results")
    dossier_id: ForeignKeyField[int]  # the raw id (see BaseModel)
    blob = ForeignKeyField(PageBlob, backref="results")
    blob_id: ForeignKeyField[int]
    name = CharField()  # TenGiayTo, e.g. "Trích lục khai sinh"
    result_code = CharField(default="")  # MaGiayToKetQua when the catalogue knows it
    added_at = UtcDateTimeField()
    added_by = CharField(default="")


ATTACHMENT_MODELS = (PageBlob, DossierPage, DossierForm, DossierResult)
