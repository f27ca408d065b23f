"""The snapshot a version keeps is what the parcel is: one definition, set-based or not."""

from __future__ import annotations

from sqlalchemy import Connection, text


def test_every_current_version_equals_the_parcel_now(connection: Connection) -> None:
    stale = connection.execute(
        text(
            "SELECT count(*) FROM parcel p"
            " JOIN parcel_snapshots(ARRAY(SELECT id FROM parcel)) s ON s.id = p.id"
            " JOIN parcel_version v ON v.parcel_id = p.id AND v.valid_to IS NULL"
            " WHERE v.snapshot <> s.snapshot"
        )
    ).scalar_one()
    assert stale == 0


def test_one_and_many_give_the_same_document(connection: Connection) -> None:
    connection.execute(
        text(
            "INSERT INTO dispute (parcel_id, opened_on, kind, description, opened_by)"
            " VALUES (1, '2025-01-02', 'boundary', 'ranh giới', 'test');"
            " INSERT INTO backlog_reason (parcel_id, reason, set_by) VALUES (1, 'other', 'test');"
            " INSERT INTO certificate (parcel_id, serial, register_no, signer, signed_on,"
            "  custody_location, issue_kind, recorded_by)"
            " VALUES (1, 'AB123456', 'CS1', 'ký', '2025-02-03', 'tủ 1', 'first', 'test')"
        )
    )
    one, many = connection.execute(
        text(
            "SELECT parcel_snapshot(1), (SELECT snapshot FROM parcel_snapshots(ARRAY[1, 2])"
            " WHERE id = 1)"
        )
    ).one()
    assert one == many
    assert one["disputes"][0]["kind"] == "boundary"
    assert one["certificate"]["serial"] == "AB123456"
    assert one["backlog_reasons"] == [{"reason": "other", "note": None}]
    assert one["holders"][0]["kind"] == "individual"
    assert one["geometry"]["type"] == "MultiPolygon"
