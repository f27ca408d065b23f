"""Hotline complaints: anyone submits, ward and registry staff handle them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import Complaint, Parcel, StaffAccount, Ward
from app.domain import clock
from app.domain.permissions import Action, Actor, Role, authorize, may
from app.domain.preconditions import check_version
from app.errors import Forbidden, InvalidInput, NotFound, UnknownWard, WardMismatch
from app.schemas.complaints import ComplaintIn, ComplaintOut, ComplaintUpdate
from app.services import audit
from app.services.parcel_lookup import load

# received -> in_progress -> resolved; a complaint answered at once may go straight to resolved
NEXT_STATUS = {
    "received": {"in_progress", "resolved"},
    "in_progress": {"resolved"},
    "resolved": set[str](),
}


def submit(*, session: Session, actor: Actor, data: ComplaintIn) -> Complaint:
    """Record a complaint from anyone; its ward comes from the parcel when one is named."""
    ward_code = data.ward_code
    if data.parcel_id is not None:
        parcel = load(session=session, parcel_id=data.parcel_id)
        if ward_code is not None and ward_code != parcel.ward_code:
            raise WardMismatch(
                f"Parcel {parcel.id} lies in ward {parcel.ward_code}, not {ward_code}."
            )
        ward_code = parcel.ward_code
    elif ward_code is not None and session.get(Ward, ward_code) is None:
        raise UnknownWard(f"There is no ward {ward_code}.")
    complaint = Complaint(
        parcel_id=data.parcel_id,
        ward_code=ward_code,
        dossier_ref=data.dossier_ref,
        channel=data.channel,
        reporter_name=data.reporter_name,
        reporter_phone=data.reporter_phone,
        content=data.content,
    )
    session.add(complaint)
    session.flush()
    session.refresh(complaint)
    audit.record(
        session,
        actor=actor,
        action="complaint.submit",
        target_type="complaint",
        target_id=complaint.id,
        ward_code=ward_code,
        parcel_id=data.parcel_id,
        after=data.model_dump(mode="json"),
    )
    return complaint


def to_out(complaint: Complaint, key: tuple[int, int] | None = None) -> ComplaintOut:
    """Return the complaint as staff see it, with its age in days and its parcel's sheet and
    number (`key`, when the caller has them)."""
    received = complaint.received_at.astimezone(clock.LOCAL_TZ).date()
    sheet_no, parcel_no = key or (None, None)
    return ComplaintOut.model_validate(
        {
            **{
                name: getattr(complaint, name)
                for name in ComplaintOut.model_fields
                if name not in ("age_days", "sheet_no", "parcel_no")
            },
            "age_days": max(0, (clock.today() - received).days),
            "sheet_no": sheet_no,
            "parcel_no": parcel_no,
        }
    )


def parcel_key(session: Session, complaint: Complaint) -> tuple[int, int] | None:
    """Return the sheet and number of the complaint's parcel, if it names one."""
    if complaint.parcel_id is None:
        return None
    row = session.execute(
        select(Parcel.sheet_no, Parcel.parcel_no).where(Parcel.id == complaint.parcel_id)
    ).one()
    return (row.sheet_no, row.parcel_no)


def get(*, session: Session, actor: Actor, complaint_id: int) -> Complaint:
    """Return a complaint the actor may handle; raise NotFound or Forbidden."""
    complaint = session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFound(f"There is no complaint {complaint_id}.")
    if actor.role is Role.WARD_OFFICER and complaint.ward_code is None:
        raise Forbidden(f"Complaint {complaint.id} names no ward; registry staff handle it.")
    authorize(actor, Action.COMPLAINT_HANDLE, complaint.ward_code)
    return complaint


def listing(
    *,
    session: Session,
    actor: Actor,
    status: Sequence[str] | None,
    ward_code: str | None,
    assigned_to: str | None = None,
) -> list[tuple[Complaint, tuple[int, int] | None]]:
    """Return the complaints the actor handles, newest first, with their parcel's sheet and
    number.

    A ward officer always gets their own ward's complaints, whatever ward they ask for.
    """
    authorize(actor, Action.COMPLAINT_HANDLE)
    if actor.role is Role.WARD_OFFICER:
        ward_code = actor.ward_code
    query = (
        select(Complaint, Parcel.sheet_no, Parcel.parcel_no)
        .outerjoin(Parcel, Parcel.id == Complaint.parcel_id)
        .order_by(Complaint.received_at.desc(), Complaint.id.desc())
    )
    if status:
        query = query.where(Complaint.status.in_(status))
    if ward_code:
        query = query.where(Complaint.ward_code == ward_code)
    if assigned_to:
        query = query.where(Complaint.assigned_to == assigned_to)
    return [
        (row.Complaint, None if row.sheet_no is None else (row.sheet_no, row.parcel_no))
        for row in session.execute(query.limit(1000))
    ]


def assignees(*, session: Session, actor: Actor) -> list[StaffAccount]:
    """Return the active staff accounts the actor may hand a complaint to: for a ward
    officer, the officers of their ward and the registry's; for others, every account that
    handles complaints."""
    authorize(actor, Action.COMPLAINT_HANDLE)
    accounts = session.scalars(
        select(StaffAccount)
        .where(StaffAccount.disabled_at.is_(None))
        .order_by(StaffAccount.display_name, StaffAccount.user_name)
    )
    return [
        account
        for account in accounts
        if _handles(account, actor.ward_code if actor.role is Role.WARD_OFFICER else None)
    ]


def _handles(account: StaffAccount, ward_code: str | None) -> bool:
    """Whether the account may answer complaints of `ward_code` (None: of some ward)."""
    role = Role(account.role)
    if role is Role.WARD_OFFICER and ward_code is None:
        return True
    return may(
        Actor(name=account.user_name, role=role, ward_code=account.ward_code),
        Action.COMPLAINT_HANDLE,
        ward_code,
    )


def handle(
    *,
    session: Session,
    actor: Actor,
    complaint_id: int,
    if_match: str | None,
    data: ComplaintUpdate,
) -> Complaint:
    """Move a complaint on and record the staff response."""
    complaint = get(session=session, actor=actor, complaint_id=complaint_id)
    session.refresh(complaint, with_for_update=True)
    check_version(current=complaint.version, if_match=if_match, what="complaint")
    if data.status != complaint.status and data.status not in NEXT_STATUS[complaint.status]:
        raise InvalidInput(f"A {complaint.status} complaint cannot go back to {data.status}.")
    if data.status == "resolved" and not (data.response or complaint.response):
        raise InvalidInput("A resolved complaint needs the staff response.")
    before = {
        "status": complaint.status,
        "response": complaint.response,
        "assigned_to": complaint.assigned_to,
    }
    if "assigned_to" in data.model_fields_set and data.assigned_to != complaint.assigned_to:
        _check_assignee(session, data.assigned_to, complaint.ward_code)
        complaint.assigned_to = data.assigned_to
    complaint.status = data.status
    if data.response is not None:
        complaint.response = data.response
    complaint.handled_by = actor.label
    complaint.version += 1
    complaint.updated_at = func.clock_timestamp()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="complaint.handle",
        target_type="complaint",
        target_id=complaint.id,
        ward_code=complaint.ward_code,
        parcel_id=complaint.parcel_id,
        before=before,
        after={
            "status": complaint.status,
            "response": complaint.response,
            "assigned_to": complaint.assigned_to,
        },
    )
    return complaint


def _check_assignee(session: Session, user_name: str | None, ward_code: str | None) -> None:
    """Refuse an assignment to an account that is not there to answer, or that may not
    handle a complaint of this ward (a ward officer of another ward, a surveyor)."""
    if user_name is None:
        return
    account = session.scalars(
        select(StaffAccount).where(StaffAccount.user_name == user_name)
    ).one_or_none()
    if account is None or account.disabled_at is not None:
        raise InvalidInput(f"There is no active staff account {user_name!r} to assign it to.")
    role = Role(account.role)
    if role is Role.WARD_OFFICER and ward_code is None:
        raise InvalidInput(
            f"{user_name} is a ward officer; a complaint that names no ward is the registry's."
        )
    if not _handles(account, ward_code):
        where = f" of ward {ward_code}" if ward_code else ""
        raise InvalidInput(f"{user_name} ({role.value}) may not answer a complaint{where}.")
