"""Vietnamese legacy text encodings found in shapefile DBF attributes.

DBF files written by Vietnamese cadastral tools rarely say how their text is encoded (there is
usually no ``.cpg`` file), and three pre-Unicode byte encodings are common besides UTF-8:

TCVN3 (TCVN 5712:1993 "ABC", the ``.VnTime`` fonts)
    One byte per letter. Every lower-case letter with a diacritic has its own code in
    0xA8-0xFE, but of the upper-case ones only Ă Â Ê Ô Ơ Ư Đ (0xA1-0xA7) have codes. Users of
    the ``.VnTimeH`` (all-capitals) fonts type the lower-case codes and let the font draw
    capitals, so decoded text may come out in lower case where the original looked upper case;
    that loss is accepted.
    For the same reason :func:`encode_tcvn3` writes an upper-case toned vowel with the code of
    its lower-case letter (Ấ is written as ấ, 0xCA), which is what a ``.VnTimeH`` user produces.
    :func:`decode_tcvn3` restores capitals only where a word is otherwise unambiguously
    upper case (see :func:`decode_tcvn3`).
VNI-Windows
    An ASCII base letter followed by one mark byte (read as Latin-1, "Việt Yên" is
    "Vieät Yeân"). Circumflex or breve together with a tone is a single mark byte. A few letters
    are single bytes: ơ ư đ (toned ơ and ư add a mark byte), the toned forms of i, and ỵ. Every
    letter has an upper-case form.
Windows-1258 (cp1258)
    Python has the codec, but Windows writes a toned letter as a base letter followed by a
    combining tone mark, so decoded text is normalised to NFC.

Decoding reads bytes one to one as Latin-1 and converts the Vietnamese codes with a table, so no
byte is ever rejected: a byte that has no Vietnamese meaning in the encoding keeps its Latin-1
meaning. Encoding is strict: a character with no code in the target raises ``ValueError``.
ASCII (digits, punctuation, spaces, unaccented letters) passes through unchanged both ways.
Every decoder returns NFC text, and each encoding's encoder and decoder derive from one table.

:func:`detect_encoding` decides the encoding of a whole column, never of single values, because
short values are often ambiguous while a column of them is not.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Final, TypeVar

__all__ = [
    "ENCODINGS",
    "decode",
    "decode_cp1258",
    "decode_tcvn3",
    "decode_vni",
    "detect_encoding",
    "encode_cp1258",
    "encode_tcvn3",
    "encode_vni",
]

#: The names :func:`detect_encoding` returns and :func:`decode` accepts.
ENCODINGS: Final = ("ascii", "utf-8", "tcvn3", "vni", "cp1258")

# The five Vietnamese tones other than level, as Unicode combining marks.
_GRAVE: Final = "\u0300"  # huyền
_HOOK: Final = "\u0309"  # hỏi
_TILDE: Final = "\u0303"  # ngã
_ACUTE: Final = "\u0301"  # sắc
_DOT: Final = "\u0323"  # nặng
_TONE_MARKS: Final = frozenset((_GRAVE, _HOOK, _TILDE, _ACUTE, _DOT))

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


_TCVN3_ENCODE: Final = _tcvn3_encode_map()
_TCVN3_DECODE: Final = _invert(_TCVN3_ENCODE, "TCVN3")
# str.translate tables applied to the Latin-1 reading of the bytes; only non-ASCII codes matter.
# The strict one, used to score candidates, marks bytes TCVN3 does not use.
_TCVN3_TRANSLATE: Final = {code: letter for code, letter in _TCVN3_DECODE.items() if code >= 0x80}
_TCVN3_TRANSLATE_STRICT: Final = {b: _TCVN3_TRANSLATE.get(b, "\ufffd") for b in range(0x80, 0x100)}
# Small letters decoded from non-ASCII codes: .VnTimeH text uses the same codes for capitals, so
# their case in decoded text carries no information.
_TCVN3_CASELESS: Final = frozenset(
    letter for letter in _TCVN3_TRANSLATE.values() if letter.islower()
)

_VNI_ENCODE: Final = _vni_encode_map()


def _vni_decode_map() -> dict[bytes, str]:
    """Return the VNI table as bytes -> letter, also accepting a mark of the other case."""
    table = _invert(_VNI_ENCODE, "VNI")
    # Text that went through a case change outside a VNI-aware tool can pair a base letter with
    # a mark byte of the other case ("Aù"); the case of the base letter decides.
    for spelling, letter in list(table.items()):
        if len(spelling) == 2 and spelling[1] >= 0x80:
            table.setdefault(bytes((spelling[0], spelling[1] ^ 0x20)), letter)
    return table


_VNI_DECODE: Final = _vni_decode_map()

# cp1258 bytes whose meaning differs from Latin-1, as a str.translate table; the nine bytes the
# codec leaves undefined keep their Latin-1 meaning so that decoding never fails.
_CP1258_TRANSLATE: Final = {
    byte: char
    for byte, char in (
        (b, bytes((b,)).decode("cp1258", errors="replace")) for b in range(0x80, 0x100)
    )
    if char not in (chr(byte), "\ufffd")
}
_CP1258_TRANSLATE_STRICT: Final = {
    **_CP1258_TRANSLATE,
    **{
        b: "\ufffd"
        for b in range(0x80, 0x100)
        if bytes((b,)).decode("cp1258", errors="replace") == "\ufffd"
    },
}


def _nfc(text: str) -> str:
    """Return text in Unicode normal form C."""
    return unicodedata.normalize("NFC", text)


def _no_code(char: str, encoding: str) -> ValueError:
    """Return the error for a character that the target encoding cannot represent."""
    name = unicodedata.name(char, "unnamed character")
    return ValueError(f"character {char!r} (U+{ord(char):04X} {name}) has no {encoding} code")


# ---------------------------------------------------------------------------------------------
# TCVN3
# ---------------------------------------------------------------------------------------------


def encode_tcvn3(text: str) -> bytes:
    """Return text encoded in TCVN3, upper-case toned vowels written with lower-case codes."""
    out = bytearray()
    for char in _nfc(text):
        code = _TCVN3_ENCODE.get(char)
        if code is None and char.isascii():
            code = ord(char)
        if code is None and char.isupper():
            # No upper-case code exists: write the lower-case letter, as .VnTimeH users do.
            code = _TCVN3_ENCODE.get(char.lower())
        if code is None:
            raise _no_code(char, "TCVN3")
        out.append(code)
    return bytes(out)


def _decode_tcvn3_raw(data: bytes, strict: bool) -> str:
    """Return TCVN3 bytes as text; unmapped non-ASCII bytes become U+FFFD when strict."""
    return data.decode("latin-1").translate(_TCVN3_TRANSLATE_STRICT if strict else _TCVN3_TRANSLATE)


_WORD: Final = re.compile(r"[^\W\d_]+")


def _restore_capitals(word: re.Match[str]) -> str:
    """Return a TCVN3-decoded word upper-cased when its unambiguous letters are all capitals."""
    text = word.group()
    # ASCII letters and the seven upper-case codes show the case the writer meant; the other
    # Vietnamese letters exist only as lower-case codes and show nothing. Two or more capitals and
    # no small letter among the former is an all-capitals word typed in a .VnTimeH font; one
    # capital is more likely a capitalised word ("Mở" must not become "MỞ").
    evidence = [c for c in text if c not in _TCVN3_CASELESS]
    if (
        len(evidence) >= 2
        and all(c.isupper() for c in evidence)
        and any(c in _TCVN3_CASELESS for c in text)
    ):
        return "".join(c.upper() if c in _TCVN3_CASELESS else c for c in text)
    return text


def decode_tcvn3(data: bytes) -> str:
    """Return TCVN3 bytes decoded to NFC text, all-capital words restored to capitals.

    A word is upper-cased when it holds at least two letters whose case the bytes do show
    (ASCII letters, Ă Â Ê Ô Ơ Ư Đ) and all of those are capitals: "HUYÖN" decodes to "HUYỆN".
    Otherwise letters decode as their codes say, so a lone capital such as "Ấ" comes back as
    "ấ" and "MỞ" as "Mở".
    """
    return _nfc(_WORD.sub(_restore_capitals, _decode_tcvn3_raw(data, strict=False)))


# ---------------------------------------------------------------------------------------------
# VNI-Windows
# ---------------------------------------------------------------------------------------------


def encode_vni(text: str) -> bytes:
    """Return text encoded in VNI-Windows."""
    out = bytearray()
    for char in _nfc(text):
        spelling = _VNI_ENCODE.get(char)
        if spelling is None:
            if not char.isascii():
                raise _no_code(char, "VNI")
            spelling = char.encode("ascii")
        out += spelling
    return bytes(out)


def _decode_vni_raw(data: bytes, strict: bool) -> str:
    """Return VNI bytes as text; unmatched non-ASCII bytes become U+FFFD when strict."""
    out: list[str] = []
    i = 0
    while i < len(data):
        # Longest match first: a base letter with its mark, then a single byte.
        letter = _VNI_DECODE.get(data[i : i + 2])
        if letter is not None:
            out.append(letter)
            i += 2
            continue
        letter = _VNI_DECODE.get(data[i : i + 1])
        if letter is None:
            # A mark without a base, or a byte VNI does not use: keep its Latin-1 meaning.
            letter = "\ufffd" if strict and data[i] >= 0x80 else chr(data[i])
        out.append(letter)
        i += 1
    return "".join(out)


def decode_vni(data: bytes) -> str:
    """Return VNI-Windows bytes decoded to NFC text."""
    return _nfc(_decode_vni_raw(data, strict=False))


# ---------------------------------------------------------------------------------------------
# Windows-1258
# ---------------------------------------------------------------------------------------------


def encode_cp1258(text: str) -> bytes:
    """Return text encoded in cp1258 as Windows writes it, tones as combining marks if needed."""
    out = bytearray()
    for char in _nfc(text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        # cp1258 has no precomposed toned letter beyond Latin-1's: write the letter without its
        # tone (ê, ơ, ă ... are in the code page) and then the tone as a combining mark.
        parts = unicodedata.normalize("NFD", char)
        tones = [c for c in parts if c in _TONE_MARKS]
        base = _nfc("".join(c for c in parts if c not in _TONE_MARKS))
        try:
            out += (base + "".join(tones)).encode("cp1258")
        except UnicodeEncodeError:
            raise _no_code(char, "cp1258") from None
    return bytes(out)


def _decode_cp1258_raw(data: bytes, strict: bool) -> str:
    """Return cp1258 bytes as text; undefined bytes become U+FFFD when strict."""
    return data.decode("latin-1").translate(
        _CP1258_TRANSLATE_STRICT if strict else _CP1258_TRANSLATE
    )


def decode_cp1258(data: bytes) -> str:
    """Return cp1258 bytes decoded to NFC text, combining tone marks composed."""
    return _nfc(_decode_cp1258_raw(data, strict=False))


# ---------------------------------------------------------------------------------------------
# UTF-8 and dispatch
# ---------------------------------------------------------------------------------------------

# DBF pads values with spaces (and some writers with NULs) after the text.
_PADDING: Final = b" \x00"


def _utf8_text(data: bytes) -> str | None:
    """Return data decoded as UTF-8, minus a character cut off at the end; None if not UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        return decoder.decode(data.rstrip(_PADDING), final=False)
    except UnicodeDecodeError:
        return None


def _decode_utf8(data: bytes) -> str:
    """Return UTF-8 bytes as NFC text, dropping a character cut off by the field width."""
    try:
        return _nfc(data.decode("utf-8"))
    except UnicodeDecodeError:
        # A fixed-width DBF field can end in the middle of a multi-byte character; anything
        # else that is not UTF-8 still raises.
        core = data.rstrip(_PADDING)
        text = codecs.getincrementaldecoder("utf-8")().decode(core, final=False)
        return _nfc(text + data[len(core) :].decode("ascii"))


def _decode_ascii(data: bytes) -> str:
    """Return ASCII bytes as text."""
    return data.decode("ascii")


_DECODERS: Final[Mapping[str, Callable[[bytes], str]]] = {
    "ascii": _decode_ascii,
    "utf-8": _decode_utf8,
    "tcvn3": decode_tcvn3,
    "vni": decode_vni,
    "cp1258": decode_cp1258,
}


def decode(data: bytes, encoding: str) -> str:
    """Return data decoded to NFC text from one of the encodings named in ``ENCODINGS``."""
    decoder = _DECODERS.get(encoding.strip().lower())
    if decoder is None:
        raise ValueError(f"unknown encoding {encoding!r}; expected one of {', '.join(ENCODINGS)}")
    return decoder(data)


# ---------------------------------------------------------------------------------------------
# Detection
# ---------------------------------------------------------------------------------------------

# A Vietnamese syllable without its tone: onset, vowel nucleus, coda. Which codas a nucleus
# takes follows the spelling rules: nuclei ending in a glide (ai, ao, ia, ưa, lone y ...) take
# none; ă, â, iê, uô, ươ ... need one; nh and ch follow only a, ê, i, y (anh, ênh, inh, uynh),
# ng and c never follow i or y. Loose enough for every real syllable, strict enough that text
# decoded with the wrong table rarely fits.
_ONSET: Final = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|đ|g|h|k|l|m|n|p|q|r|s|t|v|x"
_OPEN_NUCLEUS: Final = (
    "oai|oao|oay|oeo|uây|uôi|uya|uyu|ươi|ươu|iêu|yêu|"
    "ai|ao|au|ay|âu|ây|eo|êu|ia|iu|oi|ôi|ơi|ua|ui|uơ|ưa|ưi|ưu|y"
)
_NUCLEUS_CODA: Final = (
    ("oa|a", "ng|nh|ch|c|m|n|p|t"),  # anh, ang, oanh, oang
    ("uê|uy|ê|i", "nh|ch|m|n|p|t"),  # ênh, inh, uynh; never ing, ic
    ("oe|e|o|ô|ơ|u|ư", "ng|c|m|n|p|t"),  # eng, ông, ưng; never enh, unh
)
_CLOSED_NUCLEUS: Final = "uyê|oă|uâ|iê|yê|uô|ươ|oo|ă|â"
_CLOSED_CODA: Final = "ng|c|m|n|p|t"
_SYLLABLE: Final = re.compile(
    rf"(?:{_ONSET})?(?:"
    rf"(?:{_OPEN_NUCLEUS})"
    + "".join(f"|(?:{nucleus})(?:{coda})?" for nucleus, coda in _NUCLEUS_CODA)
    + rf"|(?:{_CLOSED_NUCLEUS})(?:{_CLOSED_CODA}))"
)
_STOP_CODA: Final = re.compile("(?:ch|c|p|t)$")


@lru_cache(maxsize=8192)
def _is_syllable(word: str) -> bool:
    """Return whether a lower-case word is a well-formed Vietnamese syllable."""
    parts = unicodedata.normalize("NFD", word)
    tones = [c for c in parts if c in _TONE_MARKS]
    if len(tones) > 1:
        return False
    bare = _nfc("".join(c for c in parts if c not in _TONE_MARKS))
    if not _SYLLABLE.fullmatch(bare):
        return False
    # A syllable closed by p, t, c or ch carries the acute or the dot-below tone only.
    return not _STOP_CODA.search(bare) or tones in ([_ACUTE], [_DOT])


def _plausibility(text: str) -> int:
    """Return how Vietnamese decoded text looks: +1 per good syllable, -1 per bad token."""
    score = 0
    # Only words with a non-ASCII letter say anything; ASCII reads the same in every candidate.
    for token in re.findall(r"[^\W\d_]+|[^\x00-\x7f\s]", _nfc(text)):
        if token.isascii():
            continue
        if not token.isalpha():
            score -= 1  # a symbol, stray combining mark or byte the encoding does not define
        else:
            score += 1 if _is_syllable(token.lower()) else -1
    return score


# Byte patterns typical of each candidate, used to break a tie in plausibility.
_MARKERS: Final[Mapping[str, re.Pattern[bytes]]] = {
    # Ă Â Ê Ô Ơ Ư Đ ă â ê ô ơ ư đ: Latin-1 has only rare symbols there.
    "tcvn3": re.compile(rb"[\xa1-\xae]"),
    # A vowel followed by a VNI mark byte.
    "vni": re.compile(
        rb"[aeiouyAEIOUY\xd4\xd6\xf4\xf6]"
        rb"[\xc0-\xc5\xc8-\xcb\xcf\xd5\xd8-\xdc\xe0-\xe5\xe8-\xeb\xef\xf5\xf8-\xfc]"
    ),
    # A letter followed by a combining tone mark.
    "cp1258": re.compile(rb"[A-Za-z\xc0-\xff][\xcc\xd2\xde\xec\xf2]"),
}

_RAW_DECODERS: Final[Mapping[str, Callable[[bytes, bool], str]]] = {
    "tcvn3": _decode_tcvn3_raw,
    "vni": _decode_vni_raw,
    "cp1258": _decode_cp1258_raw,
}


def detect_encoding(values: Iterable[bytes]) -> str:
    """Return the encoding name (one of ``ENCODINGS``) that best explains a column of values.

    ``ascii`` when no byte is above 0x7F; ``utf-8`` when every value is UTF-8 (a character cut
    off by the field width is allowed) and at least one complete non-ASCII character occurs;
    otherwise the legacy encoding whose decoding reads most like Vietnamese, counting each
    distinct value once. Each word holding a non-ASCII letter
    scores +1 when it is a well-formed Vietnamese syllable and -1 when it is not, and every
    non-letter, non-ASCII character (including bytes the encoding leaves undefined) scores -1.
    Ties go to the encoding with more values showing its marker bytes, then to TCVN3, VNI,
    cp1258 in that order (TCVN3 first as the most widespread in Vietnamese GIS data). When no
    encoding scores above zero the text is not Vietnamese, and the answer is ``cp1258``, which
    reads Western European Latin-1 text nearly as written.
    """
    distinct = [v for v in dict.fromkeys(bytes(v) for v in values) if not v.isascii()]
    if not distinct:
        return "ascii"
    as_utf8 = [_utf8_text(v) for v in distinct]
    # A cut-off character alone is no evidence: legacy values often end in one high byte
    # ("ThÞ" is TCVN3 for "Thị"), so at least one complete multi-byte character is required.
    if all(t is not None for t in as_utf8) and any(t and not t.isascii() for t in as_utf8):
        return "utf-8"
    ranked: list[tuple[int, int, int, str]] = []
    for order, (name, raw_decode) in enumerate(_RAW_DECODERS.items()):
        score = sum(_plausibility(raw_decode(v, True)) for v in distinct)
        markers = sum(1 for v in distinct if _MARKERS[name].search(v))
        ranked.append((score, markers, -order, name))
    score, _, _, name = max(ranked)
    return name if score > 0 else "cp1258"
