"""Decide the encoding of a whole column of DBF values: the one whose decoding reads most like
Vietnamese syllables."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Final

from app.ingest.vntext.legacy import decode_cp1258_raw, decode_tcvn3_raw, decode_vni_raw, utf8_text
from app.ingest.vntext.tables import ACUTE, DOT, TONE_MARKS, nfc

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
    tones = [c for c in parts if c in TONE_MARKS]
    if len(tones) > 1:
        return False
    bare = nfc("".join(c for c in parts if c not in TONE_MARKS))
    if not _SYLLABLE.fullmatch(bare):
        return False
    # A syllable closed by p, t, c or ch carries the acute or the dot-below tone only.
    return not _STOP_CODA.search(bare) or tones in ([ACUTE], [DOT])


def _plausibility(text: str) -> int:
    """Return how Vietnamese decoded text looks: +1 per good syllable, -1 per bad token."""
    score = 0
    # Only words with a non-ASCII letter say anything; ASCII reads the same in every candidate.
    for token in re.findall(r"[^\W\d_]+|[^\x00-\x7f\s]", nfc(text)):
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
    "tcvn3": decode_tcvn3_raw,
    "vni": decode_vni_raw,
    "cp1258": decode_cp1258_raw,
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
    as_utf8 = [utf8_text(v) for v in distinct]
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
