#!/usr/bin/env bash
# Set up (first time) and start SecureX; arguments go to main.py, e.g. --source video.mp4
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python main.py "$@"
