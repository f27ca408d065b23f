"""Enable PostGIS and define the VN-2000 TM-3 zones with the official datum shift.

PostGIS 3.3 ships no spatial_ref_sys rows for EPSG:9205-9218 (VN-2000 / TM-3, the zones of
Vietnamese cadastral maps). Each row carries the datum shift of Decision 05/2007/QĐ-BTNMT
(EPSG:6960 "VN-2000 to WGS 84 (2)"), written in the Position Vector convention that both
PROJ's +towgs84 and WKT1's TOWGS84 use: the rotation signs are the opposite of the Coordinate
Frame values printed in the decision. The string most copied online keeps those signs and lands
about 0.76 m off around Việt Yên.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOWGS84 = "-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278"

# (EPSG code, zone name, central meridian in degrees); k0 0.9999, false easting 500 000 m.
ZONES = [
    (9205, "103-00", 103.0),
    (9206, "104-00", 104.0),
    (9207, "104-30", 104.5),
    (9208, "104-45", 104.75),
    (9209, "105-30", 105.5),
    (9210, "105-45", 105.75),
    (9211, "106-00", 106.0),
    (9212, "106-15", 106.25),
    (9213, "106-30", 106.5),
    (9214, "107-00", 107.0),
    (9215, "107-15", 107.25),
    (9216, "107-30", 107.5),
    (9217, "108-15", 108.25),
    (9218, "108-30", 108.5),
]

PROJ4 = (
    "+proj=tmerc +lat_0=0 +lon_0={cm:g} +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
    f"+towgs84={TOWGS84} +units=m +no_defs"
)

SRTEXT = (
    'PROJCS["VN-2000 / TM-3 {name}",GEOGCS["VN-2000",DATUM["Vietnam_2000",'
    'SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],'
    "TOWGS84[{towgs84}],"
    'AUTHORITY["EPSG","6756"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],'
    'UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4756"]],'
    'PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],'
    'PARAMETER["central_meridian",{cm:g}],PARAMETER["scale_factor",0.9999],'
    'PARAMETER["false_easting",500000],PARAMETER["false_northing",0],'
    'UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],AXIS["Northing",NORTH],'
    'AUTHORITY["EPSG","{srid}"]]'
)


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    for srid, name, cm in ZONES:
        op.get_bind().exec_driver_sql(
            "INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, srtext, proj4text) "
            "VALUES (%(srid)s, 'EPSG', %(srid)s, %(srtext)s, %(proj4)s) "
            "ON CONFLICT (srid) DO UPDATE "
            "SET auth_name = EXCLUDED.auth_name, auth_srid = EXCLUDED.auth_srid, "
            "srtext = EXCLUDED.srtext, proj4text = EXCLUDED.proj4text",
            {
                "srid": srid,
                "srtext": SRTEXT.format(name=name, cm=cm, srid=srid, towgs84=TOWGS84),
                "proj4": PROJ4.format(cm=cm),
            },
        )


def downgrade() -> None:
    op.execute(
        "DELETE FROM spatial_ref_sys WHERE srid IN ("
        + ", ".join(str(srid) for srid, _, _ in ZONES)
        + ")"
    )
    # The postgis extension stays: it may predate the registry (the postgis/postgis image
    # creates it) and other schemas in the database may depend on it.
