"""Property-based checks of every operation in the OpenAPI document, with and without keys.

schemathesis generates requests from the service's own OpenAPI document (its examples, the
coverage of every declared boundary, and fuzzed ones; valid and invalid) and sends them over
HTTP to a live app running as the service's database role, on a database that commits. Every
answer must be below 500, have a documented status code, content type and headers, match its
documented schema; a request the document forbids must be refused, a required header missing
must be refused, a method the path lacks must be 405 with a true Allow. The budget is bounded
(EXAMPLES per operation and caller) so that `make test` stays minutes long.

A request the document allows must be accepted, unless a rule the document cannot state
refuses it (a day still to come, a parcel of another ward, a stale If-Match, an upload that
holds no dataset): such a refusal is a problem named for its rule. `validation-error`, the
problem of a request that does not match the document, must never answer one the document
allows, nor may an answer that is not a problem document.

Workflows chain calls along the links schemathesis infers (create, then read, change or
delete what was created) and add the checks that need that history. Not run: max_response_time
(speed is for the benchmarks, not for a test on a loaded CI machine) and
object_level_authorization (see STATEFUL_CHECKS).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import CheckContext, not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.transport import Response
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    ensure_resource_availability,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
    use_after_free,
)

from app.config import Settings
from app.domain.permissions import Role
from app.localdb import cluster as localdb
from app.main import create_app
from tests.support import committed_register, live_server

EXAMPLES = 12

# the problem of a request that does not match the document
NOT_AS_DECLARED = "/problems/validation-error"


def _problem_type(response: Response) -> str | None:
    types = [v for k, vs in response.headers.items() if k.lower() == "content-type" for v in vs]
    if not types or not types[0].startswith("application/problem+json"):
        return None
    body = response.json()
    return body.get("type") if isinstance(body, dict) else None


def accepts_declared_data(ctx: CheckContext, response: Response, case: schemathesis.Case) -> None:
    """positive_data_acceptance, save for refusals named for a rule beyond the document."""
    try:
        positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        kind = _problem_type(response)
        if kind is None or kind == NOT_AS_DECLARED:
            raise


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    missing_required_header,
    unsupported_method,
    allow_header_conformance,
    ignored_auth,
    accepts_declared_data,
]
# A write whose If-Match names no version is refused 412 before its body is read: a refusal
# as good as 422 for a body the document forbids.
REFUSALS = ["400", "401", "403", "404", "405", "406", "409", "412", "415", "422", "428", "429"]
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "negative_data_rejection": {"expected-statuses": REFUSALS},
            # a write without If-Match is 428 Precondition Required (RFC 6585), by design
            "missing_required_header": {"expected-statuses": ["400", "401", "403", "422", "428"]},
        },
        "generation": {"mode": "all"},
    }
)


@pytest.fixture(scope="module")
def served(
    server_url: str, local_cluster: localdb.Cluster | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, dict[str, str]]]]:
    """Yield (base URL, headers per caller) of a live app on a committed register."""
    service = local_cluster.service_url if local_cluster else None
    roles = (Role.ADMIN, Role.WARD_OFFICER)
    with committed_register(server_url, service, roles) as (_, url, headers):
        uploads: Path = tmp_path_factory.mktemp("uploads")
        app = create_app(
            Settings(  # type: ignore[call-arg]
                DATABASE_URL=url, upload_dir=uploads, anonymous_writes_limit=10**9
            )
        )
        with live_server(app) as base:
            yield base, {"anonymous": {}, **headers}


# The document the app serves at /openapi.json (making the app connects to nothing yet); the
# requests themselves go over HTTP to the live app of `served`.
schema = schemathesis.openapi.from_dict(
    create_app(
        Settings(DATABASE_URL="postgresql://unused@127.0.0.1:1/unused", import_worker=False)  # type: ignore[call-arg]
    ).openapi(),
    config=CONFIG,
)
BUDGET = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _check(
    case: schemathesis.Case, served: tuple[str, dict[str, dict[str, str]]], who: str
) -> None:
    base, headers = served
    case.call_and_validate(base_url=base, headers=headers[who], checks=CHECKS, timeout=60)


@schema.parametrize()
@BUDGET
def test_without_a_key(
    case: schemathesis.Case, served: tuple[str, dict[str, dict[str, str]]]
) -> None:
    _check(case, served, "anonymous")


@schema.parametrize()
@BUDGET
def test_as_an_admin(
    case: schemathesis.Case, served: tuple[str, dict[str, dict[str, str]]]
) -> None:
    _check(case, served, "admin")


@schema.parametrize()
@BUDGET
def test_as_a_ward_officer(
    case: schemathesis.Case, served: tuple[str, dict[str, dict[str, str]]]
) -> None:
    _check(case, served, "ward_officer")


# Sequences of calls along the links schemathesis infers between operations (a parcel made by
# POST /parcels, then read, amended, split; a dispute opened, then resolved), with the checks
# that need a history: a resource a POST made must be found, and one deleted must stay gone.
# object_level_authorization is not among them: in the register, one caller reading what
# another made is the rule (a surveyor's parcel is read by every officer), not a leak.
STATEFUL_CHECKS = [*CHECKS, use_after_free, ensure_resource_availability]
WORKFLOW_BUDGET = settings(
    max_examples=20,
    stateful_step_count=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


def _path_as_declared(case: schemathesis.Case) -> bool:
    """Whether the case's path parameters are values its document allows. A link may fill one
    with what the document forbids (the "search" of a /parcels/search self link, as a parcel
    id): that call tests the link's inference, not the API, so only a 5xx counts against it."""
    for parameter in case.operation.path_parameters:
        value = (case.path_parameters or {}).get(parameter.name)
        if value is None:
            continue
        number = (
            [int(value)] if isinstance(value, str) and value.isascii() and value.isdigit() else []
        )
        if not any(parameter.is_valid(v) for v in [value, *number]):
            return False
    return True


@pytest.mark.parametrize("who", ["admin", "ward_officer"])
def test_workflows(served: tuple[str, dict[str, dict[str, str]]], who: str) -> None:
    base, headers = served

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"base_url": base, "headers": headers[who], "timeout": 60}

        def validate_response(
            self, response: Response, case: schemathesis.Case, **kwargs: Any
        ) -> None:
            kwargs.pop("additional_checks", None)
            checks = STATEFUL_CHECKS if _path_as_declared(case) else [not_a_server_error]
            case.validate_response(
                response, checks=checks, transport_kwargs=kwargs, recorder=self.recorder
            )

    Workflow.run(settings=WORKFLOW_BUDGET)
