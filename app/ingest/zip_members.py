"""Decode a zip member's bytes, counting every one of them.

Members are decoded here rather than by zipfile so that each byte is checked against the size
the directory declared (which the bomb checks used) and against one budget for the whole
upload, in bounded chunks whatever the compression ratio, and the checksum is verified.
"""

from __future__ import annotations

import bz2
import itertools
import lzma
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from app.errors import FileRefused
from app.ingest.safe_zip import Member, bad_zip, human_size

__all__ = ["Budget", "extract", "read_small"]

# Decoded data moves through buffers of this size: memory stays bounded whatever the ratio.
_CHUNK = 64 * 1024
# the methods Python can decode: stored, deflate, bzip2, LZMA (not Deflate64, not AES)
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
# What decoding a member can raise when its compressed data is corrupt.
_DECODE_ERRORS = (zlib.error, lzma.LZMAError, EOFError, OSError, ValueError, struct.error)


class Budget:
    """Bytes the extraction may still write, all members together."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.left = limit

    def take(self, size: int) -> None:
        """Count `size` more bytes; refuse once the limit is passed."""
        self.left -= size
        if self.left < 0:
            raise FileRefused(
                f"the zip unpacks to more than the {human_size(self.limit)} accepted; "
                "split the upload",
                status=413,
                slug="too-large",
            )


def extract(upload: BinaryIO, member: Member, target: Path, budget: Budget) -> None:
    """Write the member's decoded bytes to `target`, a fixed name that must not exist yet."""
    with target.open("xb") as out:
        for chunk in _decoded(upload, member, budget):
            out.write(chunk)


def read_small(upload: BinaryIO, member: Member, limit: int, budget: Budget) -> bytes | None:
    """Return a small member's decoded bytes, or None when it declares more than `limit`."""
    if member.info.file_size > limit:
        return None
    return b"".join(_decoded(upload, member, budget))


def _decoded(upload: BinaryIO, member: Member, budget: Budget) -> Iterator[bytes]:
    """Yield the member's decoded bytes, refusing as soon as they outgrow the declared size.

    Decoded here rather than by zipfile so every byte is counted against the size the
    directory declared (which the bomb checks used) and the budget, whatever the headers say.
    """
    info = member.info
    if info.compress_type not in _METHODS:
        raise FileRefused(
            f"the zip member {member.name!r} uses compression method {info.compress_type}, "
            "which cannot be read; zip the files again with ordinary (deflate) compression",
            status=422,
            slug="bad-zip",
        )
    written = 0
    crc = 0
    try:
        for chunk in _decode(info.compress_type, _compressed(upload, member)):
            written += len(chunk)
            if written > info.file_size:
                raise FileRefused(
                    f"the zip member {member.name!r} unpacks to more than the {info.file_size} "
                    "bytes it declares, which is how zip bombs look; zip the real files again",
                    status=413,
                    slug="zip-bomb",
                )
            budget.take(len(chunk))
            crc = zlib.crc32(chunk, crc)
            yield chunk
    except _DECODE_ERRORS as exc:
        raise bad_zip(member, f"its data does not decompress ({exc})") from exc
    if written != info.file_size:
        raise bad_zip(member, f"it unpacks to {written} bytes, not the {info.file_size} declared")
    if crc != info.CRC:
        raise bad_zip(member, "its checksum does not match its content")


def _compressed(upload: BinaryIO, member: Member) -> Iterator[bytes]:
    """Yield the member's compressed bytes from the upload, in bounded chunks."""
    upload.seek(member.data_offset)
    left = member.info.compress_size
    while left > 0:
        chunk = upload.read(min(left, _CHUNK))
        if not chunk:
            raise EOFError("the data is cut short")
        left -= len(chunk)
        yield chunk


def _decode(method: int, compressed: Iterator[bytes]) -> Iterator[bytes]:
    """Yield decoded chunks of at most _CHUNK bytes (method: one of _METHODS)."""
    if method == zipfile.ZIP_DEFLATED:
        return _inflate(compressed)
    if method == zipfile.ZIP_BZIP2:
        return _drain(bz2.BZ2Decompressor(), compressed)
    if method == zipfile.ZIP_LZMA:
        return _unlzma(compressed)
    return compressed  # stored


def _inflate(compressed: Iterator[bytes]) -> Iterator[bytes]:
    decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
    for chunk in compressed:
        data = chunk
        while data and not decompressor.eof:
            yield decompressor.decompress(data, _CHUNK)
            data = decompressor.unconsumed_tail
        # the last call may have stopped at _CHUNK with output still pending
        while not decompressor.eof:
            pending = decompressor.decompress(b"", _CHUNK)
            if not pending:
                break
            yield pending
        if decompressor.eof:
            return


def _drain(
    decompressor: bz2.BZ2Decompressor | lzma.LZMADecompressor, compressed: Iterable[bytes]
) -> Iterator[bytes]:
    for chunk in compressed:
        if decompressor.eof:
            return  # bytes after the end of the stream are ignored, as zipfile does
        yield decompressor.decompress(chunk, _CHUNK)
        while not decompressor.eof and not decompressor.needs_input:
            yield decompressor.decompress(b"", _CHUNK)


def _unlzma(compressed: Iterator[bytes]) -> Iterator[bytes]:
    """Decode a zip LZMA member: a 4-byte version/size header, 5 property bytes, raw LZMA1."""
    head = b""
    for chunk in compressed:
        head += chunk
        if len(head) >= 9:
            break
    if len(head) < 9 or struct.unpack_from("<H", head, 2)[0] != 5:
        raise ValueError("bad LZMA header")
    properties = head[4]
    if properties >= 9 * 5 * 5:
        raise ValueError("bad LZMA properties")
    position_bits, rest = divmod(properties, 9 * 5)
    literal_position_bits, literal_context_bits = divmod(rest, 9)
    decompressor = lzma.LZMADecompressor(
        lzma.FORMAT_RAW,
        filters=[
            {
                "id": lzma.FILTER_LZMA1,
                "dict_size": struct.unpack_from("<L", head, 5)[0],
                "lc": literal_context_bits,
                "lp": literal_position_bits,
                "pb": position_bits,
            }
        ],
    )
    return _drain(decompressor, itertools.chain([head[9:]], compressed))
