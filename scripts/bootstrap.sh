#!/usr/bin/env bash
# Create .venv/ from uv.lock with the machine's Python 3.11+.
# uv itself is pinned and lives in .tools/uv so that nothing is installed outside the clone.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.9
PYTHON=${PYTHON:-python3}

die() { echo "bootstrap: $*" >&2; exit 1; }

command -v "$PYTHON" >/dev/null || die "no $PYTHON on PATH; install Python 3.11 or newer (Debian: apt-get install python3)"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || die "$("$PYTHON" -V 2>&1) is too old; Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)"

# Debian splits ensurepip out of the interpreter package.
if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "bootstrap: installing python3-venv" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  else
    die "Python's venv module is missing; install it (Debian: sudo apt-get install python3-venv)"
  fi
fi

if [ ! -x .tools/uv/bin/uv ] || [ "$(.tools/uv/bin/uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  rm -rf .tools/uv
  "$PYTHON" -m venv .tools/uv
  .tools/uv/bin/pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi

# Trust the OS certificate store, as pip and apt do (it holds any local proxy's CA);
# uv's own bundled roots are the fallback where the store is missing.
if [ -z "${UV_SYSTEM_CERTS:-}" ] && [ -s /etc/ssl/certs/ca-certificates.crt ]; then
  export UV_SYSTEM_CERTS=1
fi

# --frozen: install exactly what uv.lock pins, never re-resolve.
UV_PYTHON="$PYTHON" .tools/uv/bin/uv sync --frozen --quiet

# The pages' front-end libraries (OpenLayers, Leaflet, Chart.js), pinned in frontend/package-lock.json
# and served by the app itself. npm ci writes node_modules/.package-lock.json last: missing, or
# older than the lock, means the libraries are missing or stale.
if ! command -v npm >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "bootstrap: installing nodejs and npm" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  else
    die "npm is missing; the pages' libraries are installed with it (Debian: sudo apt-get install nodejs npm)"
  fi
  command -v npm >/dev/null || die "npm is still missing after installing nodejs and npm"
fi
STAMP=frontend/node_modules/.package-lock.json
if [ ! -f "$STAMP" ] || [ frontend/package-lock.json -nt "$STAMP" ]; then
  echo "bootstrap: installing the pages' libraries (npm ci in frontend/)" >&2
  (cd frontend && npm ci --no-audit --no-fund --prefer-offline --loglevel=error >/dev/null) \
    || die "npm ci failed in frontend/ (see above); the npm registry must be reachable, or its cache filled"
fi
