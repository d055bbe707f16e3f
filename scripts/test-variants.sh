#!/usr/bin/env bash
# The vendor-facing suites once per SANDBOX_VARIANTS seed, the seeds side by side: the suites
# spend most of their time waiting on sockets and timers, so three runs at once take little
# longer than one. Each run's output is printed whole once all are done.
# Usage: scripts/test-variants.sh PYTEST "SEED..." SUITE...
set -uo pipefail
pytest_bin=$1
seeds=$2
shift 2
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

declare -A runs
for seed in $seeds; do
    SANDBOX_VARIANTS=$seed "$pytest_bin" -q -p no:cacheprovider "$@" >"$logs/${seed//[^a-z0-9]/-}" 2>&1 &
    runs[$seed]=$!
done

failed=0
for seed in $seeds; do
    wait "${runs[$seed]}"
    status=$?
    echo "SANDBOX_VARIANTS=$seed (exit $status)"
    cat "$logs/${seed//[^a-z0-9]/-}"
    [ "$status" -eq 0 ] || failed=1
done
exit "$failed"
