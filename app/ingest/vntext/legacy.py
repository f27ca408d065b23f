"""Encode and decode each encoding, one table per encoding read both ways; UTF-8 and ASCII
and the dispatch by name."""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Final

from app.ingest.vntext.tables import (
    CP1258_TRANSLATE,
    CP1258_TRANSLATE_STRICT,
    ENCODINGS,
    TCVN3_CASELESS,
    TCVN3_ENCODE,
    TCVN3_TRANSLATE,
    TCVN3_TRANSLATE_STRICT,
    TONE_MARKS,
    VNI_DECODE,
    VNI_ENCODE,
    nfc,
    no_code,
)

# ---------------------------------------------------------------------------------------------
# TCVN3
# ---------------------------------------------------------------------------------------------


def encode_tcvn3(text: str) -> bytes:
    """Return text encoded in TCVN3, upper-case toned vowels written with lower-case codes."""
    out = bytearray()
    for char in nfc(text):
        code = TCVN3_ENCODE.get(char)
        if code is None and char.isascii():
            code = ord(char)
        if code is None and char.isupper():
            # No upper-case code exists: write the lower-case letter, as .VnTimeH users do.
            code = TCVN3_ENCODE.get(char.lower())
        if code is None:
            raise no_code(char, "TCVN3")
        out.append(code)
    return bytes(out)


def decode_tcvn3_raw(data: bytes, strict: bool) -> str:
    """Return TCVN3 bytes as text; unmapped non-ASCII bytes become U+FFFD when strict."""
    return data.decode("latin-1").translate(TCVN3_TRANSLATE_STRICT if strict else TCVN3_TRANSLATE)


_WORD: Final = re.compile(r"[^\W\d_]+")


def _restore_capitals(word: re.Match[str]) -> str:
    """Return a TCVN3-decoded word upper-cased when its unambiguous letters are all capitals."""
    text = word.group()
    # ASCII letters and the seven upper-case codes show the case the writer meant; the other
    # Vietnamese letters exist only as lower-case codes and show nothing. Two or more capitals and
    # no small letter among the former is an all-capitals word typed in a .VnTimeH font; one
    # capital is more likely a capitalised word ("Mở" must not become "MỞ").
    evidence = [c for c in text if c not in TCVN3_CASELESS]
    if (
        len(evidence) >= 2
        and all(c.isupper() for c in evidence)
        and any(c in TCVN3_CASELESS for c in text)
    ):
        return "".join(c.upper() if c in TCVN3_CASELESS else c for c in text)
    return text


def decode_tcvn3(data: bytes) -> str:
    """Return TCVN3 bytes decoded to NFC text, all-capital words restored to capitals.

    A word is upper-cased when it holds at least two letters whose case the bytes do show
    (ASCII letters, Ă Â Ê Ô Ơ Ư Đ) and all of those are capitals: "HUYÖN" decodes to "HUYỆN".
    Otherwise letters decode as their codes say, so a lone capital such as "Ấ" comes back as
    "ấ" and "MỞ" as "Mở".
    """
    return nfc(_WORD.sub(_restore_capitals, decode_tcvn3_raw(data, strict=False)))


# ---------------------------------------------------------------------------------------------
# VNI-Windows
# ---------------------------------------------------------------------------------------------


def encode_vni(text: str) -> bytes:
    """Return text encoded in VNI-Windows."""
    out = bytearray()
    for char in nfc(text):
        spelling = VNI_ENCODE.get(char)
        if spelling is None:
            if not char.isascii():
                raise no_code(char, "VNI")
            spelling = char.encode("ascii")
        out += spelling
    return bytes(out)


def decode_vni_raw(data: bytes, strict: bool) -> str:
    """Return VNI bytes as text; unmatched non-ASCII bytes become U+FFFD when strict."""
    out: list[str] = []
    i = 0
    while i < len(data):
        # Longest match first: a base letter with its mark, then a single byte.
        letter = VNI_DECODE.get(data[i : i + 2])
        if letter is not None:
            out.append(letter)
            i += 2
            continue
        letter = VNI_DECODE.get(data[i : i + 1])
        if letter is None:
            # A mark without a base, or a byte VNI does not use: keep its Latin-1 meaning.
            letter = "\ufffd" if strict and data[i] >= 0x80 else chr(data[i])
        out.append(letter)
        i += 1
    return "".join(out)


def decode_vni(data: bytes) -> str:
    """Return VNI-Windows bytes decoded to NFC text."""
    return nfc(decode_vni_raw(data, strict=False))


# ---------------------------------------------------------------------------------------------
# Windows-1258
# ---------------------------------------------------------------------------------------------


def encode_cp1258(text: str) -> bytes:
    """Return text encoded in cp1258 as Windows writes it, tones as combining marks if needed."""
    out = bytearray()
    for char in nfc(text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        # cp1258 has no precomposed toned letter beyond Latin-1's: write the letter without its
        # tone (ê, ơ, ă ... are in the code page) and then the tone as a combining mark.
        parts = unicodedata.normalize("NFD", char)
        tones = [c for c in parts if c in TONE_MARKS]
        base = nfc("".join(c for c in parts if c not in TONE_MARKS))
        try:
            out += (base + "".join(tones)).encode("cp1258")
        except UnicodeEncodeError:
            raise no_code(char, "cp1258") from None
    return bytes(out)


def decode_cp1258_raw(data: bytes, strict: bool) -> str:
    """Return cp1258 bytes as text; undefined bytes become U+FFFD when strict."""
    return data.decode("latin-1").translate(CP1258_TRANSLATE_STRICT if strict else CP1258_TRANSLATE)


def decode_cp1258(data: bytes) -> str:
    """Return cp1258 bytes decoded to NFC text, combining tone marks composed."""
    return nfc(decode_cp1258_raw(data, strict=False))


# ---------------------------------------------------------------------------------------------
# UTF-8 and dispatch
# ---------------------------------------------------------------------------------------------

# DBF pads values with spaces (and some writers with NULs) after the text.
_PADDING: Final = b" \x00"


def utf8_text(data: bytes) -> str | None:
    """Return data decoded as UTF-8, minus a character cut off at the end; None if not UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        return decoder.decode(data.rstrip(_PADDING), final=False)
    except UnicodeDecodeError:
        return None


def _decode_utf8(data: bytes) -> str:
    """Return UTF-8 bytes as NFC text, dropping a character cut off by the field width."""
    try:
        return nfc(data.decode("utf-8"))
    except UnicodeDecodeError:
        # A fixed-width DBF field can end in the middle of a multi-byte character; anything
        # else that is not UTF-8 still raises.
        core = data.rstrip(_PADDING)
        text = codecs.getincrementaldecoder("utf-8")().decode(core, final=False)
        return nfc(text + data[len(core) :].decode("ascii"))


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
