#!/usr/bin/env bash
# Foundation targets: release binary ready (/readyz 200) from an empty data
# directory, resident memory at idle, and (with --clean-build) the time of a
# release build from clean.
#
#   benches/startup.sh [--clean-build] [--runs N]
#
# Prints one line per figure; README keeps the last results.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=5
clean=0
while [ $# -gt 0 ]; do
    case "$1" in
        --clean-build) clean=1 ;;
        --runs) runs="$2"; shift ;;
        *) echo "usage: $0 [--clean-build] [--runs N]" >&2; exit 2 ;;
    esac
    shift
done

if [ "$clean" = 1 ]; then
    target=$(mktemp -d)
    start=$(date +%s)
    CARGO_TARGET_DIR="$target" cargo build --release --quiet
    end=$(date +%s)
    printf 'release build from clean: %d s (%d min %02d s)\n' "$((end - start))" \
        "$(((end - start) / 60))" "$(((end - start) % 60))"
    bin="$target/release/preau"
else
    cargo build --release --quiet
    bin="${CARGO_TARGET_DIR:-target}/release/preau"
fi
bin="$(cd "$(dirname "$bin")" && pwd)/preau"

port="${PREAU_BENCH_PORT:-18080}"
best=""
for i in $(seq 1 "$runs"); do
    dir=$(mktemp -d)
    start=$(date +%s%N)
    (cd "$dir" && PREAU_BIND="127.0.0.1:$port" PREAU_LOG_FILTER=warn exec "$bin" serve) &
    pid=$!
    until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
        if ! kill -0 "$pid" 2>/dev/null; then echo "server died" >&2; exit 1; fi
        sleep 0.005
    done
    end=$(date +%s%N)
    ms=$(( (end - start) / 1000000 ))
    printf 'run %d: ready in %d ms (empty data directory, SQLite created, migrated, keys generated)\n' "$i" "$ms"
    if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
    if [ "$i" = "$runs" ]; then
        # A few requests, then idle: the memory a small node keeps.
        for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/api/v1/organisations" >/dev/null; done
        sleep 2
        rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
        printf 'resident memory at idle: %d MB\n' "$(( rss / 1024 ))"
    fi
    kill -TERM "$pid"; wait "$pid" || true
    rm -rf "$dir"
done
printf 'ready from empty data directory: best %d ms over %d runs\n' "$best" "$runs"
