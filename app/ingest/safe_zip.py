"""Read a zip's central directory without trusting it.

Before any member is decoded, the whole directory is checked: the entry count (walked by
hand, before zipfile builds an object per entry), path tricks in the names, links, encryption,
declared sizes and ratios (bombs) and entries that share or overlap data. What comes out is
the list of members, each with where its compressed bytes start, for zip_members to decode.
Every refusal is a FileRefused with the HTTP status and a short reason.
"""

from __future__ import annotations

import io
import itertools
import re
import stat
import struct
import zipfile
from dataclasses import dataclass, field
from typing import BinaryIO

from app.errors import FileRefused
from app.ingest.file_kinds import EMPTY_ZIP_MAGIC, ZIP_MAGIC

__all__ = ["Member", "UploadLimits", "bad_zip", "human_size", "read_members"]


@dataclass(frozen=True)
class UploadLimits:
    """How big and how many an upload's zip members may be."""

    max_files: int = 500  # members in a zip
    max_total_uncompressed: int = 4 * 1024**3  # bytes, all members together
    max_member_ratio: float = 200.0  # uncompressed / compressed, per member (bomb)
    min_ratio_size: int = 1024 * 1024  # ratio is only checked above this uncompressed size


_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # 30 bytes, then the name and the extra field
_END_RECORD = struct.Struct("<4s4H2LH")  # 22 bytes, then the archive comment

_ZIP64_LOCATOR_SIZE = 20
_ZIP64_END = struct.Struct("<4sQ2H2L4Q")  # 56 bytes
_CENTRAL_HEADER_SIZE = 46

_FLAG_ENCRYPTED = 0x0001
_FLAG_STRONG_ENCRYPTION = 0x0040

_DRIVE = re.compile(r"[A-Za-z]:")

# What zipfile's directory parser lets through on crafted input (struct.error for short
# records, UnicodeDecodeError for a bad UTF-8 name, NotImplementedError for a "needs version
# 9.9" entry, OverflowError/ValueError for absurd offsets...): all mean "not a usable zip".
_PARSE_ERRORS = (
    zipfile.BadZipFile,
    NotImplementedError,
    EOFError,
    OSError,
    ValueError,
    OverflowError,
    IndexError,
    KeyError,
    struct.error,
)


@dataclass
class Member:
    """One zip entry, with its name split the way the dataset search needs it."""

    info: zipfile.ZipInfo
    name: str  # as in the zip, for messages and Dataset.members
    parts: tuple[str, ...]  # path components, "\\" taken as a separator, "" and "." dropped
    is_dir: bool
    data_offset: int = field(default=-1)  # where its compressed bytes start; set by _locate

    @property
    def base(self) -> str:
        """Return the file name without its folder."""
        return self.parts[-1] if self.parts else ""

    @property
    def ext(self) -> str:
        """Return the lower-case extension, dot included ("" when there is none)."""
        stem, dot, ext = self.base.rpartition(".")
        return f".{ext.lower()}" if dot and stem else ""

    @property
    def key(self) -> tuple[str, str]:
        """Return the folder and stem, lower-cased: what ties a .shp to its sidecars."""
        return ("/".join(self.parts[:-1]).lower(), self.base.rpartition(".")[0].lower())

    @property
    def junk(self) -> bool:
        """Return whether this is macOS metadata or a hidden file, never part of a dataset."""
        return any(part.startswith(".") or part.lower() == "__macosx" for part in self.parts)


def read_members(upload: BinaryIO, limits: UploadLimits) -> list[Member]:
    """Return the zip's members, located, after checking the whole directory is safe."""
    size = upload.seek(0, io.SEEK_END)
    _check_entry_count(upload, size, limits.max_files)
    try:
        with zipfile.ZipFile(upload) as archive:
            infos = archive.infolist()
    except _PARSE_ERRORS as exc:
        raise FileRefused(
            f"the zip file is damaged and cannot be read ({exc}); zip the files again",
            status=422,
            slug="bad-zip",
        ) from exc
    members = _check_members(infos, limits)
    _locate(upload, members, size)
    return members


def _check_entry_count(upload: BinaryIO, size: int, max_files: int) -> None:
    """Refuse a zip with too many entries before zipfile builds an object for each of them.

    zipfile walks the whole central directory, whatever the entry count the end record
    claims; a small upload can hold millions of 46-byte entries. The same walk is done here,
    counting only. Whatever does not parse is left to zipfile, which refuses it.
    """
    tail_size = min(size, _END_RECORD.size + 0xFFFF)
    upload.seek(size - tail_size)
    tail = upload.read(tail_size)
    # the end record is looked for where zipfile looks: at the very end, else the last one
    end = tail[-_END_RECORD.size :]
    if end.startswith(EMPTY_ZIP_MAGIC) and end.endswith(b"\x00\x00"):
        at = len(tail) - _END_RECORD.size
    else:
        at = tail.rfind(EMPTY_ZIP_MAGIC)
    if at < 0 or at + _END_RECORD.size > len(tail):
        return
    directory_size: int = _END_RECORD.unpack_from(tail, at)[5]
    directory_end = size - tail_size + at
    zip64_at = directory_end - _ZIP64_LOCATOR_SIZE - _ZIP64_END.size
    if zip64_at >= 0:
        upload.seek(directory_end - _ZIP64_LOCATOR_SIZE)
        locator = upload.read(4)
        upload.seek(zip64_at)
        record = upload.read(_ZIP64_END.size)
        if locator == b"PK\x06\x07" and record.startswith(b"PK\x06\x06"):
            directory_size = _ZIP64_END.unpack(record)[8]
            directory_end = zip64_at
    start = directory_end - directory_size
    if start < 0:
        return
    upload.seek(start)
    directory = upload.read(directory_size)
    position = count = 0
    while position < directory_size:
        header_end = position + _CENTRAL_HEADER_SIZE
        if header_end > len(directory) or directory[position : position + 4] != b"PK\x01\x02":
            return
        name_size, extra_size, comment_size = struct.unpack_from("<3H", directory, position + 28)
        position = header_end + name_size + extra_size + comment_size
        count += 1
        if count > max_files:
            raise _too_many_files(max_files)


def _too_many_files(max_files: int) -> FileRefused:
    return FileRefused(
        f"the zip holds more than {max_files} files; zip only the dataset's files",
        status=413,
        slug="too-many-files",
    )


def _check_members(infos: list[zipfile.ZipInfo], limits: UploadLimits) -> list[Member]:
    """Return the zip's entries, refusing unsafe names, links, encryption and bombs."""
    if len(infos) > limits.max_files:
        raise _too_many_files(limits.max_files)
    members: list[Member] = []
    for info in infos:
        # orig_filename: zipfile cuts .filename at a NUL, hiding the trick
        name = info.orig_filename
        problem = _name_problem(name)
        if problem:
            raise FileRefused(
                f"the zip member {name!r} {problem}; zip the files again from their own folder",
                status=422,
                slug="zip-slip",
            )
        path = name.replace("\\", "/")
        parts = tuple(part for part in path.split("/") if part not in ("", "."))
        member = Member(info=info, name=name, parts=parts, is_dir=path.endswith("/"))
        kind = _non_regular(member)
        if kind:
            raise FileRefused(
                f"the zip member {name!r} is {kind}, not a regular file; zip the files "
                "themselves, not links to them",
                status=422,
                slug="zip-link",
            )
        if info.flag_bits & (_FLAG_ENCRYPTED | _FLAG_STRONG_ENCRYPTION):
            raise FileRefused(
                f"the zip member {name!r} is password-protected; zip the files again "
                "without a password",
                status=422,
                slug="zip-encrypted",
            )
        members.append(member)
    total = sum(info.file_size for info in infos)
    if total > limits.max_total_uncompressed:
        raise FileRefused(
            f"the zip would unpack to {human_size(total)}, more than the "
            f"{human_size(limits.max_total_uncompressed)} accepted; split the upload",
            status=413,
            slug="too-large",
        )
    for member in members:
        info = member.info
        # compared by multiplying: a member declaring 0 compressed bytes has no finite ratio
        if (
            info.file_size > limits.min_ratio_size
            and info.file_size > limits.max_member_ratio * info.compress_size
        ):
            raise FileRefused(
                f"the zip member {member.name!r} claims to expand from {info.compress_size} to "
                f"{info.file_size} bytes, more than {limits.max_member_ratio:g} times, which is "
                "how zip bombs look; zip the real files again",
                status=413,
                slug="zip-bomb",
            )
    return members


def _name_problem(name: str) -> str | None:
    """Return what makes a member name unsafe as a path, or None when it is harmless."""
    if "\x00" in name:
        return "has a NUL byte in its name"
    # Windows tools may write "\" as the separator: taken as one, "..\x" is caught below
    path = name.replace("\\", "/")
    if path.startswith("/"):
        return "has an absolute path"
    if _DRIVE.match(path):
        return "starts with a drive letter"
    # Windows drops trailing dots and spaces, so "... " or ". ." would act as ".." there
    if any(part.rstrip(". ") == "" and part not in ("", ".") for part in path.split("/")):
        return "climbs out of its folder with '..'"
    return None


def _non_regular(member: Member) -> str | None:
    """Return what kind of special file the entry is (from its Unix mode), or None."""
    mode = member.info.external_attr >> 16
    file_type = stat.S_IFMT(mode)
    # no Unix mode at all (zips made on Windows): a plain file or directory
    if file_type in (0, stat.S_IFREG):
        return None
    if file_type == stat.S_IFDIR:
        return None if member.is_dir else "a directory entry without a trailing slash"
    if file_type == stat.S_IFLNK:
        return "a symbolic link"
    return "a device, pipe or socket"


def _locate(upload: BinaryIO, members: list[Member], size: int) -> None:
    """Find where each member's data starts; refuse entries that share or overlap data.

    An "overlapping" zip bomb (CVE-2024-0450) points many directory entries at one
    highly compressed stream, so each decodes it again; Python 3.11.7's zipfile lets that
    through. In a sane zip, each entry's local header and data end before the next begins.
    """
    spans: list[tuple[int, int, Member]] = []
    for member in members:
        offset = member.info.header_offset
        if offset < 0 or offset + _LOCAL_HEADER.size > size:
            raise bad_zip(member, "its header lies outside the file")
        upload.seek(offset)
        header = upload.read(_LOCAL_HEADER.size)
        if len(header) != _LOCAL_HEADER.size or not header.startswith(ZIP_MAGIC):
            raise bad_zip(member, "its header is not where the zip's directory says")
        name_size, extra_size = struct.unpack_from("<2H", header, 26)
        member.data_offset = offset + _LOCAL_HEADER.size + name_size + extra_size
        end = member.data_offset + member.info.compress_size
        if end > size:
            raise bad_zip(member, "its data runs past the end of the file (truncated upload?)")
        spans.append((offset, end, member))
    spans.sort(key=lambda span: span[0])
    for (offset, end, member), (next_offset, _, following) in itertools.pairwise(spans):
        if next_offset == offset or end > next_offset:
            raise FileRefused(
                f"the zip members {member.name!r} and {following.name!r} overlap (share "
                "compressed data), which is how zip bombs are built; zip the files again",
                status=413,
                slug="zip-bomb",
            )


def bad_zip(member: Member, problem: str) -> FileRefused:
    """Return the refusal of a damaged member, saying what is wrong with it."""
    return FileRefused(
        f"the zip member {member.name!r} is damaged: {problem}; zip the files again",
        status=422,
        slug="bad-zip",
    )


def human_size(size: int) -> str:
    """Return a byte count the way a person reads it."""
    if size >= 1024**3:
        return f"{size / 1024**3:.1f} GiB"
    return f"{size / 1024**2:.1f} MiB"
