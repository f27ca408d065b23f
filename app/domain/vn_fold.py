"""Vietnamese text compared the way people type it: without tone marks, with or without
diacritics ("Phuong Bich Dong" finds "Phường Bích Động"), case ignored."""

from __future__ import annotations

import unicodedata

_LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_TONES = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng


def _folded(char: str) -> str:
    if char == "đ":
        return "d"
    return "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))


def _alphabet() -> list[str]:
    chars = set()
    for letter in _LETTERS:
        chars.add(letter)
        if letter in "aăâeêioôơuưy":
            chars.update(unicodedata.normalize("NFC", letter + tone) for tone in _TONES)
    marked = sorted(c for c in chars if _folded(c) != c)
    # upper case too: lower() in a database of the C locale changes ASCII letters only
    return marked + [c.upper() for c in marked]


# for SQL's translate(lower(text), FOLD_FROM, FOLD_TO): one character for one
FOLD_FROM = "".join(_alphabet())
FOLD_TO = "".join(_folded(c.lower()) for c in FOLD_FROM)


def fold(text: str) -> str:
    """Return `text` in lower case without diacritics, as FOLD_FROM/FOLD_TO fold it in SQL."""
    lowered = unicodedata.normalize("NFC", text).lower()
    return lowered.translate(str.maketrans(FOLD_FROM, FOLD_TO))
