"""Layouts: rendering at each width, wrapping, Vietnamese glyphs, raster round trip."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageChops
from slip_samples import LONG_NAME, LONG_WORD, decode_raster, receipt_data, ticket_data

from sadec_desk.printers import encode as enc
from sadec_desk.printers import fonts
from sadec_desk.printers import render as rnd
from sadec_desk.printers.profiles import OUR_PROFILES, all_profiles, get_profile


def return_data():
    return {"office_name": "UBND xã Tân Khánh Đông", "code": "000.00.14.H20-261126-0001",
            "applicant": LONG_NAME, "id_masked": "********1829",
            "procedure": "Đăng ký khai sinh (1.001193)", "received_at": "09:00 Thứ Năm",
            "due_at": "17:00 Thứ Năm", "returned_at": "10:15 Thứ Năm", "deadline": "Trước hạn",
            "fee": "Miễn lệ phí", "officer": "Lê Văn Đức"}


def page_data():
    return {"office_name": "UBND xã", "printer": "quầy 1", "connection": "tcp://127.0.0.1:9100",
            "profile": "generic-80", "width": "576", "dpi": "203",
            "printed_at": "09:00 Thứ Năm, 26/11/2026",
            "sample": "aàảãáạ ăằẳẵắặ âầẩẫấậ đ eèẻẽéẹ êềểễếệ iìỉĩíị oòỏõóọ ôồổỗốộ ơờởỡớợ "
                      "uùủũúụ ưừửữứự yỳỷỹýỵ",
            "sample_upper": "AÀẢÃÁẠ ĂẰẲẴẮẶ ÂẦẨẪẤẬ Đ EÈẺẼÉẸ ÊỀỂỄẾỆ IÌỈĨÍỊ OÒỎÕÓỌ ÔỒỔỖỐỘ "
                            "ƠỜỞỠỚỢ UÙỦŨÚỤ ƯỪỬỮỨỰ YỲỶỸÝỴ",
            "qr_data": "Sa Đéc Desk"}


LAYOUTS = {"ticket": ticket_data, "receipt": receipt_data, "return_slip": return_data,
           "test_page": page_data}
WIDTHS = {"generic-58": 384, "TM-T88": 512, "generic-80": 576}


@pytest.mark.parametrize("profile_name", sorted(WIDTHS))
@pytest.mark.parametrize("kind", sorted(LAYOUTS))
def test_every_layout_renders_1bit_at_the_profile_width_and_nothing_passes_the_margin(
        kind, profile_name):
    profile = get_profile(profile_name)
    rendered = rnd.render_named(kind, LAYOUTS[kind](), profile)
    image = rendered.image
    assert image.mode == "1"
    assert image.width == WIDTHS[profile_name]
    ink = ~np.asarray(image)  # True = black dot
    assert ink.sum() > 1000
    # the right margin is blank on every row: long names wrapped, nothing cut off
    margin = round(rnd.MARGIN_PT * profile.dpi / 72)
    assert not ink[:, image.width - margin:].any()
    # and the left margin too (rules and text start at the margin)
    assert not ink[:, :margin - 1].any()


def test_long_names_wrap_and_every_word_is_drawn():
    rendered = rnd.render_named("receipt", receipt_data(), get_profile("generic-58"))
    drawn = " ".join(rendered.texts)
    for word in LONG_NAME.split():
        assert word in drawn
    # the over-long word was broken between letters, and no letter was lost
    assert "".join(t for t in rendered.texts if "Phường" in t).replace(" ", "").count(
        "Phường") >= 12


def test_wrap_respects_width_for_every_line():
    font = fonts.load_font(fonts.find_fonts().regular, 25)
    for width in (120, 300, 576):
        for line in rnd.wrap(LONG_NAME + " " + LONG_WORD, font, width):
            assert font.getlength(line, mode="1") <= width


def test_optional_blocks_follow_the_data():
    profile = get_profile("generic-80")
    with_qr = rnd.render_named("receipt", receipt_data(), profile)
    without = rnd.render_named("receipt", receipt_data(vietqr="", phone=""), profile)
    assert "NỘP LỆ PHÍ BẰNG CHUYỂN KHOẢN" in with_qr.texts
    assert "NỘP LỆ PHÍ BẰNG CHUYỂN KHOẢN" not in without.texts
    assert without.image.height < with_qr.image.height
    assert not any(t.startswith("Điện thoại") for t in without.texts)
    plain = rnd.render_named("ticket", ticket_data(priority=False), profile)
    assert "★ ƯU TIÊN ★" not in plain.texts


def test_the_receipt_qr_codes_decode_to_the_code_the_lookup_and_the_vietqr():
    import zxingcpp

    data = receipt_data()
    image = rnd.render_named("receipt", data, get_profile("generic-80")).image
    found = {r.text for r in zxingcpp.read_barcodes(image.convert("L"))}
    assert {data["code"], data["lookup_data"], data["vietqr"]} <= found


def _notdef_mask(font):
    # U+E000 is a private-use code point that no Vietnamese text font maps: it draws .notdef
    return np.asarray(font.getmask("\ue000"))


@pytest.mark.parametrize("kind", sorted(LAYOUTS))
def test_vietnamese_text_in_every_layout_has_no_missing_glyph(kind):
    pair = fonts.find_fonts()
    rendered = rnd.render_named(kind, LAYOUTS[kind](), get_profile("generic-80"))
    chars = {c for text in rendered.texts for c in text if not c.isspace()}
    assert {"ễ", "ợ", "Đ", "ư"} & chars or kind == "ticket"
    for path in (pair.regular, pair.bold):
        assert not fonts.missing_chars(path, frozenset(chars)), path
        font = fonts.load_font(path, 25)
        notdef = _notdef_mask(font)
        assert notdef.sum() > 0  # the reference box is really drawn
        for char in chars:
            mask = np.asarray(font.getmask(char))
            assert mask.shape != notdef.shape or not np.array_equal(mask, notdef), (char, path)


def test_font_finder_prefers_a_configured_file_and_rejects_one_without_vietnamese(tmp_path):
    pair = fonts.find_fonts()
    assert fonts.covers_vietnamese(pair.regular)
    assert fonts.find_fonts(str(pair.regular)).regular == pair.regular
    with pytest.raises(fonts.FontNotFound, match="Không thấy tệp phông chữ"):
        fonts.find_fonts(str(tmp_path / "missing.ttf"))
    junk = tmp_path / "junk.ttf"
    junk.write_bytes(b"not a font")
    with pytest.raises(fonts.FontNotFound, match="thiếu chữ tiếng Việt"):
        fonts.find_fonts(str(junk))



@pytest.mark.parametrize("profile_name", ["generic-80", "generic-58", "TM-T88"])
@pytest.mark.parametrize("kind", ["ticket", "receipt"])
def test_gs_v_0_raster_decodes_back_to_the_rendered_image(kind, profile_name):
    profile = get_profile(profile_name)
    rendered = rnd.render_named(kind, LAYOUTS[kind](), profile)
    data = enc.encode_raster(rendered.image, profile)
    assert data.startswith(b"\x1b@")
    decoded = decode_raster(data)
    assert decoded.size == rendered.image.size
    assert ImageChops.difference(decoded.convert("L"), rendered.image.convert("L")).getbbox() \
        is None
    if profile.cut:
        assert b"\x1dV" in data[-8:]  # GS V: cut after the slip


def test_a_ticket_is_small_enough_for_a_slow_line():
    profile = get_profile("generic-80")
    data = enc.encode_raster(rnd.render_named("ticket", ticket_data(), profile).image, profile)
    assert len(data) <= 40_000


def test_profiles_carry_width_dpi_cut_qr_and_code_pages():
    ours = {p.name: p for p in OUR_PROFILES}
    assert (ours["generic-80"].width_dots, ours["generic-80"].dpi) == (576, 203)
    assert (ours["generic-58"].width_dots, ours["generic-58"].cut) == (384, False)
    assert (ours["TM-T88"].width_dots, ours["TM-T88"].dpi) == (512, 180)
    assert ours["TM-T82"].width_dots == 576 and ours["XP-80"].width_dots == 576
    assert ours["TM-T82"].vietnamese_code_pages["CP1258"] == 52
    assert "TM-T20II" in all_profiles()  # python-escpos's own profiles are offered too
    escpos = ours["generic-58"].escpos_profile()
    assert escpos.profile_data["media"]["width"]["pixels"] == 384
    assert not escpos.supports("paperFullCut") and not escpos.supports("qrCode")
    with pytest.raises(Exception, match="Không có mẫu máy in"):
        get_profile("no-such-printer")


def test_bad_layout_files_are_rejected_with_the_reason():
    with pytest.raises(rnd.LayoutError, match="unknown type"):
        rnd.parse_layout("x", '[[block]]\ntype = "barcode"\n')
    with pytest.raises(rnd.LayoutError, match="unknown keys"):
        rnd.parse_layout("x", '[[block]]\ntype = "text"\ncolour = "red"\n')
    with pytest.raises(rnd.LayoutError, match="no blocks"):
        rnd.parse_layout("x", "")


@pytest.mark.parametrize("width, height", [(576, 700), (384, 2100), (100, 33)])
def test_our_raster_blocks_are_byte_for_byte_python_escpos_image(width, height):
    from escpos.printer import Dummy

    rng = np.random.default_rng(width)
    image = Image.fromarray(rng.random((height, width)) < 0.5)  # mode "1" noise
    reference = Dummy()
    reference.image(image, impl="bitImageRaster", center=False)
    assert enc.raster_blocks(image) == reference.output


def test_a_dossier_code_too_wide_for_the_line_breaks_at_its_dashes():
    font = fonts.load_font(fonts.find_fonts().bold, 25)
    code = "000.00.14.H20-261126-0001"
    width = font.getlength(code, mode="1") * 0.7
    lines = rnd.wrap(code, font, width)
    assert "".join(lines) == code
    assert lines[0].endswith(("-", "."))
