"""A parcel as callers read it: its properties (personal data only for those who may see
it, the transitions and backlog derived from its facts) and its GeoJSON Feature."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.db import queries
from app.domain import lifecycle
from app.domain.permissions import Action, Actor, may
from app.errors import InvalidInput
from app.services import versions
from app.spatial import crs as crs_codes

__all__ = ["feature", "public_properties"]


def _facts(snapshot: dict[str, Any]) -> lifecycle.ParcelFacts:
    return lifecycle.ParcelFacts(
        status=snapshot["status"],
        origin_confirmed=snapshot["origin_confirmed"],
        time_of_use_confirmed=snapshot["time_of_use_confirmed"],
        disputed=snapshot["disputed"],
        retired=snapshot.get("retired_at") is not None,
    )


def public_properties(snapshot: dict[str, Any], *, personal: bool) -> dict[str, Any]:
    """Return a snapshot's properties, holders' names and ID numbers only when `personal`."""
    props = {k: v for k, v in snapshot.items() if k != "geometry"}
    if not personal:
        props["holders"] = [{"kind": h["kind"]} for h in snapshot.get("holders", [])]
    facts = _facts(snapshot)
    props["certified"] = lifecycle.is_certified(facts.status)
    props["allowed_transitions"] = (
        [] if facts.retired else list(lifecycle.allowed_transitions(facts.status))
    )
    props["next_steps"] = _next_steps(facts, props["allowed_transitions"])
    staff_set = [r["reason"] for r in snapshot.get("backlog_reasons", [])]
    reasons = lifecycle.derived_backlog_reasons(facts)
    props["backlog"] = (
        [] if props["certified"] else reasons + [r for r in staff_set if r not in reasons]
    )
    return props


def _next_steps(facts: lifecycle.ParcelFacts, allowed: list[str]) -> list[dict[str, Any]]:
    """Each status the parcel may go to next, with what blocks it now (None: nothing)."""
    steps = []
    for target in allowed:
        reissue = facts.status == "delivered" and target == "signed"
        blocked = lifecycle.refusal(facts, target, reissue=reissue)
        steps.append(
            {
                "status": target,
                "reissue": reissue,
                "blocked": None
                if blocked is None
                else {"rule": blocked.rule, "detail": blocked.detail},
            }
        )
    return steps


def feature(
    *,
    session: Session,
    actor: Actor,
    parcel_id: int,
    crs: str | int = 4326,
    at: datetime | None = None,
) -> tuple[dict[str, Any], int]:
    """Return the parcel (now, or as of `at`) as a GeoJSON Feature, and its version."""
    try:
        srid = crs_codes.parse_crs(crs)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    if at is None:
        version = versions.current(session=session, parcel_id=parcel_id)
    else:
        version = versions.as_of(session=session, parcel_id=parcel_id, at=at)
    snapshot = version.snapshot
    personal = may(actor, Action.READ_PERSONAL, snapshot["ward_code"])
    properties = public_properties(snapshot, personal=personal)
    properties["version"] = version.version
    properties["valid_from"] = version.valid_from.isoformat()
    geometry = queries.geometry_geojson(session.connection(), snapshot["geometry"], srid)
    return (
        {"type": "Feature", "id": parcel_id, "geometry": geometry, "properties": properties},
        version.version,
    )
