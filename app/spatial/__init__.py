"""Pure geometry and CRS helpers (shapely, pyproj): no database, no HTTP."""
