"""Every code a page shows has its Vietnamese label, and no label names a code that is gone."""

from __future__ import annotations

import itertools

from app.domain import labels_vi, lifecycle
from app.domain.codes import DISPUTE_KINDS, HOLDER_KINDS


def test_each_kind_of_holder_and_dispute_is_named() -> None:
    assert set(labels_vi.HOLDER_KIND) == set(HOLDER_KINDS)
    assert set(labels_vi.DISPUTE_KIND) == set(DISPUTE_KINDS)


def test_each_reason_the_life_cycle_refuses_a_step_is_named() -> None:
    # the oracle: every rule the life cycle answers, over every combination of facts
    rules = set()
    for status, target, *flags in itertools.product(
        lifecycle.STATUSES, lifecycle.STATUSES, *[(False, True)] * 5
    ):
        facts = lifecycle.ParcelFacts(status, *flags[:4])
        refused = lifecycle.refusal(facts, target, reissue=flags[4])
        if refused is not None:
            rules.add(refused.rule)
    assert set(labels_vi.REFUSAL) == rules


def test_each_status_is_named_with_its_diacritics() -> None:
    assert set(labels_vi.STATUS) == set(lifecycle.STATUSES)
    # every status a step leads to has its button's name
    assert set(labels_vi.STEP) == {t for ts in lifecycle.TRANSITIONS.values() for t in ts}
    assert labels_vi.STATUS["delivered"] == "Đã trao GCN"
