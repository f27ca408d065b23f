"""The write of an import, set-based: match the checked rows with the register, insert the
new parcels, update the changed ones and record a version of each, in the caller's
transaction."""

from __future__ import annotations

from sqlalchemy import Connection

from app.db.import_sql import execute

__all__ = ["upsert"]


def upsert(conn: Connection, *, import_id: int, actor: str, has_holder: bool) -> dict[str, int]:
    """Insert new parcels, update changed ones with a new version, leave the same ones be;
    return how many of each.

    Statuses are never touched: a parcel whose certificate is signed keeps it.
    """
    _match(conn, has_holder)
    counts = _counts(conn)
    _insert_new(conn)
    _update_changed(conn, has_holder)
    _record_versions(conn, actor=actor, import_id=import_id)
    return counts


def _match(conn: Connection, has_holder: bool) -> None:
    """Pair each row with the registered parcel of its key, saying what of it is the same."""
    execute(
        conn,
        (
            "CREATE UNLOGGED TABLE import_match AS"
            " SELECT m.*, m.attributes_same AND m.land_use_same AND m.holder_same AS unchanged,"
            # new parcels get their ids here, so that no pass over the rows has to fetch them
            " coalesce(m.old_id, nextval(pg_get_serial_sequence('parcel', 'id'))) AS parcel_id"
            " FROM (SELECT r.*, p.id AS old_id,"
            " ARRAY(SELECT u.land_use_code FROM parcel_land_use u WHERE u.parcel_id = p.id)"
            "  = ARRAY[r.land_use_code] AS land_use_same,"
            " NOT :has_holder OR ARRAY(SELECT h.name FROM holder h"
            "  WHERE h.parcel_id = p.id ORDER BY h.position)"
            "  = CASE WHEN r.holder IS NULL THEN '{}'::text[] ELSE ARRAY[r.holder] END"
            "  AS holder_same,"
            " p.id IS NOT NULL AND p.geom = r.geom"
            "  AND p.legal_area_m2 IS NOT DISTINCT FROM r.legal_area"
            "  AND p.address IS NOT DISTINCT FROM r.address"
            "  AND p.extra = r.extra AS attributes_same"
            " FROM import_row r LEFT JOIN parcel p"
            "  ON (p.survey_commune_code, p.sheet_no, p.parcel_no) = (r.commune, r.sheet_no,"
            "  r.parcel_no) AND p.retired_at IS NULL) m"
        ),
        {"has_holder": has_holder},
    )


def _counts(conn: Connection) -> dict[str, int]:
    row = execute(
        conn,
        (
            "SELECT count(*) FILTER (WHERE unchanged),"
            " count(*) FILTER (WHERE old_id IS NOT NULL AND NOT unchanged),"
            " count(*) FILTER (WHERE old_id IS NULL) FROM import_match"
        ),
    ).one()
    return {"unchanged": int(row[0]), "updated": int(row[1]), "inserted": int(row[2])}


def _insert_new(conn: Connection) -> None:
    """Insert the new parcels, at version 1."""
    execute(
        conn,
        (
            "INSERT INTO parcel (id, survey_commune_code, ward_code, sheet_no, parcel_no, geom,"
            " area_m2, legal_area_m2, address, extra, version, land_use_group)"
            " SELECT m.parcel_id, m.commune, m.ward_code, m.sheet_no, m.parcel_no, m.geom,"
            " round(ST_Area(m.geom)::numeric, 2), m.legal_area, m.address, m.extra, 1,"
            # the group its one land use gives it: the trigger on land uses then finds it set
            " t.group_code FROM import_match m"
            " LEFT JOIN land_use_type t ON t.code = m.land_use_code WHERE m.old_id IS NULL"
        ),
    )


def _update_changed(conn: Connection, has_holder: bool) -> None:
    """Write what changed of the registered parcels (the new ones' children too)."""
    execute(
        conn,
        (
            "CREATE UNLOGGED TABLE import_changed AS"
            " SELECT m.*, (m.old_id IS NULL) AS is_new, v.version AS old_version,"
            " v.snapshot AS old_snapshot FROM import_match m"
            " LEFT JOIN parcel_version v ON v.parcel_id = m.parcel_id AND v.valid_to IS NULL"
            " WHERE NOT m.unchanged"
        ),
    )
    # changed parcels: new geometry and attributes; status and certificate stay
    execute(
        conn,
        (
            "UPDATE parcel p SET geom = c.geom, ward_code = c.ward_code,"
            " area_m2 = round(ST_Area(c.geom)::numeric, 2), legal_area_m2 = c.legal_area,"
            " address = c.address, extra = c.extra"
            " FROM import_changed c WHERE p.id = c.parcel_id AND NOT c.is_new"
        ),
    )
    # land uses and holders are replaced only when the file says otherwise: what the file
    # cannot carry (origin codes, ID numbers, holder kinds) survives a change of address
    execute(
        conn,
        (
            "DELETE FROM parcel_land_use u USING import_changed c WHERE u.parcel_id = c.parcel_id"
            " AND NOT c.land_use_same;"
            " INSERT INTO parcel_land_use (parcel_id, land_use_code, area_m2)"
            " SELECT c.parcel_id, c.land_use_code,"
            "  coalesce(c.legal_area, round(ST_Area(c.geom)::numeric, 2))"
            " FROM import_changed c WHERE NOT c.land_use_same;"
            " UPDATE parcel_land_use u"
            " SET area_m2 = coalesce(c.legal_area, round(ST_Area(c.geom)::numeric, 2))"
            " FROM import_changed c WHERE u.parcel_id = c.parcel_id AND c.land_use_same"
        ),
    )
    if has_holder:
        execute(
            conn,
            (
                "DELETE FROM holder h USING import_changed c WHERE h.parcel_id = c.parcel_id"
                " AND NOT c.holder_same;"
                " INSERT INTO holder (parcel_id, position, name, kind)"
                " SELECT parcel_id, 1, holder, 'individual' FROM import_changed"
                " WHERE holder IS NOT NULL AND NOT holder_same"
            ),
        )


def _record_versions(conn: Connection, *, actor: str, import_id: int) -> None:
    """Close each changed parcel's current version and add the next, with what changed."""
    execute(
        conn,
        (
            "UPDATE parcel_version v SET valid_to = clock_timestamp() FROM import_changed c"
            " WHERE v.parcel_id = c.parcel_id AND v.valid_to IS NULL"
        ),
        {"actor": actor, "import_id": import_id},
    )
    # the first version of a new parcel: its children are the file's land use and holder
    # and nothing else (its id is new), so its document is built from them directly
    execute(
        conn,
        (
            "INSERT INTO parcel_version (parcel_id, version, valid_from, actor, action,"
            "  changes, snapshot, import_id)"
            " SELECT c.parcel_id, 1, clock_timestamp(), :actor, 'import', '{}'::jsonb,"
            "  parcel_document(p, jsonb_build_array(land_use_document(u.land_use_code,"
            "   u.area_m2, u.origin_codes::text[])), NULL,"
            "   CASE WHEN h.parcel_id IS NOT NULL"
            "    THEN jsonb_build_array(holder_document(h.name, h.kind, h.id_number)) END,"
            "   NULL, NULL), :import_id"
            " FROM import_changed c JOIN parcel p ON p.id = c.parcel_id"
            " JOIN parcel_land_use u ON u.parcel_id = c.parcel_id"
            " LEFT JOIN holder h ON h.parcel_id = c.parcel_id"
            " WHERE c.is_new"
        ),
        {"actor": actor, "import_id": import_id},
    )
    # the next version of a changed parcel, with what changed
    execute(
        conn,
        (
            "INSERT INTO parcel_version (parcel_id, version, valid_from, actor, action,"
            "  changes, snapshot, import_id)"
            " SELECT c.parcel_id, coalesce(c.old_version, 0) + 1, clock_timestamp(), :actor,"
            "  'import_update', jsonb_changes(c.old_snapshot, s.snapshot), s.snapshot,"
            "  :import_id"
            " FROM import_changed c"
            " JOIN parcel_snapshots(ARRAY(SELECT parcel_id FROM import_changed"
            "  WHERE NOT is_new)) s ON s.id = c.parcel_id"
        ),
        {"actor": actor, "import_id": import_id},
    )
    execute(
        conn,
        (
            " UPDATE parcel p SET version = c.old_version + 1, updated_at = clock_timestamp()"
            " FROM import_changed c WHERE p.id = c.parcel_id AND NOT c.is_new"
        ),
        {"actor": actor, "import_id": import_id},
    )
