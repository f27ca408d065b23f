"""The code tables of the legacy encodings (TCVN3, VNI-Windows, cp1258), each read both ways,
and the tone marks they spell."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Final, TypeVar

ENCODINGS: Final = ("ascii", "utf-8", "tcvn3", "vni", "cp1258")

# The five Vietnamese tones other than level, as Unicode combining marks.
_GRAVE: Final = "\u0300"  # huyền
_HOOK: Final = "\u0309"  # hỏi
_TILDE: Final = "\u0303"  # ngã
ACUTE: Final = "\u0301"  # sắc
DOT: Final = "\u0323"  # nặng
TONE_MARKS: Final = frozenset((_GRAVE, _HOOK, _TILDE, ACUTE, DOT))

# ---------------------------------------------------------------------------------------------
# TCVN3 table.
#
# Each row lists a vowel in the tone order level, grave, hook, tilde, acute, dot below, and the
# byte for each. Plain vowels are ASCII. Upper-case letters other than the seven in the last row
# have no code. Checked against the TCVN3 tables of unikey, xvnkb and the X11 TCVN converter,
# which agree on every entry.
# ---------------------------------------------------------------------------------------------
_TCVN3_TABLE: Final[tuple[tuple[str, bytes], ...]] = (
    ("aàảãáạ", b"a\xb5\xb6\xb7\xb8\xb9"),
    ("ăằẳẵắặ", b"\xa8\xbb\xbc\xbd\xbe\xc6"),
    ("âầẩẫấậ", b"\xa9\xc7\xc8\xc9\xca\xcb"),
    ("eèẻẽéẹ", b"e\xcc\xce\xcf\xd0\xd1"),
    ("êềểễếệ", b"\xaa\xd2\xd3\xd4\xd5\xd6"),
    ("iìỉĩíị", b"i\xd7\xd8\xdc\xdd\xde"),
    ("oòỏõóọ", b"o\xdf\xe1\xe2\xe3\xe4"),
    ("ôồổỗốộ", b"\xab\xe5\xe6\xe7\xe8\xe9"),
    ("ơờởỡớợ", b"\xac\xea\xeb\xec\xed\xee"),
    ("uùủũúụ", b"u\xef\xf1\xf2\xf3\xf4"),
    ("ưừửữứự", b"\xad\xf5\xf6\xf7\xf8\xf9"),
    ("yỳỷỹýỵ", b"y\xfa\xfb\xfc\xfd\xfe"),
    ("đ", b"\xae"),
    ("ĂÂÊÔƠƯĐ", b"\xa1\xa2\xa3\xa4\xa5\xa6\xa7"),
)

# ---------------------------------------------------------------------------------------------
# VNI-Windows table.
#
# Same row layout, but each letter is spelled as its bytes read in Latin-1, which is how VNI
# text looks when misread and how VNI tables are usually published. Mark bytes:
#
#   tone alone (after a e o u y ơ ư):   ø F8 grave, û FB hook, õ F5 tilde, ù F9 acute, ï EF dot
#   circumflex (after a e o):           â E2 alone; with tone à E0, å E5, ã E3, á E1, ä E4
#   breve (after a):                    ê EA alone; with tone è E8, ú FA, ü FC, é E9, ë EB
#   single-byte letters:                ô F4 ơ, ö F6 ư, ñ F1 đ, ì EC, æ E6 ỉ, ó F3 ĩ, í ED,
#                                       ò F2 ị, î EE ỵ
#
# Upper-case forms use the Latin-1 upper-case of the same bytes (0x20 lower). Checked against
# the VNI tables of unikey, xvnkb and vietnamese-conversion, which agree on every entry.
# ---------------------------------------------------------------------------------------------
_VNI_TABLE: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("aàảãáạ", ("a", "aø", "aû", "aõ", "aù", "aï")),
    ("ăằẳẵắặ", ("aê", "aè", "aú", "aü", "aé", "aë")),
    ("âầẩẫấậ", ("aâ", "aà", "aå", "aã", "aá", "aä")),
    ("eèẻẽéẹ", ("e", "eø", "eû", "eõ", "eù", "eï")),
    ("êềểễếệ", ("eâ", "eà", "eå", "eã", "eá", "eä")),
    ("iìỉĩíị", ("i", "ì", "æ", "ó", "í", "ò")),
    ("oòỏõóọ", ("o", "oø", "oû", "oõ", "où", "oï")),
    ("ôồổỗốộ", ("oâ", "oà", "oå", "oã", "oá", "oä")),
    ("ơờởỡớợ", ("ô", "ôø", "ôû", "ôõ", "ôù", "ôï")),
    ("uùủũúụ", ("u", "uø", "uû", "uõ", "uù", "uï")),
    ("ưừửữứự", ("ö", "öø", "öû", "öõ", "öù", "öï")),
    ("yỳỷỹýỵ", ("y", "yø", "yû", "yõ", "yù", "î")),
    ("đ", ("ñ",)),
    ("AÀẢÃÁẠ", ("A", "AØ", "AÛ", "AÕ", "AÙ", "AÏ")),
    ("ĂẰẲẴẮẶ", ("AÊ", "AÈ", "AÚ", "AÜ", "AÉ", "AË")),
    ("ÂẦẨẪẤẬ", ("AÂ", "AÀ", "AÅ", "AÃ", "AÁ", "AÄ")),
    ("EÈẺẼÉẸ", ("E", "EØ", "EÛ", "EÕ", "EÙ", "EÏ")),
    ("ÊỀỂỄẾỆ", ("EÂ", "EÀ", "EÅ", "EÃ", "EÁ", "EÄ")),
    ("IÌỈĨÍỊ", ("I", "Ì", "Æ", "Ó", "Í", "Ò")),
    ("OÒỎÕÓỌ", ("O", "OØ", "OÛ", "OÕ", "OÙ", "OÏ")),
    ("ÔỒỔỖỐỘ", ("OÂ", "OÀ", "OÅ", "OÃ", "OÁ", "OÄ")),
    ("ƠỜỞỠỚỢ", ("Ô", "ÔØ", "ÔÛ", "ÔÕ", "ÔÙ", "ÔÏ")),
    ("UÙỦŨÚỤ", ("U", "UØ", "UÛ", "UÕ", "UÙ", "UÏ")),
    ("ƯỪỬỮỨỰ", ("Ö", "ÖØ", "ÖÛ", "ÖÕ", "ÖÙ", "ÖÏ")),
    ("YỲỶỸÝỴ", ("Y", "YØ", "YÛ", "YÕ", "YÙ", "Î")),
    ("Đ", ("Ñ",)),
)


_K = TypeVar("_K")
_V = TypeVar("_V")


def _invert(mapping: Mapping[_K, _V], what: str) -> dict[_V, _K]:
    """Return the inverse of a mapping, refusing one that is not one to one."""
    inverse: dict[_V, _K] = {}
    for key, value in mapping.items():
        if value in inverse:
            raise RuntimeError(
                f"{what} table maps both {inverse[value]!r} and {key!r} to {value!r}"
            )
        inverse[value] = key
    return inverse


def _tcvn3_encode_map() -> dict[str, int]:
    """Return the TCVN3 table as letter -> byte."""
    table: dict[str, int] = {}
    for letters, codes in _TCVN3_TABLE:
        for letter, code in zip(letters, codes, strict=True):
            table[letter] = code
    return table


def _vni_encode_map() -> dict[str, bytes]:
    """Return the VNI table as letter -> bytes."""
    table: dict[str, bytes] = {}
    for letters, spellings in _VNI_TABLE:
        for letter, spelling in zip(letters, spellings, strict=True):
            table[letter] = spelling.encode("latin-1")
    return table


TCVN3_ENCODE: Final = _tcvn3_encode_map()
_TCVN3_DECODE: Final = _invert(TCVN3_ENCODE, "TCVN3")
# str.translate tables applied to the Latin-1 reading of the bytes; only non-ASCII codes matter.
# The strict one, used to score candidates, marks bytes TCVN3 does not use.
TCVN3_TRANSLATE: Final = {code: letter for code, letter in _TCVN3_DECODE.items() if code >= 0x80}
TCVN3_TRANSLATE_STRICT: Final = {b: TCVN3_TRANSLATE.get(b, "\ufffd") for b in range(0x80, 0x100)}
# Small letters decoded from non-ASCII codes: .VnTimeH text uses the same codes for capitals, so
# their case in decoded text carries no information.
TCVN3_CASELESS: Final = frozenset(letter for letter in TCVN3_TRANSLATE.values() if letter.islower())

VNI_ENCODE: Final = _vni_encode_map()


def _vni_decode_map() -> dict[bytes, str]:
    """Return the VNI table as bytes -> letter, also accepting a mark of the other case."""
    table = _invert(VNI_ENCODE, "VNI")
    # Text that went through a case change outside a VNI-aware tool can pair a base letter with
    # a mark byte of the other case ("Aù"); the case of the base letter decides.
    for spelling, letter in list(table.items()):
        if len(spelling) == 2 and spelling[1] >= 0x80:
            table.setdefault(bytes((spelling[0], spelling[1] ^ 0x20)), letter)
    return table


VNI_DECODE: Final = _vni_decode_map()

# cp1258 bytes whose meaning differs from Latin-1, as a str.translate table; the nine bytes the
# codec leaves undefined keep their Latin-1 meaning so that decoding never fails.
CP1258_TRANSLATE: Final = {
    byte: char
    for byte, char in (
        (b, bytes((b,)).decode("cp1258", errors="replace")) for b in range(0x80, 0x100)
    )
    if char not in (chr(byte), "\ufffd")
}
CP1258_TRANSLATE_STRICT: Final = {
    **CP1258_TRANSLATE,
    **{
        b: "\ufffd"
        for b in range(0x80, 0x100)
        if bytes((b,)).decode("cp1258", errors="replace") == "\ufffd"
    },
}


def nfc(text: str) -> str:
    """Return text in Unicode normal form C."""
    return unicodedata.normalize("NFC", text)


def no_code(char: str, encoding: str) -> ValueError:
    """Return the error for a character that the target encoding cannot represent."""
    name = unicodedata.name(char, "unnamed character")
    return ValueError(f"character {char!r} (U+{ord(char):04X} {name}) has no {encoding} code")
