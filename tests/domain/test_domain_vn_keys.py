"""The on-screen keyboard's composition of Vietnamese letters (domain.vn_keys)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sadec_desk.domain.vn_keys import (
    MARKS,
    TONES,
    apply_mark,
    compose,
    last_word,
    type_sequence,
)


def taps(word: str, *marks: str) -> str:
    return type_sequence([*word, *marks])


@pytest.mark.parametrize(("keys", "expected"), [
    (("nguyen", "circumflex", "tilde"), "nguyễn"),
    (("Nguyen", "tilde", "circumflex"), "Nguyễn"),  # tone first: it moves to ê
    (("nguoi", "horn", "grave"), "người"),
    (("duoc", "horn", "dot", "stroke"), "được"),
    (("thuo", "horn", "hook"), "thuở"),  # bare "uo": only o takes the horn
    (("viet", "circumflex", "dot"), "việt"),
    (("Dang", "stroke", "breve", "grave"), "Đằng"),
    (("THI", "dot"), "THỊ"),
    (("Khanh", "acute"), "Khánh"),
    (("Thai", "acute"), "Thái"),
    (("Binh", "grave"), "Bình"),
    (("On", "circumflex", "hook"), "Ổn"),
])
def test_names_and_words_compose(keys, expected):
    word, *marks = keys
    assert taps(word, *marks) == expected


@pytest.mark.parametrize(("keys", "expected"), [
    # old style (kiểu cũ), as in "Cộng hòa" on state documents
    (("hoa", "acute"), "hóa"),
    (("hoa", "grave"), "hòa"),
    (("hoe", "grave"), "hòe"),
    (("thuy", "acute"), "thúy"),
    (("mua", "grave"), "mùa"),
    # a final consonant: the last vowel
    (("hoang", "grave"), "hoàng"),
    (("huynh", "grave"), "huỳnh"),
    (("toan", "acute"), "toán"),
    # three vowels, open: the middle one
    (("ngoai", "grave"), "ngoài"),
    (("xoay", "acute"), "xoáy"),
    # qu / gi + vowel are consonants
    (("qua", "acute"), "quá"),
    (("gia", "grave"), "già"),
    (("giua", "horn", "tilde"), "giữa"),
    (("gin", "grave"), "gìn"),
    (("quyen", "circumflex", "hook"), "quyển"),
    # a shaped vowel takes the tone; ơ in ươ
    (("huu", "horn", "tilde"), "hữu"),
    (("muoi", "horn", "grave"), "mười"),
])
def test_tone_placement_rule(keys, expected):
    word, *marks = keys
    assert taps(word, *marks) == expected


def test_the_same_mark_again_removes_it_and_another_tone_replaces_it():
    assert taps("ho", "acute", "acute") == "ho"
    assert taps("ho", "acute", "grave") == "hò"
    assert taps("nguyen", "circumflex", "circumflex") == "nguyen"
    assert taps("do", "stroke", "stroke") == "do"
    assert taps("nguoi", "horn", "horn") == "nguoi"
    # a shape keeps the tone, which moves to the shaped vowel
    assert taps("toan", "acute", "circumflex") == "toấn"


def test_marks_with_nothing_to_go_on_are_refused():
    assert apply_mark("bc", "acute") is None
    assert apply_mark("hi", "breve") is None
    assert apply_mark("an", "stroke") is None
    assert compose("Nguyễn ", "acute") is None  # the cursor is after a space
    assert compose("", "dot") is None
    assert type_sequence(["b", "acute"]) == "b"
    with pytest.raises(ValueError):
        apply_mark("a", "umlaut")


def test_compose_changes_only_the_last_word_before_the_cursor():
    assert compose("Nguyen Thi Hoa", "grave") == "Nguyen Thi Hòa"
    assert compose("12/03/2001 Ho", "acute") == "12/03/2001 Hó"
    assert last_word("Lai On") == (4, "On")
    assert last_word("số 5") == (4, "")


def test_decomposed_input_gives_nfc_output():
    decomposed = unicodedata.normalize("NFD", "Nguyễn")
    assert apply_mark(decomposed, "tilde") == "Nguyên"


@given(st.text(alphabet="aeiouyăâêôơưáàảãạđbcdghklmnpqrstvx", min_size=1, max_size=7),
       st.sampled_from(sorted(MARKS)))
def test_any_mark_gives_nfc_with_at_most_one_tone(word, mark):
    once = apply_mark(word, mark)
    if once is not None:
        assert once == unicodedata.normalize("NFC", once)
        assert len([c for c in unicodedata.normalize("NFD", once) if c in TONES.values()]) <= 1
        assert len(once) == len(word)


@given(st.text(alphabet="aeiouybcdghklmnpqrstvx", min_size=1, max_size=7),
       st.sampled_from(sorted(MARKS)))
def test_on_plain_letters_the_same_key_twice_gives_the_word_back(word, mark):
    once = apply_mark(word, mark)
    if once is not None:
        assert once != word
        assert apply_mark(once, mark) == word
