"""Moving a parcel through the certificate life cycle, with each step's required data."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Certificate, DossierReturn, Parcel
from app.domain import lifecycle
from app.domain.permissions import Action, Actor, authorize
from app.domain.preconditions import check_version
from app.errors import Conflict, TransitionRefused
from app.schemas.transitions import ToDelivered, ToReturned, ToSigned, TransitionIn
from app.services import versions
from app.services.parcel_lookup import load


def _current_certificate(session: Session, parcel_id: int) -> Certificate | None:
    return session.scalars(
        select(Certificate)
        .where(Certificate.parcel_id == parcel_id)
        .order_by(Certificate.id.desc())
        .limit(1)
    ).one_or_none()


def _facts(parcel: Parcel) -> lifecycle.ParcelFacts:
    return lifecycle.ParcelFacts(
        status=parcel.status,
        origin_confirmed=parcel.origin_confirmed,
        time_of_use_confirmed=parcel.time_of_use_confirmed,
        disputed=parcel.disputed,
        retired=parcel.retired_at is not None,
    )


def _sign(session: Session, parcel: Parcel, actor: Actor, step: ToSigned) -> None:
    if session.scalars(select(Certificate.id).where(Certificate.serial == step.serial)).first():
        raise Conflict(f"Certificate serial {step.serial} is already recorded.")
    previous = _current_certificate(session, parcel.id) if parcel.status == "delivered" else None
    session.add(
        Certificate(
            parcel_id=parcel.id,
            serial=step.serial,
            register_no=step.register_no,
            signer=step.signer,
            signed_on=step.signed_on,
            custody_location=step.custody_location,
            issue_kind="reissue" if previous else "first",
            replaces_serial=previous.serial if previous else None,
            recorded_by=actor.label,
        )
    )


def _deliver(session: Session, parcel: Parcel, step: ToDelivered) -> None:
    certificate = _current_certificate(session, parcel.id)
    assert certificate is not None, "a signed parcel has a certificate"
    if step.handed_over_on < certificate.signed_on:
        raise TransitionRefused(
            f"The hand-over date {step.handed_over_on} is before the signing date "
            f"{certificate.signed_on}.",
            rule="delivered-before-signed",
            current=parcel.status,
            allowed=list(lifecycle.allowed_transitions(parcel.status)),
        )
    certificate.delivered_to = step.recipient
    certificate.delivered_on = step.handed_over_on


def _return(session: Session, parcel: Parcel, actor: Actor, step: ToReturned) -> None:
    session.add(
        DossierReturn(
            parcel_id=parcel.id,
            notice_no=step.notice_no,
            notice_date=step.notice_date,
            missing_items=step.missing_items,
            copied_to=step.copied_to,
            returned_by=actor.label,
        )
    )


def apply(
    *, session: Session, actor: Actor, parcel_id: int, if_match: str | None, step: TransitionIn
) -> Parcel:
    """Move the parcel to `step.to` if the rules allow it; record its data and a version."""
    authorize(actor, Action.TRANSITION)
    parcel = load(session=session, parcel_id=parcel_id, lock=True)
    check_version(current=parcel.version, if_match=if_match)
    reissue = isinstance(step, ToSigned) and step.reissue
    refused = lifecycle.refusal(_facts(parcel), step.to, reissue=reissue)
    if refused is not None:
        raise TransitionRefused(
            refused.detail,
            rule=refused.rule,
            current=parcel.status,
            allowed=[] if parcel.retired_at else list(lifecycle.allowed_transitions(parcel.status)),
        )
    if isinstance(step, ToSigned):
        _sign(session, parcel, actor, step)
    elif isinstance(step, ToDelivered):
        _deliver(session, parcel, step)
    elif isinstance(step, ToReturned):
        _return(session, parcel, actor, step)
    parcel.status = step.to
    versions.record(session=session, parcel=parcel, actor=actor, action=f"transition:{step.to}")
    return parcel
