"""The audit log as CSV for inspectors: every event matching the filters, Vietnamese headings,
times in Vietnam's clock, and the values before and after as JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from app.db.models import AuditEvent
from app.domain import clock, labels_vi

HEADINGS = [
    "Mã sự kiện",
    "Thời điểm (giờ Việt Nam)",
    "Người thực hiện",
    "Vai trò",
    "Thao tác",
    "Mã thao tác",
    "Loại đối tượng",
    "Mã đối tượng",
    "Xã, phường",
    "Mã thửa",
    "Mã yêu cầu",
    "Trước khi sửa",
    "Sau khi sửa",
]


def action_label(action: str) -> str:
    """Name an audit action in Vietnamese ('transition:signed' names the status too)."""
    verb, _, to = action.partition(":")
    label = labels_vi.AUDIT_ACTION.get(verb, action)
    return f"{label}: {labels_vi.STATUS.get(to, to)}" if to else label


def _json(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    """Yield the CSV a batch of lines at a time: the BOM and headings first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    out.write("\ufeff")  # BOM: Excel opens it as UTF-8
    writer.writerow(HEADINGS)
    for n, event in enumerate(events, start=1):
        writer.writerow(
            [
                event.id,
                event.at.astimezone(clock.LOCAL_TZ).strftime("%d/%m/%Y %H:%M:%S"),
                event.actor,
                labels_vi.ROLE.get(event.role or "", event.role or ""),
                action_label(event.action),
                event.action,
                labels_vi.AUDIT_TARGET.get(event.target_type, event.target_type),
                event.target_id or "",
                event.ward_code or "",
                event.parcel_id or "",
                event.request_id or "",
                _json(event.before),
                _json(event.after),
            ]
        )
        if n % 500 == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()
