"""Find the parcel a use case acts on, and refuse to change one that was retired."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Parcel
from app.errors import NotFound, ParcelRetired

__all__ = ["ensure_active", "load"]


def load(*, session: Session, parcel_id: int, lock: bool = False) -> Parcel:
    """Return the parcel, locked for update when asked; raise NotFound."""
    query = select(Parcel).where(Parcel.id == parcel_id)
    if lock:
        query = query.with_for_update()
    parcel = session.scalars(query).one_or_none()
    if parcel is None:
        raise NotFound(f"There is no parcel {parcel_id}.")
    return parcel


def ensure_active(parcel: Parcel) -> None:
    """Raise ParcelRetired when the parcel was retired: its history is closed."""
    if parcel.retired_at is not None:
        raise ParcelRetired(
            f"Parcel {parcel.id} was retired ({parcel.retired_reason}); it cannot change.",
        )
