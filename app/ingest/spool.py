"""Keep an upload on disk before anything else happens to it: fsynced, hashed, bounded."""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path
from typing import BinaryIO

from app.errors import UploadTooLarge

CHUNK = 1024 * 1024


def spool(stream: BinaryIO, spool_dir: Path, max_bytes: int) -> tuple[Path, str, int]:
    """Copy an upload to the spool directory; return (path, sha256, size). Fsynced: kept."""
    spool_dir.mkdir(parents=True, exist_ok=True)
    target = spool_dir / f"upload-{uuid.uuid4().hex}"
    digest = hashlib.sha256()
    size = 0
    try:
        with target.open("wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise UploadTooLarge(
                        f"The upload is larger than {max_bytes // (1024 * 1024)} MiB; split it "
                        "by map sheet or commune."
                    )
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target, digest.hexdigest(), size
