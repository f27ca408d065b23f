"""ORM tables, one module per subject. The schema itself is made only by the Alembic
revisions in migrations/; importing this package registers every table on Base.metadata."""

from app.db.models.custody import CustodyInventory, CustodyInventoryItem
from app.db.models.history import AuditEvent, ParcelLineage, ParcelVersion
from app.db.models.operations import ApiKey, IdempotentRequest, ImportIssue, ImportJob
from app.db.models.register import (
    CommuneCrosswalk,
    LandOriginType,
    LandUseGroup,
    LandUseType,
    Parcel,
    ParcelLandUse,
    Ward,
)
from app.db.models.rights import (
    BacklogReason,
    Certificate,
    Complaint,
    Dispute,
    DossierReturn,
    Holder,
)
from app.db.models.staff import StaffAccount, StaffSession
from app.db.models.statistics import (
    COUNTER_MEASURES,
    CoverageTarget,
    StatSnapshot,
    stat_day,
    stat_delta,
    stat_total,
)
from app.db.models.tiles import TileCache, TileChange, parcel_cell_count, parcel_cell_delta

__all__ = [
    "COUNTER_MEASURES",
    "ApiKey",
    "AuditEvent",
    "BacklogReason",
    "Certificate",
    "CommuneCrosswalk",
    "Complaint",
    "CustodyInventory",
    "CustodyInventoryItem",
    "CoverageTarget",
    "Dispute",
    "DossierReturn",
    "Holder",
    "IdempotentRequest",
    "ImportIssue",
    "ImportJob",
    "LandOriginType",
    "LandUseGroup",
    "LandUseType",
    "Parcel",
    "ParcelLandUse",
    "ParcelLineage",
    "ParcelVersion",
    "StaffAccount",
    "StaffSession",
    "StatSnapshot",
    "TileCache",
    "TileChange",
    "Ward",
    "parcel_cell_count",
    "parcel_cell_delta",
    "stat_day",
    "stat_delta",
    "stat_total",
]
