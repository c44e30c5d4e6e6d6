#!/usr/bin/env bash
# Install the service with its bundled model into .venv and start it on port 50051.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=$(command -v python3.11 || command -v python3)
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check ./client .
exec .venv/bin/newsevents-server "$@"
