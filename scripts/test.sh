#!/usr/bin/env bash
# Install everything into .venv and run every check: lint, format, types, generated code, tests,
# then build the container image from the Dockerfile and call it (skip with NEWSEVENTS_SKIP_CONTAINER=1).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=$(command -v python3.11 || command -v python3)
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e ./client -e ".[dev]"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy service client/src/newsevents/client training scripts bench
.venv/bin/python scripts/gen_proto.py --check
bash scripts/lint_proto.sh
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
if [ "${NEWSEVENTS_SKIP_CONTAINER:-0}" != 1 ]; then
    bash scripts/container-smoke.sh
fi
