"""Every code a page shows has its Vietnamese label, and no label names a code that is gone."""

from __future__ import annotations

import itertools
import re

from app.config import PROJECT_ROOT
from app.domain import labels_vi, lifecycle
from app.domain.codes import COMPLAINT_CHANNELS, COMPLAINT_STATUSES, DISPUTE_KINDS, HOLDER_KINDS


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


def test_each_complaint_status_and_channel_is_named() -> None:
    assert set(labels_vi.COMPLAINT_STATUS) == set(COMPLAINT_STATUSES)
    assert set(labels_vi.COMPLAINT_CHANNEL) == set(COMPLAINT_CHANNELS)


def test_each_action_the_audit_log_records_is_named() -> None:
    # the oracle: the actions the services write, read from their source
    written, targets = set(), set()
    for path in (PROJECT_ROOT / "app" / "services").rglob("*.py"):
        source = path.read_text("utf-8")
        targets |= set(re.findall(r'target_type="([a-z_]+)"', source))
        written |= set(re.findall(r'action="([a-z_.]+)"', source))
        written |= set(re.findall(r'action="[a-z_.]+" if [a-z_]+ else "([a-z_.]+)"', source))
        written |= set(re.findall(r'action=f"([a-z_]+):\{', source))
    assert written >= {"transition", "import.write", "account.enable", "target.set"}
    assert written <= set(labels_vi.AUDIT_ACTION)
    # and no label names an action no longer written (a parcel's history has its own too)
    assert set(labels_vi.AUDIT_ACTION) - set(labels_vi.HISTORY_ACTION) <= written
    assert targets == set(labels_vi.AUDIT_TARGET) and "parcel" in targets
