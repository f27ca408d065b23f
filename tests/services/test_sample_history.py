"""The sample register's past: made through the service's code, dated on the counters' clock,
plausible, and counted exactly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from app.config import to_sqlalchemy_url
from app.domain.progress import closed_period_ends
from app.services import coverage, sample_history, snapshots, stats_upkeep
from tests import stats_oracle
from tests.support import TODAY, committed_register

WARDS = ("07795", "07798")
START = TODAY - timedelta(weeks=6)


@pytest.fixture(scope="module")
def played(server_url: str) -> Iterator[tuple[Engine, int]]:
    with committed_register(server_url, None, ()) as (owner, _, _):
        engine = create_engine(to_sqlalchemy_url(owner))
        events = sample_history.make(engine, start=START, today=TODAY, wards=WARDS)
        yield engine, events
        engine.dispose()


def test_the_plan_is_the_same_every_time() -> None:
    parcels = [(n, WARDS[n % 2]) for n in range(1, 400)]
    first = sample_history.plan(parcels, START, TODAY)
    assert first == sample_history.plan(parcels, START, TODAY)
    assert first and all(START <= e.day < TODAY and e.day.weekday() < 5 for e in first)
    kinds = {e.what for e in first}
    assert {"registered", "signed", "delivered", "returned", "dispute", "confirm"} <= kinds


def test_the_history_is_plausible_and_counted_exactly(played: tuple[Engine, int]) -> None:
    engine, events = played
    assert events > 100
    with engine.connect() as conn:
        oracle = stats_oracle.figures(conn, TODAY)
        with Session(bind=conn) as session:
            now = coverage.as_of(session, TODAY)
            before = coverage.as_of(session, START - timedelta(days=1))
        # made through the service: versions and audit events by the sample actors
        actors = set(
            conn.execute(
                text("SELECT DISTINCT actor FROM audit_event WHERE action LIKE 'transition%'")
            ).scalars()
        )
        assert actors == {sample_history.REGISTRY.label}
        versions = conn.execute(
            text("SELECT count(*) FROM parcel_version WHERE action = 'transition:signed'")
        ).scalar_one()
    wards = {w["ward_code"]: w for w in now["wards"]}
    for code in WARDS:
        ward = wards[code]
        expected = oracle[code]
        assert {k: ward[k] for k in expected} == expected
        # a real picture: certificates delivered and in custody, disputes, returns, a pace
        assert ward["certified"] > 0 and ward["in_custody"] > 0
        assert ward["open_disputes"] > 0 and ward["returned_total"] > 0
        assert ward["weekly_rate"] > 0 and ward["projected_completion"] is not None
        assert 0 < ward["certified_share"] < 1
    assert versions >= sum(wards[c]["certified"] for c in WARDS)
    # the other wards were left alone, and nothing was certified before the drive began
    assert all(w["certified"] == 0 for w in now["wards"] if w["ward_code"] not in WARDS)
    assert before["town"]["certified"] == 0


def test_the_upkeep_folds_the_counters_and_freezes_the_ended_periods(
    played: tuple[Engine, int],
) -> None:
    engine, _ = played
    with Session(engine) as session:
        before = coverage.as_of(session, TODAY)
    stats_upkeep.run_once(engine, take_snapshots=True)
    with engine.connect() as conn:
        pending = conn.execute(text("SELECT count(*) FROM stat_delta")).scalar_one()
        frozen = {
            (period, end)
            for period, end in conn.execute(text("SELECT period, period_end FROM stat_snapshot"))
        }
        with Session(bind=conn) as session:
            after = coverage.as_of(session, TODAY)
    assert pending == 0
    assert after == before  # folding moves rows, never figures
    # a period is frozen from the first one the drive did anything in: START itself may be a
    # weekend day, when nothing is done, and a week of nothing has nothing to freeze
    first = _first_working_day(engine)
    assert START <= first < START + timedelta(days=3)
    for period in ("week", "month"):
        ends = closed_period_ends(first, TODAY, period)
        assert ends and {(period, end) for end in ends} <= frozen
        assert all(end >= first for _, end in frozen)


def _first_working_day(engine: Engine) -> date:
    """The day of the first event the plan holds for the played parcels (made again here)."""
    with engine.connect() as conn:
        parcels = [
            (int(i), str(w))
            for i, w in conn.execute(
                text(
                    "SELECT id, ward_code FROM parcel WHERE retired_at IS NULL"
                    " AND ward_code = ANY(:wards) ORDER BY id"
                ),
                {"wards": list(WARDS)},
            )
        ]
    return min(event.day for event in sample_history.plan(parcels, START, TODAY))


def test_the_weekly_timeline_climbs(played: tuple[Engine, int]) -> None:
    engine, _ = played
    with Session(engine) as session, session.begin():
        timeline = snapshots.timeline(session, "week", ward_code=WARDS[0])
    points = next(s for s in timeline["series"] if s["ward_code"] == WARDS[0])["points"]
    certified = [p["certified"] for p in points]
    assert len(points) >= 6
    assert certified == sorted(certified) and certified[-1] > certified[0]
