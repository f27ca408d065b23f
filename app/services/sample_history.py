"""A plausible past for the sample register: weeks of the certification drive, so that a
newcomer's first look at the dashboard shows a real picture.

Everything goes through the service's own code (transitions, the commune's confirmations,
disputes, backlog reasons), one transaction per simulated working day, with the counters'
clock (`registry.clock`) set to that day. Audit events and versions keep their true time:
they say the samples were loaded today. Deterministic: the same register gets the same past.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import count

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.db import samples as samples_sql
from app.domain.permissions import Actor, Role
from app.schemas.disputes import DisputeIn, DisputeResolveIn
from app.schemas.parcels import BacklogIn, BacklogReasonIn, OriginConfirmationIn, OriginLandUse
from app.schemas.transitions import (
    ToDelivered,
    ToEligible,
    ToIneligible,
    ToInReview,
    ToRegistered,
    ToReturned,
    ToSigned,
)
from app.services import disputes, origin, transitions

logger = logging.getLogger(__name__)

REGISTRY = Actor(name="Văn phòng đăng ký đất đai (dữ liệu mẫu)", role=Role.REGISTRY_OFFICER)
ANY = "*"


def _ward_officer(ward_code: str) -> Actor:
    return Actor(
        name=f"Cán bộ địa chính {ward_code} (dữ liệu mẫu)",
        role=Role.WARD_OFFICER,
        ward_code=ward_code,
    )


@dataclass(frozen=True)
class Event:
    """One thing done to one parcel on one day."""

    day: date
    order: int
    parcel_id: int
    ward_code: str
    what: str


# the way a dossier goes, with the working days each step usually takes after the last
PATH = (
    ("registered", 0),
    ("in_review", 4),
    ("confirm", 6),
    ("eligible", 5),
    ("signed", 7),
    ("delivered", 8),
)


def plan(parcels: list[tuple[int, str]], start: date, today: date, seed: int = 30) -> list[Event]:
    """Return the events of the drive between `start` and `today`, oldest first: each ward
    has its own pace, so some are ahead of schedule and some behind."""
    rng = random.Random(seed)
    wards = sorted({ward for _, ward in parcels})
    pace = {ward: rng.uniform(0.2, 0.8) for ward in wards}
    days = (today - start).days
    events: list[Event] = []
    order = count()

    def add(day: date, parcel_id: int, ward: str, what: str) -> None:
        if day < today:
            events.append(Event(day, next(order), parcel_id, ward, what))

    for parcel_id, ward in parcels:
        if rng.random() > pace[ward]:
            if rng.random() < 0.04:  # untouched, but staff know why
                add(start + timedelta(days=rng.randrange(days)), parcel_id, ward, "backlog")
            continue
        day = start + timedelta(days=int(days * rng.random() ** 1.4))
        dispute = rng.random() < 0.04
        returned = rng.random() < 0.08
        for what, typical in PATH:
            day += timedelta(days=max(0, int(rng.gauss(typical, typical / 2))))
            if what == "confirm" and dispute:
                add(day, parcel_id, ward, "dispute")
                if rng.random() < 0.5:
                    break  # still open
                day += timedelta(days=rng.randrange(7, 21))
                add(day, parcel_id, ward, "resolve")
            if what == "confirm" and returned:
                add(day, parcel_id, ward, "returned")
                if rng.random() < 0.5:
                    break  # the holder has not brought the papers yet
                day += timedelta(days=rng.randrange(5, 15))
                add(day, parcel_id, ward, "in_review")
            if what == "eligible" and rng.random() < 0.02:
                add(day, parcel_id, ward, "ineligible")
                break
            add(day, parcel_id, ward, what)
    # weekends off: Saturday's and Sunday's work is done on Monday
    moved = [
        Event(
            e.day + timedelta(days=(7 - e.day.weekday()) % 7 if e.day.weekday() >= 5 else 0),
            e.order,
            e.parcel_id,
            e.ward_code,
            e.what,
        )
        for e in events
    ]
    return sorted((e for e in moved if e.day < today), key=lambda e: (e.day, e.order))


class _Doer:
    """Does one planned event through the services."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.serials = count(samples_sql.certificates(session.connection()) + 1)
        self.disputes: dict[int, int] = {}  # open ones, by parcel

    def __call__(self, event: Event) -> None:
        action: Callable[[Event], None] = getattr(self, f"_{event.what}", self._step)
        action(event)

    def _move(self, event: Event, step: object) -> None:
        transitions.apply(
            session=self.session,
            actor=REGISTRY,
            parcel_id=event.parcel_id,
            if_match=ANY,
            step=step,  # type: ignore[arg-type]
        )

    def _step(self, event: Event) -> None:
        steps = {"registered": ToRegistered, "in_review": ToInReview, "eligible": ToEligible}
        self._move(event, steps[event.what](to=event.what))

    def _returned(self, event: Event) -> None:
        self._move(
            event,
            ToReturned(
                to="returned",
                notice_no=f"{event.parcel_id}/TB-VPĐK",
                notice_date=event.day,
                missing_items=["Giấy tờ về nguồn gốc sử dụng đất", "Bản sao CCCD"],
            ),
        )

    def _ineligible(self, event: Event) -> None:
        self._move(
            event, ToIneligible(to="ineligible", reason="Đất lấn chiếm hành lang giao thông")
        )

    def _signed(self, event: Event) -> None:
        n = next(self.serials)
        self._move(
            event,
            ToSigned(
                to="signed",
                serial=f"DA{n:06d}",
                register_no=f"CS{n:05d}",
                signer="Phó Giám đốc Sở Nông nghiệp và Môi trường",
                signed_on=event.day,
                custody_location="Bộ phận một cửa",
            ),
        )

    def _delivered(self, event: Event) -> None:
        self._move(
            event,
            ToDelivered(to="delivered", recipient="Người sử dụng đất", handed_over_on=event.day),
        )

    def _confirm(self, event: Event) -> None:
        codes = samples_sql.land_use_codes(self.session.connection(), event.parcel_id)
        origin.confirm(
            session=self.session,
            actor=_ward_officer(event.ward_code),
            parcel_id=event.parcel_id,
            if_match=ANY,
            data=OriginConfirmationIn(
                origin_confirmed=True,
                time_of_use_confirmed=True,
                land_use_since=date(1993, 7, 15),
                land_uses=[OriginLandUse(code=c, origin_codes=["DG-KTT"]) for c in codes],
                confirmed_on=event.day,
                document=f"{event.parcel_id}/XN-UBND",
            ),
        )

    def _dispute(self, event: Event) -> None:
        dispute = disputes.open_dispute(
            session=self.session,
            actor=_ward_officer(event.ward_code),
            parcel_id=event.parcel_id,
            data=DisputeIn(
                opened_on=event.day, kind="boundary", description="Tranh chấp ranh giới thửa"
            ),
        )
        self.disputes[event.parcel_id] = dispute.id

    def _resolve(self, event: Event) -> None:
        disputes.resolve(
            session=self.session,
            actor=_ward_officer(event.ward_code),
            dispute_id=self.disputes.pop(event.parcel_id),
            if_match=ANY,
            data=DisputeResolveIn(resolution="Hòa giải thành tại UBND xã", resolved_on=event.day),
        )

    def _backlog(self, event: Event) -> None:
        reason = ("planning_conflict", "unpaid_obligation", "holder_absent")[event.parcel_id % 3]
        origin.set_backlog(
            session=self.session,
            actor=REGISTRY,
            parcel_id=event.parcel_id,
            if_match=ANY,
            data=BacklogIn(reasons=[BacklogReasonIn(reason=reason)]),
        )


def make(engine: Engine, *, start: date, today: date, wards: Collection[str] | None = None) -> int:
    """Play the drive from `start` to yesterday on the register (in `wards` only, if given);
    return the events done."""
    with engine.connect() as conn:
        parcels = [(i, w) for i, w in samples_sql.live_parcels(conn) if wards is None or w in wards]
    events = plan(parcels, start, today)
    by_day: dict[date, list[Event]] = {}
    for event in events:
        by_day.setdefault(event.day, []).append(event)
    doer: _Doer | None = None
    for day, todo in sorted(by_day.items()):
        with Session(engine) as session, session.begin():
            samples_sql.date_writes(session.connection(), day)
            if doer is None:
                doer = _Doer(session)
            doer.session = session
            for event in todo:
                doer(event)
    logger.info("played %d sample events from %s to %s", len(events), start, today)
    return len(events)
