"""The register's code lists, each spelt once.

Each is a Literal, the type API bodies and parameters use (so OpenAPI lists the codes), and a
tuple of its values for the database's CHECK constraints and the services' rules.
"""

from __future__ import annotations

from typing import Literal, get_args

from app.domain.permissions import Role

HolderKind = Literal["individual", "household", "couple", "organisation", "community"]
HOLDER_KINDS: tuple[str, ...] = get_args(HolderKind)

DisputeKind = Literal["boundary", "ownership", "inheritance", "encroachment", "other"]
DISPUTE_KINDS: tuple[str, ...] = get_args(DisputeKind)

# why staff say a parcel is not certified yet (the register derives the other reasons)
BacklogReason = Literal[
    "planning_conflict", "unpaid_obligation", "missing_documents", "holder_absent", "other"
]
STAFF_BACKLOG_REASONS: tuple[str, ...] = get_args(BacklogReason)

ComplaintStatus = Literal["received", "in_progress", "resolved"]
COMPLAINT_STATUSES: tuple[str, ...] = get_args(ComplaintStatus)
ComplaintChannel = Literal["hotline", "web", "in_person", "letter"]
COMPLAINT_CHANNELS: tuple[str, ...] = get_args(ComplaintChannel)

ImportStatus = Literal["queued", "running", "succeeded", "failed"]
IMPORT_STATUSES: tuple[str, ...] = get_args(ImportStatus)
# what a running import is doing: reading (and decoding and checking rows), checking against
# the register, finding overlaps, writing; done at the end
ImportPhase = Literal["queued", "reading", "checking", "overlaps", "writing", "done"]
IMPORT_PHASES: tuple[str, ...] = get_args(ImportPhase)

ROLES: tuple[str, ...] = tuple(role.value for role in Role)

# what a parcel feature may carry: public properties, then those for staff with the right only
PUBLIC_PROPERTY_NAMES = (
    "survey_commune_code",
    "ward_code",
    "sheet_no",
    "parcel_no",
    "status",
    "certified",
    "registered",
    "area_m2",
    "legal_area_m2",
    "land_uses",
    "disputed",
    "origin_confirmed",
    "time_of_use_confirmed",
    "address",
    "version",
)
PERSONAL_PROPERTY_NAMES = ("holders", "extra")
# the orders a page of parcels can take
SORT_KEY_NAMES = ("id", "area_m2", "parcel_no")
