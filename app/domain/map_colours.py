"""The colours of every map of the service (the tile style, the workbench, the dashboard):
a parcel's certificate status from grey (not registered) to dark green (delivered)."""

from __future__ import annotations

STATUS_COLOURS = {
    "unregistered": "#d9d9d9",
    "registered": "#c6dbef",
    "in_review": "#6baed6",
    "returned": "#fd8d3c",
    "eligible": "#a1d99b",
    "ineligible": "#969696",
    "signed": "#41ab5d",
    "delivered": "#006d2c",
}
DISPUTED_COLOUR = "#c0392b"
WARD_COLOUR = "#145a32"
