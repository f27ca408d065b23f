"""The certificate life cycle of a parcel: statuses, transitions and their rules."""

from __future__ import annotations

import re
from dataclasses import dataclass

STATUSES = (
    "unregistered",
    "registered",
    "in_review",
    "returned",
    "eligible",
    "ineligible",
    "signed",
    "delivered",
)

# The only transitions there are. delivered -> signed is a re-issue (cấp đổi) only.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "unregistered": ("registered",),
    "registered": ("in_review",),
    "in_review": ("returned", "eligible", "ineligible"),
    "returned": ("in_review",),
    "eligible": ("signed",),
    "ineligible": (),
    "signed": ("delivered",),
    "delivered": ("signed",),
}

CERTIFIED = frozenset({"signed", "delivered"})
REGISTERED = frozenset(STATUSES) - {"unregistered"}

# Certificate serial: 2 letters + 6 digits; the QR form issued from 2025 has 8 digits.
SERIAL_PATTERN = re.compile(r"[A-Z]{2}(?:[0-9]{6}|[0-9]{8})")
# Register number (số vào sổ cấp GCN): a prefix such as CH, CS, VP, then the number.
REGISTER_NO_PATTERN = re.compile(r"[A-Z]{2,4}[ ./-]?[0-9]{1,8}")


@dataclass(frozen=True)
class Refusal:
    """Why a transition is refused: a rule name and a sentence saying what to do."""

    rule: str
    detail: str


@dataclass(frozen=True)
class ParcelFacts:
    """What the rules look at."""

    status: str
    origin_confirmed: bool
    time_of_use_confirmed: bool
    disputed: bool
    retired: bool


def allowed_transitions(status: str) -> tuple[str, ...]:
    """Return the statuses a parcel in `status` may move to."""
    return TRANSITIONS[status]


def refusal(facts: ParcelFacts, target: str, *, reissue: bool = False) -> Refusal | None:
    """Return why moving to `target` is refused now, or None when it is allowed."""
    if facts.retired:
        return Refusal("parcel-retired", "A retired parcel's status can no longer change.")
    if target not in allowed_transitions(facts.status):
        return Refusal(
            "no-such-transition",
            f"A parcel cannot go from '{facts.status}' to '{target}'.",
        )
    if facts.status == "delivered" and target == "signed" and not reissue:
        return Refusal(
            "reissue-only",
            "A delivered certificate is signed again only through a re-issue (cấp đổi): "
            "set reissue to true; the old serial is recorded.",
        )
    if target in ("eligible", "signed") and facts.disputed:
        return Refusal(
            "open-dispute",
            f"The parcel has an open dispute; resolve it before it can become '{target}'.",
        )
    if target == "eligible":
        missing = [
            what
            for what, ok in (
                ("land origin", facts.origin_confirmed),
                ("time of use", facts.time_of_use_confirmed),
            )
            if not ok
        ]
        if missing:
            return Refusal(
                "origin-unconfirmed",
                f"The commune has not confirmed the {' and '.join(missing)}; "
                "a ward officer must confirm it first.",
            )
    return None


def is_certified(status: str) -> bool:
    """Return whether the status means a certificate has been signed."""
    return status in CERTIFIED


def derived_backlog_reasons(facts: ParcelFacts) -> list[str]:
    """Return the backlog reasons the data itself shows for a parcel not yet certified."""
    if is_certified(facts.status) or facts.retired:
        return []
    reasons = []
    if facts.disputed:
        reasons.append("dispute")
    if not facts.origin_confirmed:
        reasons.append("origin_unconfirmed")
    if not facts.time_of_use_confirmed:
        reasons.append("time_of_use_unconfirmed")
    if facts.status == "returned":
        reasons.append("missing_documents")
    return reasons
