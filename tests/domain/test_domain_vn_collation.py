"""Vietnamese alphabetical order (domain/vn_collation.py)."""

from __future__ import annotations

from sadec_desk.domain.vn_collation import search_key, vietnamese_sort_key


def ordered(*words: str) -> list[str]:
    return sorted(words, key=vietnamese_sort_key)


def test_letters_follow_the_vietnamese_alphabet():
    assert ordered("Chứng thực", "Cấp bản sao", "Đăng ký", "Dạy nghề", "Yên", "Ăn", "An",
                   "Ân", "Ơn", "Ôn", "On", "Ưa", "Ua") == [
        "An", "Ăn", "Ân", "Cấp bản sao", "Chứng thực", "Dạy nghề", "Đăng ký", "On", "Ôn",
        "Ơn", "Ua", "Ưa", "Yên"]


def test_tones_come_after_the_letters_in_dictionary_order():
    assert ordered("cạ", "cá", "cã", "cả", "cà", "ca") == ["ca", "cà", "cả", "cã", "cá", "cạ"]
    # letters first: "cá" < "cam" although ca < cá
    assert ordered("cam", "cá") == ["cá", "cam"]


def test_a_space_and_digits_come_before_letters():
    assert ordered("Cấp bản sao từ sổ gốc", "Cấp bản sao", "Cấp bản saoa") == [
        "Cấp bản sao", "Cấp bản sao từ sổ gốc", "Cấp bản saoa"]
    assert ordered("Mẫu b", "Mẫu 2", "Mẫu 10") == ["Mẫu 10", "Mẫu 2", "Mẫu b"]


def test_case_and_decomposed_input_do_not_change_the_order():
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Chứng thực")
    assert vietnamese_sort_key(nfd)[:2] == vietnamese_sort_key("chứng thực")[:2]


def test_search_keys_drop_every_mark():
    assert search_key("  Chứng   thực ĐĂNG ") == "chung thuc dang"
    assert search_key("Đăng ký kết hôn") == "dang ky ket hon"
