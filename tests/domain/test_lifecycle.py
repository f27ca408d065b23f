"""The life-cycle rules, pure: every pair of statuses, every refusal."""

from __future__ import annotations

import itertools

import pytest

from app.domain.lifecycle import (
    STATUSES,
    ParcelFacts,
    derived_backlog_reasons,
    is_certified,
    refusal,
)

# the list, written out independently of the module's table
ALLOWED = {
    ("unregistered", "registered"),
    ("registered", "in_review"),
    ("in_review", "returned"),
    ("returned", "in_review"),
    ("in_review", "eligible"),
    ("in_review", "ineligible"),
    ("eligible", "signed"),
    ("signed", "delivered"),
    ("delivered", "signed"),
}


def facts(status: str, **overrides: bool) -> ParcelFacts:
    values = {
        "origin_confirmed": True,
        "time_of_use_confirmed": True,
        "disputed": False,
        "retired": False,
    }
    values.update(overrides)
    return ParcelFacts(status=status, **values)


@pytest.mark.parametrize(("current", "target"), list(itertools.product(STATUSES, STATUSES)))
def test_only_the_listed_transitions_are_allowed(current: str, target: str) -> None:
    refused = refusal(facts(current), target, reissue=True)
    if (current, target) in ALLOWED:
        assert refused is None
    else:
        assert refused is not None and refused.rule == "no-such-transition"


def test_delivered_is_signed_again_only_as_a_reissue() -> None:
    refused = refusal(facts("delivered"), "signed")
    assert refused is not None and refused.rule == "reissue-only"
    assert refusal(facts("delivered"), "signed", reissue=True) is None


@pytest.mark.parametrize(
    ("overrides", "missing"),
    [
        ({"origin_confirmed": False}, "land origin"),
        ({"time_of_use_confirmed": False}, "time of use"),
        ({"origin_confirmed": False, "time_of_use_confirmed": False}, "land origin and time"),
    ],
)
def test_eligible_needs_origin_and_time_of_use_confirmed(
    overrides: dict[str, bool], missing: str
) -> None:
    refused = refusal(facts("in_review", **overrides), "eligible")
    assert refused is not None and refused.rule == "origin-unconfirmed"
    assert missing in refused.detail


@pytest.mark.parametrize(("current", "target"), [("in_review", "eligible"), ("eligible", "signed")])
def test_an_open_dispute_blocks_eligible_and_signed(current: str, target: str) -> None:
    refused = refusal(facts(current, disputed=True), target)
    assert refused is not None and refused.rule == "open-dispute"


def test_an_open_dispute_does_not_block_other_steps() -> None:
    assert refusal(facts("in_review", disputed=True), "returned") is None
    assert refusal(facts("signed", disputed=True), "delivered") is None


def test_a_retired_parcel_never_moves() -> None:
    refused = refusal(facts("registered", retired=True), "in_review")
    assert refused is not None and refused.rule == "parcel-retired"


def test_certified_means_signed_or_delivered() -> None:
    assert {s for s in STATUSES if is_certified(s)} == {"signed", "delivered"}


def test_backlog_reasons_follow_the_data() -> None:
    assert derived_backlog_reasons(facts("returned", disputed=True, origin_confirmed=False)) == [
        "dispute",
        "origin_unconfirmed",
        "missing_documents",
    ]
    assert derived_backlog_reasons(facts("registered", time_of_use_confirmed=False)) == [
        "time_of_use_unconfirmed"
    ]
    assert derived_backlog_reasons(facts("signed", disputed=True)) == []
    assert derived_backlog_reasons(facts("in_review")) == []
