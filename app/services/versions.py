"""Parcel history: every change is a new version holding a full snapshot."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import parcel_versions
from app.db.models import Parcel, ParcelVersion
from app.domain.permissions import Actor
from app.errors import NotFound
from app.services import audit


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Return {field: {"old": ..., "new": ...}} for every top-level field that changed."""
    return {
        key: {"old": old.get(key), "new": new.get(key)}
        for key in sorted(old.keys() | new.keys())
        if old.get(key) != new.get(key)
    }


def record(*, session: Session, parcel: Parcel, actor: Actor, action: str) -> ParcelVersion:
    """Close the parcel's current version and add the next one; return it.

    Call after the change is flushed, in the same transaction.
    """
    session.flush()
    snapshot, now = parcel_versions.snapshot(session.connection(), parcel.id)
    current = session.scalars(
        select(ParcelVersion)
        .where(ParcelVersion.parcel_id == parcel.id, ParcelVersion.valid_to.is_(None))
        .with_for_update()
    ).one_or_none()
    if current is not None:
        current.valid_to = now
        session.flush()  # the partial unique index allows one open version at a time
    version = ParcelVersion(
        parcel_id=parcel.id,
        version=current.version + 1 if current else 1,
        valid_from=now,
        actor=actor.label,
        action=action,
        changes=diff(current.snapshot, snapshot) if current else {},
        snapshot=snapshot,
    )
    session.add(version)
    parcel.version = version.version
    parcel.updated_at = now
    before, after = audit.changed_values(version.changes) if current else (None, snapshot)
    audit.record(
        session,
        actor=actor,
        action=action,
        target_type="parcel",
        target_id=parcel.id,
        ward_code=parcel.ward_code,
        parcel_id=parcel.id,
        before=before,
        after=after,
    )
    session.flush()
    return version


def current(*, session: Session, parcel_id: int) -> ParcelVersion:
    """Return the parcel's current version."""
    version = session.scalars(
        select(ParcelVersion).where(
            ParcelVersion.parcel_id == parcel_id, ParcelVersion.valid_to.is_(None)
        )
    ).one_or_none()
    if version is None:
        raise NotFound(f"There is no parcel {parcel_id}.")
    return version


def history(*, session: Session, parcel_id: int) -> list[ParcelVersion]:
    """Return every version of the parcel, oldest first."""
    versions = list(
        session.scalars(
            select(ParcelVersion)
            .where(ParcelVersion.parcel_id == parcel_id)
            .order_by(ParcelVersion.version)
        )
    )
    if not versions:
        raise NotFound(f"There is no parcel {parcel_id}.")
    return versions


def as_of(*, session: Session, parcel_id: int, at: datetime) -> ParcelVersion:
    """Return the version of the parcel that was current at `at`."""
    version = session.scalars(
        select(ParcelVersion).where(
            ParcelVersion.parcel_id == parcel_id,
            ParcelVersion.valid_from <= at,
            (ParcelVersion.valid_to.is_(None)) | (ParcelVersion.valid_to > at),
        )
    ).one_or_none()
    if version is None:
        exists = session.get(Parcel, parcel_id) is not None
        raise NotFound(
            f"Parcel {parcel_id} did not exist yet at {at.isoformat()}."
            if exists
            else f"There is no parcel {parcel_id}."
        )
    return version
