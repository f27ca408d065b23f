"""Tests for the Vietnamese legacy text encodings of DBF attributes."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable

import pytest

from app.ingest.vntext import (
    ENCODINGS,
    decode,
    decode_cp1258,
    decode_tcvn3,
    decode_vni,
    detect_encoding,
    encode_cp1258,
    encode_tcvn3,
    encode_vni,
)

# The letters are built from Unicode itself (base vowel + combining tone, composed), not from the
# module's tables, so a wrong or missing table entry shows up as a failure.
BASES = ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y")
TONES = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")  # level, huyền, hỏi, ngã, sắc, nặng


def _compose(base: str, tone: str) -> str:
    letter = unicodedata.normalize("NFC", base + tone)
    assert len(letter) == 1, (base, tone)
    return letter


LOWER = [_compose(base, tone) for base in BASES for tone in TONES] + ["đ"]
UPPER = [letter.upper() for letter in LOWER]
# The 67 letters per case that carry a diacritic (134 in all); the other six are plain ASCII.
LOWER_MARKED = [letter for letter in LOWER if not letter.isascii()]
UPPER_MARKED = [letter for letter in UPPER if not letter.isascii()]
# Upper-case letters that TCVN3 does have codes for.
TCVN3_CAPITALS = set("ĂÂÊÔƠƯĐ")


def latin1(text: str) -> bytes:
    return text.encode("latin-1")


def test_letter_sets_have_the_expected_size() -> None:
    assert len(set(LOWER)) == len(set(UPPER)) == 73
    assert len(LOWER_MARKED) + len(UPPER_MARKED) == 134


# --- documented and published examples ---------------------------------------------------------


@pytest.mark.parametrize(
    ("misread", "text"),
    [
        ("§Êt ë", "Đất ở"),
        ("huyÖn ViÖt Yªn", "huyện Việt Yên"),
        # published examples from TCVN3 converters
        ("B¶o Th¾ng", "Bảo Thắng"),
        ("Ninh B×nh", "Ninh Bình"),
        ("M\xadêng Kh\xad¬ng", "Mường Khương"),
        ("§Êt ë t¹i n«ng th«n", "Đất ở tại nông thôn"),
    ],
)
def test_tcvn3_examples_decode(misread: str, text: str) -> None:
    assert decode_tcvn3(latin1(misread)) == text
    assert encode_tcvn3(text) == latin1(misread)


@pytest.mark.parametrize(
    ("misread", "text"),
    [
        ("Vieät Yeân", "Việt Yên"),
        ("Xin chaøo caùc baïn", "Xin chào các bạn"),
        ("Ñoàng ñaát", "Đồng đất"),
        # single-byte letters: ị ỉ ĩ ơ ư ỵ
        ("Nguyeãn Thò Thu Höông", "Nguyễn Thị Thu Hương"),
        ("tænh", "tỉnh"),
        ("só quan", "sĩ quan"),
        ("Quî", "Quỵ"),
        ("Ninh Bình", "Ninh Bình"),
        ("Myõ Thuûy", "Mỹ Thủy"),
        ("Phöôøng Bích Ñoäng", "Phường Bích Động"),
        ("TRAÀN THÒ THU HÖÔNG", "TRẦN THỊ THU HƯƠNG"),
    ],
)
def test_vni_examples_decode(misread: str, text: str) -> None:
    assert decode_vni(latin1(misread)) == text
    assert encode_vni(text) == latin1(misread)


# --- round trips -------------------------------------------------------------------------------


@pytest.mark.parametrize("letter", LOWER)
def test_tcvn3_round_trips_every_lower_case_letter(letter: str) -> None:
    encoded = encode_tcvn3(letter)
    assert len(encoded) == 1
    assert decode_tcvn3(encoded) == letter


def test_tcvn3_gives_each_marked_letter_its_own_high_byte() -> None:
    codes = [encode_tcvn3(letter) for letter in LOWER_MARKED]
    assert all(code[0] >= 0x80 for code in codes)
    assert len(set(codes)) == len(codes)


# Where the full TCVN 5712 (VN1) puts the capitals Ẳ Ẵ Ắ Ầ Ẩ Ẫ Ấ Ề Ể Ễ Ế Ồ Ổ Ỗ between à and ỵ;
# TCVN3 (VN3, the .VnTime fonts) leaves these bytes out, so the small letters fill the rest.
TCVN5712_CAPITALS = (
    0xBA,
    0xBF,
    0xC0,
    0xC1,
    0xC2,
    0xC3,
    0xC4,
    0xC5,
    0xCD,
    0xD9,
    0xDA,
    0xDB,
    0xE0,
    0xF0,
)


def test_tcvn3_codes_follow_the_vowel_and_tone_order() -> None:
    """TCVN3 lays out the toned small letters vowel by vowel, tones in rising byte order.

    Vowels a ă â e ê i o ô ơ u ư y, tones huyền hỏi ngã sắc nặng, from à (0xB5) to ỵ (0xFE),
    skipping the bytes of the full TCVN 5712's capitals. A swapped or shifted entry breaks this.
    """
    codes = [encode_tcvn3(_compose(base, tone))[0] for base in BASES for tone in TONES[1:]]
    assert codes == sorted(set(codes))
    assert set(codes) == set(range(0xB5, 0xFF)) - set(TCVN5712_CAPITALS)
    # the untoned letters with diacritics sit just below, in the same vowel order, then đ
    assert [encode_tcvn3(c)[0] for c in "ăâêôơưđ"] == list(range(0xA8, 0xAF))
    assert [encode_tcvn3(c)[0] for c in "ĂÂÊÔƠƯĐ"] == list(range(0xA1, 0xA8))


# VNI is compositional: the same mark byte follows every vowel, so a row that disagrees with the
# others fails here. Marks in the order huyền, hỏi, ngã, sắc, nặng.
VNI_TONE = "øûõùï"
VNI_CIRCUMFLEX = "âàåãáä"  # level first
VNI_BREVE = "êèúüéë"


@pytest.mark.parametrize(("base", "spelled"), [*zip("aeouyơư", "aeouyôö", strict=True)])
def test_vni_tones_are_one_mark_byte_after_the_vowel(base: str, spelled: str) -> None:
    for tone, mark in zip(TONES[1:], VNI_TONE, strict=True):
        letter = _compose(base, tone)
        if letter == "ỵ":  # the one toned y written as a single byte
            assert encode_vni(letter) == latin1("î")
            continue
        assert encode_vni(letter) == latin1(spelled + mark)
        assert encode_vni(letter.upper()) == latin1((spelled + mark).upper())


@pytest.mark.parametrize(
    ("base", "spelled", "marks"),
    [("â", "a", VNI_CIRCUMFLEX), ("ê", "e", VNI_CIRCUMFLEX), ("ô", "o", VNI_CIRCUMFLEX)]
    + [("ă", "a", VNI_BREVE)],
)
def test_vni_circumflex_and_breve_combine_with_the_tone(
    base: str, spelled: str, marks: str
) -> None:
    for tone, mark in zip(TONES, marks, strict=True):
        assert encode_vni(_compose(base, tone)) == latin1(spelled + mark)


@pytest.mark.parametrize("letter", UPPER)
def test_tcvn3_upper_case_falls_back_to_lower_case_codes(letter: str) -> None:
    """Only Ă Â Ê Ô Ơ Ư Đ (and plain ASCII) have upper-case codes; the rest use lower case."""
    encoded = encode_tcvn3(letter)
    assert len(encoded) == 1
    if letter.isascii() or letter in TCVN3_CAPITALS:
        assert decode_tcvn3(encoded) == letter
    else:
        assert encoded == encode_tcvn3(letter.lower())
        assert decode_tcvn3(encoded) == letter.lower()


def test_tcvn3_capitals_have_distinct_codes_from_their_small_letters() -> None:
    for capital in TCVN3_CAPITALS:
        assert encode_tcvn3(capital) != encode_tcvn3(capital.lower())


@pytest.mark.parametrize(
    ("text", "decoded"),
    [
        # all-capital words (.VnTimeH) get their capitals back...
        ("HUYỆN VIỆT YÊN", "HUYỆN VIỆT YÊN"),
        ("ĐẤT NÔNG NGHIỆP", "ĐẤT NÔNG NGHIỆP"),
        # ...but a word with fewer than two unambiguous capitals stays lower case,
        ("ĐẤT Ở", "ĐẤT ở"),
        ("Ấp Bắc", "ấp Bắc"),
        ("MỞ", "Mở"),
        # and mixed-case words are left as written.
        ("Mở Việt", "Mở Việt"),
    ],
)
def test_tcvn3_restores_capitals_only_in_unambiguous_words(text: str, decoded: str) -> None:
    assert decode_tcvn3(encode_tcvn3(text)) == decoded


@pytest.mark.parametrize("letter", LOWER + UPPER)
def test_vni_round_trips_every_letter(letter: str) -> None:
    encoded = encode_vni(letter)
    assert 1 <= len(encoded) <= 2
    assert decode_vni(encoded) == letter


def test_vni_spellings_are_distinct() -> None:
    spellings = [encode_vni(letter) for letter in LOWER + UPPER]
    assert len(set(spellings)) == len(spellings)


@pytest.mark.parametrize("letter", LOWER)
def test_vni_upper_case_is_latin1_upper_case_of_the_lower_case_bytes(letter: str) -> None:
    lower = encode_vni(letter).decode("latin-1")
    assert encode_vni(letter.upper()) == latin1(lower.upper())


def test_vni_accepts_a_mark_of_the_other_case() -> None:
    assert decode_vni(latin1("AÙ")) == decode_vni(latin1("Aù")) == "Á"
    assert decode_vni(latin1("aÙ")) == "á"


@pytest.mark.parametrize("letter", LOWER + UPPER)
def test_cp1258_round_trips_every_letter(letter: str) -> None:
    assert decode_cp1258(encode_cp1258(letter)) == letter


def test_cp1258_writes_tones_as_combining_marks_like_windows() -> None:
    # ê is in the code page, the dot below is the combining mark 0xF2
    assert encode_cp1258("Việt") == b"Vi\xea\xf2t"
    # precomposed where Latin-1 has the letter
    assert encode_cp1258("Hà") == b"H\xe0"


SENTENCE = "Thửa 12/3-A, tờ bản đồ số 45 (Đất ở tại đô thị): 120.5 m2; chủ: Nguyễn Văn Hùng."


@pytest.mark.parametrize(
    ("encode", "decoder"),
    [(encode_tcvn3, decode_tcvn3), (encode_vni, decode_vni), (encode_cp1258, decode_cp1258)],
)
def test_ascii_passes_through_and_text_round_trips(
    encode: Callable[[str], bytes], decoder: Callable[[bytes], str]
) -> None:
    ascii_text = "Lot 12/3-A, sheet 45: 120.5 m2 (x=1; y=2) @#$%&*+<>?[]_{}|~"
    assert encode(ascii_text) == ascii_text.encode("ascii")
    assert decoder(ascii_text.encode("ascii")) == ascii_text
    assert decoder(encode(SENTENCE)) == SENTENCE


# --- NFC ---------------------------------------------------------------------------------------


def test_cp1258_combining_marks_become_nfc() -> None:
    data = b"Nguy\xea\xden Vi\xea\xf2t"
    # Python's codec alone leaves the combining marks separate
    assert data.decode("cp1258") != "Nguyễn Việt"
    assert decode_cp1258(data) == "Nguyễn Việt"
    assert len(decode_cp1258(b"\xea\xf2")) == 1


@pytest.mark.parametrize(
    ("encode", "decoder"),
    [(encode_tcvn3, decode_tcvn3), (encode_vni, decode_vni), (encode_cp1258, decode_cp1258)],
)
def test_decoders_return_nfc_and_encoders_accept_nfd(
    encode: Callable[[str], bytes], decoder: Callable[[bytes], str]
) -> None:
    text = "Trần Thị Thu Hương, thôn Nếnh"
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    assert encode(nfd) == encode(text)
    decoded = decoder(encode(text))
    assert unicodedata.is_normalized("NFC", decoded)
    assert decoded == text


def test_utf8_decoding_is_nfc() -> None:
    data = unicodedata.normalize("NFD", "Việt Yên").encode("utf-8")
    assert decode(data, "utf-8") == "Việt Yên"


# --- errors and unmapped bytes -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("encode", "char"),
    [
        (encode_tcvn3, "€"),
        (encode_tcvn3, "ß"),
        (encode_tcvn3, "ü"),
        (encode_vni, "ß"),
        (encode_vni, "ü"),
        (encode_vni, "中"),
        (encode_cp1258, "中"),
        (encode_cp1258, "ą"),
    ],
)
def test_encoding_a_character_without_code_raises_naming_it(
    encode: Callable[[str], bytes], char: str
) -> None:
    with pytest.raises(ValueError, match=char):
        encode(f"abc {char} xyz")


def test_bytes_without_vietnamese_meaning_keep_their_latin1_meaning() -> None:
    assert decode_tcvn3(b"25\xb0C") == "25°C"
    assert decode_vni(b"25\xb0C") == "25°C"
    # a VNI mark with no vowel before it
    assert decode_vni(b"b\xf9") == "bù"
    # bytes cp1258 leaves undefined
    assert decode_cp1258(b"\x81\x8d") == "\x81\x8d"


# --- dispatch ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (encode_tcvn3("Việt Yên"), "tcvn3"),
        (encode_vni("Việt Yên"), "vni"),
        (encode_cp1258("Việt Yên"), "cp1258"),
        ("Việt Yên".encode(), "utf-8"),
        ("Việt Yên".encode(), "UTF-8"),
    ],
)
def test_decode_dispatches_on_name(data: bytes, encoding: str) -> None:
    assert decode(data, encoding) == "Việt Yên"


def test_decode_ascii_and_unknown_names() -> None:
    assert decode(b"Viet Yen", "ascii") == "Viet Yen"
    with pytest.raises(ValueError):
        decode(b"\xe9", "ascii")
    with pytest.raises(ValueError, match="latin-9"):
        decode(b"x", "latin-9")


def test_decode_utf8_drops_a_character_cut_by_the_field_width() -> None:
    data = "Nguyễn".encode()
    assert decode(data[:-2], "utf-8") == "Nguy"  # "ễ" is three bytes; two are gone
    assert decode(data[:-2] + b"   ", "utf-8") == "Nguy   "
    with pytest.raises(ValueError):
        decode(b"Vi\xea\xf2t", "utf-8")


# --- detection ---------------------------------------------------------------------------------

NAMES = [
    "Nguyễn Văn Hùng",
    "Trần Thị Thu Hương",
    "Lê Văn Tám",
    "Phạm Thị Lan",
    "Hoàng Minh Đức",
    "Vũ Đình Khoa",
    "Đỗ Quốc Việt",
    "Bùi Thị Ngọc Ánh",
]
LAND_USE = [
    "Đất ở tại nông thôn",
    "Đất trồng lúa",
    "Đất trồng cây lâu năm",
    "Đất nuôi trồng thủy sản",
    "Đất rừng sản xuất",
]
PLACES = [
    "Phường Bích Động",
    "thôn Nếnh",
    "Việt Yên",
    "Bắc Giang",
    "xã Tăng Tiến",
    "Hà Nội",
]
# ASCII-only values (codes, unaccented spellings) mixed with accented ones
MIXED = ["ONT", "LUC", "Nguyen Van An", "Tan Yen", "thôn Nếnh", "12", "Đất ở tại nông thôn"]
CAPITALS = [value.upper() for value in LAND_USE]

COLUMNS = {
    "names": NAMES,
    "land_use": LAND_USE,
    "places": PLACES,
    "mixed": MIXED,
    "capitals": CAPITALS,
}
ENCODERS: dict[str, Callable[[str], bytes]] = {
    "tcvn3": encode_tcvn3,
    "vni": encode_vni,
    "cp1258": encode_cp1258,
}


@pytest.mark.parametrize("encoding", sorted(ENCODERS))
@pytest.mark.parametrize("column", sorted(COLUMNS))
def test_detects_legacy_encoding_of_realistic_columns(column: str, encoding: str) -> None:
    values = COLUMNS[column]
    data = [ENCODERS[encoding](value) for value in values]
    assert detect_encoding(data) == encoding
    decoded = [decode(value, encoding) for value in data]
    if encoding == "tcvn3":  # capitals without a TCVN3 code may come back in lower case
        assert [v.lower() for v in decoded] == [v.lower() for v in values]
    else:
        assert decoded == values


@pytest.mark.parametrize("column", sorted(COLUMNS))
def test_detects_utf8_and_ascii(column: str) -> None:
    values = COLUMNS[column]
    assert detect_encoding(v.encode() for v in values) == "utf-8"
    assert detect_encoding([b"ONT", b"LUC", b"Nguyen Van An"]) == "ascii"
    assert detect_encoding([]) == "ascii"


def test_detects_utf8_with_a_value_cut_by_the_field_width() -> None:
    values = [v.encode() for v in NAMES]
    values[0] = values[0][:6]  # "Nguyễn" cut inside "ễ"
    assert detect_encoding(values) == "utf-8"


@pytest.mark.parametrize(
    ("value", "encoding"),
    [
        (latin1("§Êt ë"), "tcvn3"),
        (latin1("huyÖn ViÖt Yªn"), "tcvn3"),
        (latin1("ThÞ"), "tcvn3"),  # one high byte at the end is not a cut UTF-8 character
        (latin1("Vieät Yeân"), "vni"),
        (latin1("Traàn Thò Thu Höông"), "vni"),
        (b"Vi\xea\xf2t Y\xean", "cp1258"),
    ],
)
def test_detects_short_single_values(value: bytes, encoding: str) -> None:
    assert detect_encoding([value]) == encoding


def test_detection_counts_each_distinct_value_once() -> None:
    # many copies of an ambiguous value must not outvote the distinct evidence
    column = [latin1("Thò")] * 50 + [encode_vni(v) for v in NAMES[:3]]
    assert detect_encoding(column) == "vni"


def test_detection_of_random_names_is_reliable_from_three_values() -> None:
    surnames = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
    middles = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Quốc", "Xuân", "Đình"]
    givens = ["Hùng", "Hương", "Tám", "Lan", "Khoa", "Ánh", "Bình", "Cường", "Dũng", "Yến", "Ổn"]
    rng = random.Random(20240607)
    for _ in range(300):
        column = [
            f"{rng.choice(surnames)} {rng.choice(middles)} {rng.choice(givens)}" for _ in range(3)
        ]
        for encoding, encode in ENCODERS.items():
            assert detect_encoding(encode(v) for v in column) == encoding, (column, encoding)


EUROPEAN = ["Zürich", "São Paulo", "Ærøskøbing", "Málaga", "Köln", "Genève"]


def test_european_latin1_text_is_read_as_cp1258() -> None:
    """Text that reads as Vietnamese in no candidate falls back to cp1258, close to Latin-1."""
    column = [latin1(value) for value in EUROPEAN]
    assert detect_encoding(column) == "cp1258"
    assert decode(latin1("Zürich"), "cp1258") == "Zürich"
    for value in EUROPEAN:
        assert detect_encoding([latin1(value)]) == "cp1258"


def test_detection_is_deterministic_and_never_fails_on_arbitrary_bytes() -> None:
    rng = random.Random(7)
    for _ in range(200):
        column = [bytes(rng.randrange(256) for _ in range(rng.randrange(12))) for _ in range(4)]
        first = detect_encoding(column)
        assert first in ENCODINGS
        assert detect_encoding(list(reversed(column))) == first
        if first != "ascii" and first != "utf-8":
            for value in column:
                decode(value, first)
    every_byte = [bytes(range(256))]
    assert detect_encoding(every_byte) in ENCODINGS
    for name in ("tcvn3", "vni", "cp1258"):
        assert len(decode(every_byte[0], name)) > 0
