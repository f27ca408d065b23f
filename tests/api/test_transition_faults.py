"""Kill PostgreSQL, or the API process, during a burst of certificate transitions.

Afterwards every transition the service acknowledged (2xx) is there, nothing is half-written
(each parcel, its versions and its audit events agree), no answer was a 500, and clients that
retry what got no answer with the same Idempotency-Key finish their work without a step
applied twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine

from app.config import PROJECT_ROOT, to_sqlalchemy_url
from app.db import migrate
from app.domain.permissions import Role
from app.localdb import cluster as localdb
from app.services import samples
from tests.faults import Service, kill_postgres, killable_service

STEPS = ("registered", "in_review", "returned", "in_review", "eligible")
RETURNED = {"notice_no": "12/PYC", "notice_date": "2025-03-04", "missing_items": ["CCCD"]}
CLIENTS = 4
PER_CLIENT = 6


def _prepare(owner_url: str) -> None:
    migrate.upgrade(owner_url)
    engine = create_engine(to_sqlalchemy_url(owner_url))
    try:
        samples.load_if_empty(engine=engine, directory=PROJECT_ROOT / "gis_samples")
    finally:
        engine.dispose()


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    with killable_service(tmp_path, Role.REGISTRY_OFFICER, _prepare) as svc:
        # eligible needs origin and time of use confirmed: do it for the parcels used here
        svc.execute(
            "UPDATE parcel SET origin_confirmed = true, time_of_use_confirmed = true,"
            " confirmed_by = 'test', confirmed_on = '2025-01-01'"
            f" WHERE id <= {CLIENTS * PER_CLIENT}"
        )
        yield svc


@dataclass
class Client:
    """One registry officer's terminal: moves its parcels through STEPS, one request each."""

    service: Service
    parcels: list[int]
    acknowledged: list[tuple[int, int, str]] = field(default_factory=list)  # id, version, to
    unanswered: list[tuple[int, int, str, str]] = field(default_factory=list)  # + key
    statuses: list[int] = field(default_factory=list)

    def body(self, to: str) -> dict[str, object]:
        return {"to": to, **(RETURNED if to == "returned" else {})}

    def send(self, parcel: int, version: int, to: str, key: str) -> httpx.Response | None:
        try:
            return httpx.post(
                f"{self.service.base}/parcels/{parcel}/transitions",
                json=self.body(to),
                headers={
                    "Authorization": f"Bearer {self.service.key}",
                    "If-Match": f'"{version}"',
                    "Idempotency-Key": key,
                },
                timeout=10,
            )
        except httpx.TransportError:
            return None

    def run(self, stop: threading.Event) -> None:
        for parcel in self.parcels:
            version = 1
            for n, to in enumerate(STEPS):
                if stop.is_set():
                    return
                key = f"p{parcel}-s{n}"
                response = self.send(parcel, version, to, key)
                if response is None or response.status_code >= 500:
                    self.statuses.append(0 if response is None else response.status_code)
                    self.unanswered.append((parcel, version, to, key))
                    break  # this terminal retries it later, after the outage
                self.statuses.append(response.status_code)
                assert response.status_code == 200, response.text
                version = int(response.headers["ETag"].strip('"'))
                self.acknowledged.append((parcel, version, to))


def _burst(service: Service, outage: Callable[[], None]) -> list[Client]:
    clients = [
        Client(service, list(range(1 + c * PER_CLIENT, 1 + (c + 1) * PER_CLIENT)))
        for c in range(CLIENTS)
    ]
    stop = threading.Event()
    threads = [threading.Thread(target=c.run, args=(stop,)) for c in clients]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    outage()
    time.sleep(2.0)
    stop.set()
    for thread in threads:
        thread.join(60)
    return clients


def _check(service: Service, clients: list[Client]) -> None:
    acknowledged = [a for c in clients for a in c.acknowledged]
    assert acknowledged, "no transition got through before the outage"
    assert any(c.unanswered for c in clients), "the outage hit no request"
    assert all(s in (0, 200, 503) for c in clients for s in c.statuses), [
        c.statuses for c in clients
    ]
    # every acknowledged transition is in the register
    for parcel, version, to in acknowledged:
        found = service.scalar(
            f"SELECT count(*) FROM parcel_version WHERE parcel_id = {parcel}"
            f" AND version = {version} AND action = 'transition:{to}'"
        )
        assert found == 1, (parcel, version, to)
    _consistent(service)


def _consistent(service: Service) -> None:
    """Each parcel, its current version and its audit trail agree: nothing half-written."""
    mismatched = service.scalar(
        "SELECT count(*) FROM parcel p JOIN parcel_version v ON v.parcel_id = p.id"
        " AND v.valid_to IS NULL WHERE v.version <> p.version"
        " OR v.snapshot ->> 'status' <> p.status"
    )
    assert mismatched == 0
    unaudited = service.scalar(
        "SELECT count(*) FROM"
        " (SELECT parcel_id, action, count(*) AS n FROM parcel_version"
        "  WHERE action LIKE 'transition:%' GROUP BY 1, 2) v"
        " FULL JOIN (SELECT parcel_id, action, count(*) AS n FROM audit_event"
        "  WHERE action LIKE 'transition:%' GROUP BY 1, 2) a USING (parcel_id, action)"
        " WHERE v.n IS DISTINCT FROM a.n"
    )
    assert unaudited == 0


def _finish(service: Service, clients: list[Client]) -> None:
    """Retry what got no answer with its key, then carry on: each parcel ends eligible once."""
    for client in clients:
        for parcel, version, to, key in client.unanswered:
            response = client.send(parcel, version, to, key)
            assert response is not None and response.status_code == 200, response
            current = int(response.headers["ETag"].strip('"'))
            # the step's place comes from its key: in_review is in STEPS twice, so
            # STEPS.index(to) would go back to the first and reuse later steps' keys
            done = int(key.rsplit("-s", 1)[1])
            for n in range(done + 1, len(STEPS)):
                response = client.send(parcel, current, STEPS[n], f"p{parcel}-s{n}")
                assert response is not None and response.status_code == 200, response.text
                current = int(response.headers["ETag"].strip('"'))
    touched = {p for c in clients for p, *_ in c.unanswered}
    for parcel in touched:
        steps = service.scalar(
            "SELECT count(*) FROM parcel_version"
            f" WHERE parcel_id = {parcel} AND action LIKE 'transition:%'"
        )
        assert steps == len(STEPS), parcel  # no step applied twice
        assert service.scalar(f"SELECT status FROM parcel WHERE id = {parcel}") == "eligible"
    _consistent(service)


def test_postgres_killed_during_a_burst_of_transitions(service: Service) -> None:
    def outage() -> None:
        kill_postgres(service.cluster)
        time.sleep(0.5)
        localdb.up(service.cluster)

    clients = _burst(service, outage)
    _check(service, clients)
    _finish(service, clients)


def test_api_killed_during_a_burst_of_transitions(service: Service) -> None:
    def outage() -> None:
        service.kill()
        service.start()

    clients = _burst(service, outage)
    _check(service, clients)
    _finish(service, clients)
