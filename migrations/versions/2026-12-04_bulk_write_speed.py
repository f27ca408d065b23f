"""Faster bulk writes: land-use groups kept set-based, and one definition of a parcel's
snapshot document that an import can fill for its new parcels without querying their children.

Land-use groups. The statement trigger on `parcel_land_use` called
`parcel_principal_group(ids)`, a SQL function whose plan assumes a few ids: for the million
land uses of a large import it looked each parcel up in turn (15 s of a 1M-parcel import). The
trigger now runs one set-based statement, planned for the statement's own transition table
(whose row count the planner then knows): a hash join for an import, index lookups for one
officer's edit. The rule is unchanged: the group of a residential use if there is one, else
that of the largest use.

Snapshots. `parcel_document(parcel, uses, disputes, holders, certificate, backlog)` builds the
document from a parcel row and its children's parts; `parcel_snapshots(ids)` calls it, and so
does the import for parcels it has just created (their children are the file's land use and
holder, and nothing else), which skips five aggregate queries over a million ids.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUPS_OF = """
WITH ids AS (SELECT DISTINCT parcel_id AS id FROM ({changed}) c),
best AS (
    SELECT DISTINCT ON (u.parcel_id) u.parcel_id, t.group_code
    FROM ids JOIN parcel_land_use u ON u.parcel_id = ids.id
    JOIN land_use_type t ON t.code = u.land_use_code
    ORDER BY u.parcel_id, t.group_code = 'OTC' DESC, u.area_m2 DESC, u.land_use_code
)
UPDATE parcel p SET land_use_group = b.group_code
FROM ids LEFT JOIN best b ON b.parcel_id = ids.id
WHERE p.id = ids.id AND p.land_use_group IS DISTINCT FROM b.group_code
"""

LAND_USE_TRIGGER_FUNCTION = f"""
CREATE OR REPLACE FUNCTION parcel_land_use_group_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- EXECUTE plans the statement for this call's transition tables (their row counts
    -- known); a cached plan would assume a handful of rows, whatever the statement wrote
    IF TG_OP = 'INSERT' THEN
        EXECUTE $sql${GROUPS_OF.format(changed="SELECT parcel_id FROM new_rows")}$sql$;
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE $sql${GROUPS_OF.format(changed="SELECT parcel_id FROM old_rows")}$sql$;
    ELSE
        EXECUTE $sql${
    GROUPS_OF.format(
        changed="SELECT parcel_id FROM old_rows UNION ALL SELECT parcel_id FROM new_rows"
    )
}$sql$;
    END IF;
    RETURN NULL;
END
$$
"""

DOCUMENT = """
CREATE FUNCTION parcel_document(
    p parcel, uses jsonb, disputes jsonb, holders jsonb, certificate jsonb, backlog jsonb
) RETURNS jsonb LANGUAGE sql STABLE AS $$
SELECT jsonb_build_object(
    'id', p.id,
    'survey_commune_code', p.survey_commune_code,
    'ward_code', p.ward_code,
    'sheet_no', p.sheet_no,
    'parcel_no', p.parcel_no,
    'status', p.status,
    'area_m2', p.area_m2,
    'legal_area_m2', p.legal_area_m2,
    'address', p.address,
    'land_uses', coalesce(uses, '[]'::jsonb),
    'land_use_since', p.land_use_since,
    'origin_confirmed', p.origin_confirmed,
    'time_of_use_confirmed', p.time_of_use_confirmed,
    'confirmation', CASE WHEN p.confirmed_by IS NULL THEN NULL ELSE jsonb_build_object(
        'by', p.confirmed_by, 'on', p.confirmed_on, 'document', p.confirmation_document) END,
    'disputed', p.disputed,
    'disputes', coalesce(disputes, '[]'::jsonb),
    'holders', coalesce(holders, '[]'::jsonb),
    'certificate', certificate,
    'backlog_reasons', coalesce(backlog, '[]'::jsonb),
    'retired_at', p.retired_at,
    'retired_reason', p.retired_reason,
    'extra', p.extra,
    'geometry', ST_AsGeoJSON(p.geom)::jsonb
)
$$
"""

LAND_USE_DOC = """
CREATE FUNCTION land_use_document(code text, area_m2 numeric, origin_codes text[])
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
SELECT jsonb_build_object('code', code, 'area_m2', area_m2, 'origin_codes', to_jsonb(origin_codes))
$$
"""

HOLDER_DOC = """
CREATE FUNCTION holder_document(name text, kind text, id_number text)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
SELECT jsonb_build_object('name', name, 'kind', kind, 'id_number', id_number)
$$
"""

SNAPSHOTS = """
CREATE OR REPLACE FUNCTION parcel_snapshots(ids bigint[]) RETURNS TABLE (id bigint, snapshot jsonb)
LANGUAGE sql STABLE AS $$
WITH uses AS (
    SELECT u.parcel_id, jsonb_agg(land_use_document(u.land_use_code, u.area_m2,
               u.origin_codes::text[]) ORDER BY u.area_m2 DESC, u.land_use_code) AS doc
    FROM parcel_land_use u WHERE u.parcel_id = ANY(ids) GROUP BY u.parcel_id
), disputes AS (
    SELECT d.parcel_id, jsonb_agg(jsonb_build_object(
               'id', d.id, 'kind', d.kind, 'status', d.status,
               'opened_on', d.opened_on, 'resolved_on', d.resolved_on) ORDER BY d.id) AS doc
    FROM dispute d WHERE d.parcel_id = ANY(ids) GROUP BY d.parcel_id
), holders AS (
    SELECT h.parcel_id, jsonb_agg(holder_document(h.name, h.kind, h.id_number)
           ORDER BY h.position) AS doc
    FROM holder h WHERE h.parcel_id = ANY(ids) GROUP BY h.parcel_id
), certificates AS (
    SELECT DISTINCT ON (c.parcel_id) c.parcel_id, jsonb_build_object(
               'serial', c.serial, 'register_no', c.register_no, 'signer', c.signer,
               'signed_on', c.signed_on, 'custody_location', c.custody_location,
               'issue_kind', c.issue_kind, 'replaces_serial', c.replaces_serial,
               'delivered_to', c.delivered_to, 'delivered_on', c.delivered_on) AS doc
    FROM certificate c WHERE c.parcel_id = ANY(ids) ORDER BY c.parcel_id, c.id DESC
), backlog AS (
    SELECT b.parcel_id, jsonb_agg(jsonb_build_object('reason', b.reason, 'note', b.note)
                                  ORDER BY b.reason) AS doc
    FROM backlog_reason b WHERE b.parcel_id = ANY(ids) GROUP BY b.parcel_id
)
SELECT p.id, parcel_document(p, uses.doc, disputes.doc, holders.doc, certificates.doc, backlog.doc)
FROM parcel p
LEFT JOIN uses ON uses.parcel_id = p.id
LEFT JOIN disputes ON disputes.parcel_id = p.id
LEFT JOIN holders ON holders.parcel_id = p.id
LEFT JOIN certificates ON certificates.parcel_id = p.id
LEFT JOIN backlog ON backlog.parcel_id = p.id
WHERE p.id = ANY(ids)
$$
"""


def upgrade() -> None:
    op.execute(LAND_USE_TRIGGER_FUNCTION)
    op.execute(DOCUMENT)
    op.execute(LAND_USE_DOC)
    op.execute(HOLDER_DOC)
    op.execute(SNAPSHOTS)


def _revision(file_name: str) -> Any:
    """Load an earlier revision's module (its SQL is what a downgrade puts back)."""
    spec = importlib.util.spec_from_file_location(file_name, Path(__file__).with_name(file_name))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def downgrade() -> None:
    # revision 0006's parcel_snapshots, which does not call the functions dropped below
    snapshots = _revision("2026-11-29_set_based_snapshots.py").SNAPSHOTS
    op.execute(snapshots.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
    op.execute("DROP FUNCTION holder_document(text, text, text)")
    op.execute("DROP FUNCTION land_use_document(text, numeric, text[])")
    op.execute("DROP FUNCTION parcel_document(parcel, jsonb, jsonb, jsonb, jsonb, jsonb)")
    # revision 0009's land-use group trigger function
    trigger = _revision("2026-11-30_coverage_statistics.py").LAND_USE_TRIGGER_FUNCTION
    op.execute(trigger.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
