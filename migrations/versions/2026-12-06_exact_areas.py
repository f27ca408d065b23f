"""Areas as drawn: `registry_area(area)` turns an area given in its own CRS into the storage
CRS without changing its shape.

A WGS84 box is bounded by meridians and parallels; transformed to a TM-3 zone these are curves,
and the envelope of the transformed corners is a larger, rotated box (several metres beyond
an edge near the town). The area is densified in its own CRS first, so that every edge keeps
its shape once transformed (to well under a millimetre for a ward, about a centimetre for the
whole country), and clipped to where the register can hold parcels (VN-2000's area of use,
generously), so that a box of the whole world, which the TM-3 formulas fold onto the central
meridian, still means what it says. Queries then filter with `&&` on the GiST index and the
exact predicate after.

IMMUTABLE: called with constants, PostgreSQL computes it once per query, at planning.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REGISTRY_AREA = """
CREATE FUNCTION registry_area(area geometry) RETURNS geometry
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    srid integer := ST_SRID(area);
    geographic boolean;
    clipped geometry;
    side float8;
BEGIN
    SELECT proj4text LIKE '%+proj=longlat%' INTO geographic
    FROM spatial_ref_sys WHERE spatial_ref_sys.srid = ST_SRID(area);
    IF geographic IS NULL THEN
        RAISE EXCEPTION 'unknown SRID %', srid USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF ST_Dimension(area) = 2 AND ST_Area(area) = 0 THEN
        -- a box of no width (a click on the map): its point or line, which GEOS can clip
        area := ST_Envelope(area);
    END IF;
    -- lon 100..118 E, lat 4..26 N holds all of Viet Nam, its islands included
    clipped := ST_Intersection(
        ST_Force2D(area),
        ST_Transform(ST_Segmentize(ST_MakeEnvelope(100, 4, 118, 26, 4326), 0.01), srid)
    );
    IF ST_IsEmpty(clipped) THEN
        RETURN ST_SetSRID('POLYGON EMPTY'::geometry, 9214);
    END IF;
    side := greatest(ST_XMax(clipped) - ST_XMin(clipped), ST_YMax(clipped) - ST_YMin(clipped));
    -- edges of at most 0.0005 degrees (55 m) or 50 m, and at most a thousand along a side
    RETURN ST_Transform(
        ST_Segmentize(clipped, greatest(CASE WHEN geographic THEN 0.0005 ELSE 50 END, side / 1000)),
        9214
    );
END
$$
"""


def upgrade() -> None:
    op.execute(REGISTRY_AREA)


def downgrade() -> None:
    op.execute("DROP FUNCTION registry_area(geometry)")
