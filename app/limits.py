"""The service's limits in one place. Each refusal is a 413, 422 or 429 that names the limit.

Upload size, statement and lock timeouts and the anonymous write rate are settings (see
`app.config.Settings`); these are fixed because no legitimate request comes near them.
"""

from __future__ import annotations

# request bodies other than uploads (JSON): a parcel of MAX_VERTICES is about 0.5 MiB
MAX_JSON_BODY_BYTES = 4 * 1024**2
# vertices of one parcel geometry, sent over the API or in an import
MAX_VERTICES = 10_000
# features in one imported file (a whole province's cadastre is well under)
MAX_IMPORT_FEATURES = 2_000_000
# features in one page of a parcel query
MAX_PAGE_SIZE = 10_000
# vertices of a query area (POST /parcels/search)
MAX_QUERY_VERTICES = 10_000
# parcels in one export file
MAX_EXPORT_FEATURES = 100_000

# the longest CQL2 text filter taken
MAX_FILTER_LENGTH = 4000
