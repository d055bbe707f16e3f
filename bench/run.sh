#!/usr/bin/env bash
# Run the benchmarks (see bench/README.md); arguments go to `python -m bench`, e.g. --quick.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m bench "$@"
