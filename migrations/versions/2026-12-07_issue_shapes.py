"""An import's issues keep the geometry of their feature, to draw them on a map.

A reject, a repair or an overlap was known by its row and key only: the features
themselves were gone with the import's staging tables, so the upload desk could not show
where in the ward they lay. `geom` holds each one's geometry in the storage CRS, as the file
had it (an invalid ring stays invalid: that is what the surveyor must see); NULL for issues
of the file as a whole and for geometries that cannot be drawn. `merc` is the same in Web
Mercator, indexed, for the vector tiles the desk's map draws: a tile then reads only its own
features, however many the import has.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from geoalchemy2 import Geometry

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STORAGE_SRID = 9214


def upgrade() -> None:
    op.add_column(
        "import_issue",
        sa.Column("geom", Geometry("GEOMETRY", srid=STORAGE_SRID, spatial_index=False)),
    )
    op.add_column(
        "import_issue", sa.Column("merc", Geometry("GEOMETRY", srid=3857, spatial_index=False))
    )
    op.create_index("ix_import_issue_merc", "import_issue", ["merc"], postgresql_using="gist")


def downgrade() -> None:
    op.drop_index("ix_import_issue_merc", table_name="import_issue")
    op.drop_column("import_issue", "merc")
    op.drop_column("import_issue", "geom")
