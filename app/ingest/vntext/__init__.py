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

from app.ingest.vntext.detection import detect_encoding
from app.ingest.vntext.legacy import (
    decode,
    decode_cp1258,
    decode_tcvn3,
    decode_vni,
    encode_cp1258,
    encode_tcvn3,
    encode_vni,
)
from app.ingest.vntext.tables import ENCODINGS

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
