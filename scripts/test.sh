#!/usr/bin/env bash
# Set up (first time) and run the whole test suite, the slow end-to-end tests included.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
# The PostgreSQL tests must run here, not be skipped: setup.sh installed the server.
export SECUREX_REQUIRE_POSTGRES=1
exec .venv/bin/python -m pytest -q "$@"
