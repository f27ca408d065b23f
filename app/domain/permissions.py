"""Who may do what: the one table every endpoint's check reads."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.errors import Forbidden, Unauthenticated


class Role(StrEnum):
    """The roles an API key can carry; anonymous callers have none."""

    ADMIN = "admin"
    REGISTRY_OFFICER = "registry_officer"
    SURVEYOR = "surveyor"
    WARD_OFFICER = "ward_officer"
    GIS_VIEWER = "gis_viewer"
    INSPECTOR = "inspector"


class Action(StrEnum):
    """Things a caller can ask the registry to do."""

    PARCEL_WRITE = "parcel.write"  # create, amend, split, merge
    PARCEL_RETIRE = "parcel.retire"
    READ_PERSONAL = "parcel.read_personal"  # holders' names and ID numbers
    TRANSITION = "parcel.transition"  # the certificate life cycle
    CONFIRM_ORIGIN = "parcel.confirm_origin"
    DISPUTE_WRITE = "dispute.write"
    BACKLOG_WRITE = "backlog.write"
    COMPLAINT_HANDLE = "complaint.handle"
    REPORT_READ = "report.read"
    WARD_IMPORT = "ward.import"
    IMPORT = "parcel.import"  # upload surveyors' files
    APIKEY_MANAGE = "apikey.manage"
    AUDIT_READ = "audit.read"
    TARGET_WRITE = "target.write"  # Directive 30 targets per ward and year
    ACCOUNT_MANAGE = "account.manage"  # the workbench's staff accounts
    CUSTODY_COUNT = "custody.count"  # the monthly inventory of certificates in custody


ALLOWED: dict[Action, frozenset[Role]] = {
    Action.PARCEL_WRITE: frozenset({Role.REGISTRY_OFFICER, Role.SURVEYOR}),
    Action.PARCEL_RETIRE: frozenset({Role.REGISTRY_OFFICER}),
    Action.READ_PERSONAL: frozenset(
        {Role.REGISTRY_OFFICER, Role.WARD_OFFICER, Role.GIS_VIEWER, Role.INSPECTOR}
    ),
    Action.TRANSITION: frozenset({Role.REGISTRY_OFFICER}),
    Action.CONFIRM_ORIGIN: frozenset({Role.WARD_OFFICER}),
    Action.DISPUTE_WRITE: frozenset({Role.WARD_OFFICER}),
    Action.BACKLOG_WRITE: frozenset({Role.REGISTRY_OFFICER, Role.WARD_OFFICER}),
    Action.COMPLAINT_HANDLE: frozenset({Role.REGISTRY_OFFICER, Role.WARD_OFFICER}),
    Action.REPORT_READ: frozenset({Role.REGISTRY_OFFICER, Role.INSPECTOR}),
    Action.WARD_IMPORT: frozenset(),
    Action.IMPORT: frozenset({Role.SURVEYOR}),
    Action.APIKEY_MANAGE: frozenset(),
    Action.AUDIT_READ: frozenset({Role.INSPECTOR}),
    Action.TARGET_WRITE: frozenset(),
    Action.ACCOUNT_MANAGE: frozenset(),
    Action.CUSTODY_COUNT: frozenset({Role.REGISTRY_OFFICER}),
}

# A ward officer acts only within their own ward.
WARD_SCOPED = frozenset(
    {
        Action.READ_PERSONAL,
        Action.CONFIRM_ORIGIN,
        Action.DISPUTE_WRITE,
        Action.BACKLOG_WRITE,
        Action.COMPLAINT_HANDLE,
    }
)


@dataclass(frozen=True)
class Actor:
    """Who is calling: a named API key or a signed-in staff account, with a role (and a ward
    for ward officers)."""

    name: str
    role: Role | None
    ward_code: str | None = None
    key_id: int | None = None
    account_id: int | None = None

    @property
    def label(self) -> str:
        """Return how the actor is recorded in history: name and role."""
        return f"{self.name} ({self.role or 'anonymous'})"


ANONYMOUS = Actor(name="anonymous", role=None)


def command_line(user: str) -> Actor:
    """Return the actor of the `parcel-registry` command: the OS user, with admin rights."""
    return Actor(name=f"command line: {user}", role=Role.ADMIN)


def may(actor: Actor, action: Action, ward_code: str | None = None) -> bool:
    """Return whether the actor may do `action` (in `ward_code`, for ward-scoped actions)."""
    if actor.role is None:
        return False
    if actor.role is Role.ADMIN:
        return True
    if actor.role not in ALLOWED[action]:
        return False
    if actor.role is Role.WARD_OFFICER and action in WARD_SCOPED:
        return ward_code is None or ward_code == actor.ward_code
    return True


def authorize(actor: Actor, action: Action, ward_code: str | None = None) -> None:
    """Raise Unauthenticated (no key) or Forbidden unless the actor may do `action`."""
    if actor.role is None:
        raise Unauthenticated(
            f"{action.value} needs an API key: send 'Authorization: Bearer <key>'."
        )
    if not may(actor, action, ward_code):
        where = f" in ward {ward_code}" if ward_code else ""
        raise Forbidden(f"{actor.label} may not do {action.value}{where}.")
