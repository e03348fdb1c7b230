"""The kiosk's files come only from a USB stick (issue #17 item 4), blank pages are
refused, and devices fail with sentences for citizens (their detail in the log)."""

from __future__ import annotations

import hashlib
import io
import logging
import subprocess

import pytest
from PIL import Image, ImageDraw
from usbsticks import usb_stick

from sadec_desk.adapters import removable_media
from sadec_desk.errors import InvalidInput
from sadec_desk.services.kiosk import guide, page_checks, submission, usb_files

BIRTH = "1.001193"


def page_png(seed: int = 0, size=(600, 850)) -> bytes:
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    for i in range(12):
        y = 120 + i * 50
        draw.rectangle((40, y, 40 + 300 + (i * 37 + seed * 53) % 220, y + 12), fill=30)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def flat_png(level: int, noise: int = 0) -> bytes:
    """A page of one grey ``level``, with +-``noise`` of sensor-like speckle."""
    import numpy as np

    rng = np.random.default_rng(7)
    pixels = np.full((850, 600), level, dtype=np.int16)
    if noise:
        pixels += rng.integers(-noise, noise + 1, size=pixels.shape, dtype=np.int16)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype("uint8"), "L")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def stick(tmp_path, monkeypatch):
    return usb_stick(tmp_path, monkeypatch)


def test_the_list_holds_only_the_sticks_images_and_pdfs(ctx, stick, tmp_path):
    (stick / "DCIM" / "100PHOTO").mkdir(parents=True)
    (stick / "DCIM" / "100PHOTO" / "giay-chung-sinh.JPG").write_bytes(b"x" * 2000)
    (stick / "ban-sao.pdf").write_bytes(b"%PDF-1.4")
    (stick / "virus.exe").write_bytes(b"MZ")
    (stick / ".hidden.png").write_bytes(b"x")
    # a link on the stick to the PC's own folder (the print previews) is not followed
    secret = tmp_path / "previews"
    secret.mkdir()
    (secret / "bien-nhan-cua-nguoi-khac.png").write_bytes(page_png())
    (stick / "link").symlink_to(secret)
    (stick / "link.png").symlink_to(secret / "bien-nhan-cua-nguoi-khac.png")
    names = [(f.name, f.is_pdf) for f in usb_files.list_usb_files(ctx)]
    assert names == [("ban-sao.pdf", True), ("DCIM/100PHOTO/giay-chung-sinh.JPG", False)]


def test_a_file_not_on_a_stick_is_refused_without_its_path(ctx, stick, tmp_path, caplog):
    draft = submission.start(ctx)
    outside = tmp_path / "page.png"
    outside.write_bytes(page_png())
    with caplog.at_level(logging.WARNING):
        with pytest.raises(InvalidInput, match="Không còn thấy tệp «page.png» trên USB") as exc:
            submission.file_page(ctx, draft, BIRTH, 1, str(outside))
    assert str(tmp_path) not in str(exc.value)
    assert str(outside) in caplog.text  # the detail is for the IT officer
    # nor through "..", nor through a link on the stick
    with pytest.raises(InvalidInput):
        submission.file_page(ctx, draft, BIRTH, 1, str(stick / ".." / ".." / "page.png"))
    (stick / "link.png").symlink_to(outside)
    with pytest.raises(InvalidInput):
        submission.file_page(ctx, draft, BIRTH, 1, str(stick / "link.png"))
    assert submission.pages(ctx, draft) == []


def test_a_stick_file_becomes_a_page_and_a_broken_one_a_sentence(ctx, stick):
    draft = submission.start(ctx)
    (stick / "note.png").write_text("not a picture")
    with pytest.raises(InvalidInput, match="không phải ảnh"):
        submission.file_page(ctx, draft, BIRTH, 1, str(stick / "note.png"))
    (stick / "page.png").write_bytes(page_png())
    (page,) = submission.file_page(ctx, draft, BIRTH, 1, str(stick / "page.png"))
    assert (page.source, page.paper_index, page.position) == ("file", 1, 1)


def test_a_pdf_gives_its_pages(ctx, stick):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    sheet = canvas.Canvas(out, pagesize=A4)
    for n in range(3):
        for line in range(20):
            sheet.drawString(60, 760 - line * 30, f"Trang {n + 1} dong {line} ban sao giay to")
        sheet.showPage()
    sheet.save()
    (stick / "ban-sao.pdf").write_bytes(out.getvalue())
    draft = submission.start(ctx)
    pages = submission.file_page(ctx, draft, BIRTH, 1, str(stick / "ban-sao.pdf"))
    assert [p.position for p in pages] == [1, 2, 3]
    (stick / "hong.pdf").write_bytes(b"%PDF-1.4 broken")
    with pytest.raises(InvalidInput, match="«hong.pdf»"):
        submission.file_page(ctx, draft, BIRTH, 1, str(stick / "hong.pdf"))


def test_with_files_off_nothing_is_listed_or_read(ctx, stick, monkeypatch):
    (stick / "page.png").write_bytes(page_png())
    monkeypatch.setitem(ctx.config.values, "kiosk.allow_files", False)
    assert usb_files.files_allowed(ctx) is False
    with pytest.raises(InvalidInput, match="không nhận tệp"):
        usb_files.list_usb_files(ctx)
    with pytest.raises(InvalidInput, match="không nhận tệp"):
        submission.file_page(ctx, submission.start(ctx), BIRTH, 1, str(stick / "page.png"))


def test_windows_lists_only_removable_drive_letters(monkeypatch):
    """GetDriveTypeW stood in for (the only mocked part): E: and G: are sticks, F: a CD
    drive with nothing in it, the rest fixed or absent."""
    seen = []

    def drive_type(root: str) -> int:
        seen.append(root)
        return removable_media.DRIVE_REMOVABLE if root in ("E:\\", "F:\\", "G:\\") else 3

    present = {"E:\\", "G:\\", "H:\\"}
    monkeypatch.setattr(removable_media.os.path, "isdir", lambda root: root in present)
    roots = removable_media.mounted_sticks(platform="win32", drive_type=drive_type)
    assert [str(r) for r in roots] == [str(removable_media.Path("E:\\")),
                                       str(removable_media.Path("G:\\"))]
    assert "C:\\" not in seen and "A:\\" not in seen


def test_no_stick_gives_an_empty_list(ctx, tmp_path, monkeypatch):
    monkeypatch.setattr(removable_media, "MOUNT_BASES", (tmp_path / "nothing",))
    assert usb_files.list_usb_files(ctx) == []


@pytest.mark.parametrize("image,said", [
    (flat_png(0), "toàn màu đen"), (flat_png(255), "gần như trống"),
    (flat_png(128, noise=12), "gần như trống"), (flat_png(245, noise=20), "gần như trống"),
])
def test_blank_and_near_uniform_pages_are_refused(ctx, image, said):
    draft = submission.start(ctx)
    with pytest.raises(InvalidInput, match=said) as exc:
        submission.add_page(ctx, draft, BIRTH, 1, image, "scanner")
    assert "úp xuống" in str(exc.value)
    assert submission.pages(ctx, draft) == []


def test_a_page_with_a_little_text_is_not_blank():
    image = Image.new("L", (1240, 1754), 250)
    ImageDraw.Draw(image).rectangle((100, 100, 700, 130), fill=20)  # one line of text
    out = io.BytesIO()
    image.save(out, format="PNG")
    share, _mean = page_checks.page_content(out.getvalue())
    assert share >= page_checks.MIN_INK_SHARE
    page_checks.refuse_blank(out.getvalue(), "file")  # no exception


@pytest.mark.parametrize("decoded", [False, True])
def test_one_line_of_text_on_a_300_dpi_page_is_not_blank(decoded):
    # the kiosk checks the copy normalise_page decides on (700 px long), a file is checked
    # at 800 px: one line of text still counts on both, with the same share within 10 %
    from pagesamples import encode, text_page

    from sadec_desk.adapters import imaging

    data = encode(text_page(2480, 3508, lines=1))
    share, mean = page_checks.page_content(imaging.decode_page(data) if decoded else data)
    assert share >= 1.5 * page_checks.MIN_INK_SHARE and mean > 200
    file_share, _mean = page_checks.page_content(data)
    assert abs(share - file_share) <= 0.1 * file_share


def test_a_kiosk_page_is_decoded_once_for_the_check_and_the_stored_page(ctx, monkeypatch):
    from sadec_desk.adapters import imaging

    opened = []
    real_open = imaging.open_image

    def counting_open(data, **kwargs):
        opened.append(len(data))
        return real_open(data, **kwargs)

    monkeypatch.setattr(imaging, "open_image", counting_open)
    image = page_png(3)
    draft = submission.start(ctx)
    info = submission.add_page(ctx, draft, BIRTH, 1, image, "file")
    assert opened == [len(image)]  # the blank check and the normalising share one decode
    expected = imaging.normalise_page(image, max_long_side=ctx.config[
        "attachments.max_long_side"], max_bytes=ctx.config["attachments.max_page_bytes"])
    [page] = submission.pages(ctx, draft)
    assert page.id == info.id and page.sha256 == hashlib.sha256(expected.data).hexdigest()


def test_device_failures_are_sentences_without_names_or_settings(ctx, monkeypatch, caplog):
    monkeypatch.setitem(ctx.config.values, "scanning.device", "nosuch:0")
    monkeypatch.setattr(subprocess, "run", _failing_scanimage)
    draft = submission.start(ctx)
    with caplog.at_level(logging.WARNING):
        with pytest.raises(InvalidInput) as exc:
            submission.scan_page(ctx, draft, BIRTH, 1)
    assert str(exc.value).startswith("Máy quét chưa sẵn sàng")
    assert "nosuch" not in str(exc.value) and "scanning" not in str(exc.value)

    class NoCamera:
        def read(self):
            return None

        def close(self):
            pass

    with pytest.raises(InvalidInput) as exc:
        submission.camera_page(ctx, draft, BIRTH, 1, source=NoCamera())
    assert str(exc.value).startswith("Máy ảnh chưa sẵn sàng")


def _failing_scanimage(command, **_kw):
    return subprocess.CompletedProcess(command, 1, b"", b"scanimage: open of device nosuch:0 "
                                       b"failed: Invalid argument")


def test_the_kiosk_speaks_of_fees_and_queues_as_citizens_do(ctx):
    assert guide.waiting_text(0) == "Bạn là người tiếp theo; mời bạn chờ gọi số."
    assert guide.waiting_text(3) == "Có 3 người đang chờ trước bạn."
    names = [p.name for p in guide.list_procedures(ctx)]
    assert names == sorted(names, key=lambda n: guide_sort(n))
    cap = [n for n in names if n.startswith("Cấp")]
    chung = [n for n in names if n.startswith("Chứng")]
    assert cap and chung and names.index(cap[-1]) < names.index(chung[0])
    assert guide.matches("Chứng thực bản sao từ bản chính", "chung thuc")
    assert not guide.matches("Đăng ký khai sinh", "ket hon")
    shown = [submission.procedure(ctx, p.code).fee_text for p in submission.list_procedures(ctx)]
    assert all("chưa cấu hình" not in text and "Miễn phí" not in text for text in shown)
    assert guide.office_title(ctx) == ""  # the default name names the missing setting


def guide_sort(name: str):
    from sadec_desk.domain.vn_collation import vietnamese_sort_key

    return vietnamese_sort_key(name)


def test_the_kiosk_receipt_lists_scans_not_originals(ctx):
    """Mẫu 01 of a kiosk dossier: the scanned paper is "bản scan", the e-form "bản điện tử"
    (a counter dossier keeps the catalogue's "bản chính")."""
    from appfixtures import SAMPLE_QR, sign_in_as

    from sadec_desk.services.admin import users
    from sadec_desk.services.printing import slips
    from sadec_desk.services.reception import dossiers

    users.create_user(ctx, username="admin", full_name="Lê Văn Tín", role="it",
                      password="matkhau-cntt")
    sign_in_as(ctx, "admin")
    draft = submission.start(ctx)
    values = submission.read_card(ctx, BIRTH, SAMPLE_QR)
    values.update({
        "req_relation": "Mẹ", "child_name": "Trần Minh Khôi", "child_birth_date": "20/11/2026",
        "child_gender": "Nam", "child_ethnicity": "Kinh", "child_birth_place":
        "Bệnh viện Đa khoa Sa Đéc", "child_hometown": "Sa Đéc, Đồng Tháp",
        **submission.declarant_values(ctx, BIRTH, SAMPLE_QR, 0), "mother_ethnicity": "Kinh"})
    assert values["mother_name"] == "Nguyễn Thị Hoa"  # copied from the card, not typed
    assert values["mother_birth_date"] == "21/03/2003"
    submission.add_page(ctx, draft, BIRTH, 1, page_png(1), "scanner")
    receipt = submission.submit(ctx, draft, procedure_code=BIRTH, qr_text=SAMPLE_QR,
                                values=values)
    papers = slips.receipt_data(ctx, dossiers.get_dossier(ctx, receipt.code))["papers"]
    kinds = {p["name"].split(" (")[0].split(" ")[0]: p["kind"] for p in papers}
    assert kinds == {"Tờ": "bản điện tử", "Giấy": "bản scan"}
    assert all("bản chính" not in p["kind"] for p in papers)
    assert receipt.fee_text == "Miễn lệ phí"


def test_an_unset_council_fee_is_never_called_free(ctx, monkeypatch):
    from appfixtures import SAMPLE_QR

    marital = "1.004873"  # fee set by the provincial council
    monkeypatch.setitem(ctx.config.values, "fees.council", {})
    review = submission.review(ctx, submission.start(ctx), procedure_code=marital,
                               qr_text=SAMPLE_QR, values={})
    assert review.fee_text == "Theo Nghị quyết HĐND tỉnh; cán bộ báo mức thu khi nhận hồ sơ"
    monkeypatch.setitem(ctx.config.values, "fees.council", {marital: 15000})
    review = submission.review(ctx, submission.start(ctx), procedure_code=marital,
                               qr_text=SAMPLE_QR, values={})
    assert review.fee_text.startswith("15.000")
