"""A zip is read without trusting it: path tricks, links, counts, bombs, encryption and damage
are refused before anything is written, and only ever as FileRefused."""

from __future__ import annotations

import random
import shutil
import stat
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from app.errors import FileRefused
from app.ingest.upload import UploadLimits, open_upload
from tests.ingest.uploads import (
    MiB,
    Raw,
    make_zip,
    named,
    raw,
    raw_zip,
    refusal,
    write,
    zeros_deflated,
)


@pytest.mark.parametrize(
    "name",
    [
        b"../evil.shp",
        b"/etc/x.shp",
        b"C:\\x.shp",
        b"c:x.shp",
        b"..\\evil.shp",
        b"survey/../../evil.shp",
        b"\\\\server\\share\\x.shp",
        b"x.shp\x00.txt",
        b".. /evil.shp",
        b"survey/. ./evil.shp",
    ],
)
def test_path_tricks_in_names_are_zip_slip(name: bytes, tmp_path: Path, workdir: Path) -> None:
    path = write(tmp_path / "up.zip", raw_zip([raw(name, b"\x00\x00\x27\x0a")]))
    refused = refusal(path, workdir)
    assert (refused.status, refused.slug) == (422, "zip-slip")
    assert list(workdir.iterdir()) == []


def test_a_path_trick_outside_the_dataset_still_refuses_the_zip(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    members = [raw(name, data) for name, data in named(parts).items()]
    members.append(raw("../../etc/cron.d/job", b"* * * * * root true\n"))
    refused = refusal(write(tmp_path / "up.zip", raw_zip(members)), workdir)
    assert refused.slug == "zip-slip"
    assert list(workdir.iterdir()) == []


@pytest.mark.parametrize(
    "mode",
    [stat.S_IFLNK | 0o777, stat.S_IFIFO | 0o644, stat.S_IFCHR | 0o644, stat.S_IFDIR | 0o755],
    ids=["symlink", "fifo", "device", "directory-named-like-a-file"],
)
def test_links_and_special_files_are_refused(
    mode: int, parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    path = tmp_path / "up.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in named(parts, exts=(".shx", ".dbf")).items():
            zf.writestr(name, data)
        link = zipfile.ZipInfo("parcels.shp")
        link.external_attr = mode << 16
        zf.writestr(link, "/etc/passwd")
    refused = refusal(path, workdir)
    assert (refused.status, refused.slug) == (422, "zip-link")
    assert "parcels.shp" in str(refused)


@pytest.mark.parametrize("lying_count", [False, True], ids=["honest-count", "lying-count"])
def test_too_many_files(lying_count: bool, tmp_path: Path, workdir: Path) -> None:
    data = raw_zip([raw(f"f{i}.txt", b"") for i in range(501)])
    if lying_count:  # zipfile walks the directory whatever the end record says
        data = data[:-14] + struct.pack("<2H", 1, 1) + data[-10:]
    refused = refusal(write(tmp_path / "up.zip", data), workdir)
    assert (refused.status, refused.slug) == (413, "too-many-files")
    assert "500" in str(refused)


def test_the_count_is_checked_before_zipfile_parses_the_directory(
    tmp_path: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # zipfile builds an object per entry, however many a small upload crams in
    data = raw_zip([raw(f"f{i}", b"") for i in range(501)])
    source = write(tmp_path / "up.zip", data[:-14] + struct.pack("<2H", 1, 1) + data[-10:])

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("zipfile parsed the directory before the entries were counted")

    monkeypatch.setattr(zipfile, "ZipFile", no_parsing)
    assert refusal(source, workdir).slug == "too-many-files"


def test_the_file_count_limit_is_the_callers(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    path = make_zip(tmp_path / "up.zip", named(parts))
    assert refusal(path, workdir, UploadLimits(max_files=4)).slug == "too-many-files"
    assert open_upload(path, workdir, UploadLimits(max_files=5)).kind == "shapefile"


def test_a_zip_declaring_too_much_in_all_is_too_large(tmp_path: Path, workdir: Path) -> None:
    members = [raw(f"part{i}.dbf", b"x", size=3 * 1024**3) for i in range(2)]
    refused = refusal(write(tmp_path / "up.zip", raw_zip(members)), workdir)
    assert (refused.status, refused.slug) == (413, "too-large")


def test_a_classic_bomb_is_refused_before_anything_is_written(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    stream, crc = zeros_deflated(300)
    assert len(stream) < MiB
    members = [raw(name, data) for name, data in named(parts, exts=(".shp", ".shx")).items()]
    members.append(Raw(b"parcels.dbf", stream, 300 * MiB, crc))
    refused = refusal(write(tmp_path / "up.zip", raw_zip(members)), workdir)
    assert (refused.status, refused.slug) == (413, "zip-bomb")
    assert "parcels.dbf" in str(refused)
    assert list(workdir.iterdir()) == []


@pytest.mark.parametrize(("mib", "refused"), [(0.5, False), (2, True)])
def test_the_ratio_is_only_checked_above_the_minimum_size(
    mib: float, refused: bool, parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    files = named(parts) | {"notes.txt": bytes(int(mib * MiB))}  # zeros: ~1000:1
    path = make_zip(tmp_path / "up.zip", files)
    if refused:
        assert refusal(path, workdir).slug == "zip-bomb"
    else:
        assert open_upload(path, workdir).kind == "shapefile"


def test_entries_sharing_one_local_header_are_a_bomb(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    shp, shx = raw("parcels.shp", parts[".shp"]), raw("parcels.shx", parts[".shx"])
    dbf = raw("parcels.dbf", parts[".shp"])  # a directory entry pointing at the .shp's data
    data = raw_zip([shp, shx], central=[(shp, 0), (shx, 1), (dbf, 0)])
    refused = refusal(write(tmp_path / "up.zip", data), workdir)
    assert (refused.status, refused.slug) == (413, "zip-bomb")
    assert list(workdir.iterdir()) == []


def test_an_entry_whose_data_runs_into_the_next_header_is_a_bomb(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    members = [raw(name, data) for name, data in named(parts).items()]
    members[0].csize = len(members[0].payload) + 31  # over the .shx's 30-byte local header
    refused = refusal(write(tmp_path / "up.zip", raw_zip(members)), workdir)
    assert (refused.status, refused.slug) == (413, "zip-bomb")
    assert "parcels.shp" in str(refused) and "parcels.shx" in str(refused)


def test_a_member_inflating_beyond_its_declared_size_is_stopped(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    # declares 1000 bytes, with the CRC of those first 1000 bytes, but inflates to 5 MiB:
    # a decoder that stops at the declared size without saying so would accept it
    body = parts[".shp"] + bytes(5 * MiB)
    members = [raw("parcels.shp", body, size=1000, crc=zlib.crc32(body[:1000]))]
    members += [raw(name, data) for name, data in named(parts, exts=(".shx", ".dbf")).items()]
    refused = refusal(write(tmp_path / "up.zip", raw_zip(members)), workdir)
    assert (refused.status, refused.slug) == (413, "zip-bomb")
    assert "parcels.shp" in str(refused)
    written = workdir / "upload.shp"
    assert not written.exists() or written.stat().st_size <= 1000


def test_a_member_shorter_than_declared_is_bad(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    members = [raw(name, data) for name, data in named(parts).items()]
    members[2].size += 100  # the .dbf
    refused = refusal(write(tmp_path / "up.zip", raw_zip(members)), workdir)
    assert (refused.status, refused.slug) == (422, "bad-zip")
    assert "parcels.dbf" in str(refused)


@pytest.mark.parametrize("flags", [0x0001, 0x0041], ids=["zipcrypto", "strong"])
def test_encrypted_members_are_refused(
    flags: int, parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    members = [raw(name, data) for name, data in named(parts).items()]
    members[2].flags = flags
    refused = refusal(write(tmp_path / "up.zip", raw_zip(members)), workdir)
    assert (refused.status, refused.slug) == (422, "zip-encrypted")
    assert "parcels.dbf" in str(refused)


@pytest.mark.parametrize("method", [99, 9, 1])
def test_an_unsupported_compression_method_is_a_bad_zip(
    method: int, parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    members = [raw(name, data) for name, data in named(parts).items()]
    members[0].method = method
    refused = refusal(write(tmp_path / "up.zip", raw_zip(members)), workdir)
    assert (refused.status, refused.slug) == (422, "bad-zip")
    assert "parcels.shp" in str(refused) and str(method) in str(refused)


def test_corrupt_compressed_data_is_a_bad_zip(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    members = [raw(name, data) for name, data in named(parts).items()]
    dbf = members[2]
    dbf.payload = dbf.payload[:8] + bytes(b ^ 0x5A for b in dbf.payload[8:40]) + dbf.payload[40:]
    refused = refusal(write(tmp_path / "up.zip", raw_zip(members)), workdir)
    assert (refused.status, refused.slug) == (422, "bad-zip")
    assert "parcels.dbf" in str(refused)


def test_a_checksum_mismatch_is_a_bad_zip(
    parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    members = [raw(name, data) for name, data in named(parts).items()]
    members[1].crc ^= 1  # the .shx
    refused = refusal(write(tmp_path / "up.zip", raw_zip(members)), workdir)
    assert (refused.status, refused.slug) == (422, "bad-zip")
    assert "parcels.shx" in str(refused) and "checksum" in str(refused)


@pytest.mark.parametrize("cut", ["half", "middle", "tail"])
def test_a_truncated_zip_is_a_bad_zip(
    cut: str, parts: dict[str, bytes], tmp_path: Path, workdir: Path
) -> None:
    data = make_zip(tmp_path / "good.zip", named(parts)).read_bytes()
    directory = data.index(b"PK\x01\x02")
    cuts = {
        "half": data[: len(data) // 2],
        "middle": data[:100] + data[directory:],  # the directory now points past the data
        "tail": data[:-5],
    }
    refused = refusal(write(tmp_path / "up.zip", cuts[cut]), workdir)
    assert (refused.status, refused.slug) == (422, "bad-zip")


def test_crafted_damage_only_ever_raises_upload_refused(
    parts: dict[str, bytes], tmp_path: Path
) -> None:
    """Whatever bytes are changed, the answer is a dataset or FileRefused, nothing else."""
    good = make_zip(tmp_path / "good.zip", named(parts)).read_bytes()
    directory = good.index(b"PK\x01\x02")
    rng = random.Random(20240450)
    outcomes: set[str] = set()
    for attempt in range(600):
        data = bytearray(good)
        # most changes go to the directory and headers, where the parser is exposed
        low = directory if attempt % 3 else 0
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(low, len(data))
            data[at] = rng.choice((0x00, 0xFF, 0x7F, 0x80, rng.randrange(256)))
        if attempt % 10 == 0:
            data = data[: rng.randrange(len(data))]
        workdir = tmp_path / "work"
        workdir.mkdir()
        source = write(tmp_path / "up.zip", bytes(data))
        try:
            open_upload(source, workdir)
            outcomes.add("dataset")
        except FileRefused as exc:
            assert exc.status in (413, 415, 422)
            assert exc.slug and str(exc)
            outcomes.add(exc.slug)
        shutil.rmtree(workdir)
    assert {"bad-zip", "dataset"} <= outcomes and len(outcomes) >= 4, outcomes
