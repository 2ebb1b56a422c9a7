#!/usr/bin/env bash
# End-to-end tests of the web pages, run by .ci/run: Debian's Chromium
# driven by playwright-core (npm), every visited page checked by axe-core.
#
# Starts a real `preau serve` on a fresh SQLite data directory and a free
# port, imports the directory fixture (tests/fixtures/annuaire-44.csv),
# creates two organisations, then runs tests/browser/flows.mjs, which
# drives the first-run /setup page before any account exists and seeds
# the other accounts itself (CLI + API) afterwards.
#
#   tests/browser/run.sh
#
# Environment:
#   PREAU_BROWSER_BIN=PATH   use this preau binary and skip `cargo build`
#   PREAU_BROWSER_KEEP_GOING=1  run every step even after a failure
#                            (the exit status is still non-zero)
#   PREAU_BROWSER_ONLY=a,b   run only the flows whose name contains a or b
#
# Screenshots: ${CARGO_TARGET_DIR:-target}/screenshots/NAME-desktop.png
# (1280x800) and NAME-360.png (360x740); the directory follows
# CARGO_TARGET_DIR like the binary does, so it is always next to the build.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac

if [ ! -x /usr/bin/chromium ]; then
    echo "browser: installing Debian's chromium" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)

if [ -n "${PREAU_BROWSER_BIN:-}" ]; then
    bin="$PREAU_BROWSER_BIN"
else
    (cd "$root" && cargo build --bin preau)
    bin="$target/debug/preau"
fi
[ -x "$bin" ] || { echo "browser: $bin missing" >&2; exit 1; }
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
work=$(mktemp -d)
preau_pid=""
cleanup() {
    if [ -n "$preau_pid" ]; then kill "$preau_pid" 2>/dev/null || true; wait "$preau_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

export PREAU_DATA_DIR="$work/data"
export PREAU_BIND="127.0.0.1:$port"
export PREAU_DOMAIN="127.0.0.1:$port"
export PREAU_FEDERATION_DEBUG=true
# The CLI and the server read config/preau.toml from the working
# directory when it exists: run both from the empty temp directory.
cd "$work"

# Organisations are not accounts: /setup still shows after these.
"$bin" admin create-org --slug circo-preau --name "Circonscription du Préau" \
    --kind circonscription >/dev/null
"$bin" admin create-org --slug ecole-preau --name "École du Préau" \
    --kind ecole --uai 0449990V --parent circo-preau >/dev/null
"$bin" directory import "$root/tests/fixtures/annuaire-44.csv" >/dev/null

NO_COLOR=1 "$bin" serve >"$work/preau.log" 2>&1 &
preau_pid=$!
for _ in $(seq 1 150); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    kill -0 "$preau_pid" 2>/dev/null || break
    sleep 0.2
done
if ! curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; then
    echo "browser: preau did not start" >&2
    tail -n 40 "$work/preau.log" >&2
    exit 1
fi
# With no account yet, the server logs the first-run link for the operator.
if ! grep -q "/setup?code=" "$work/preau.log"; then
    echo "browser: no first-run link in the server's log" >&2
    tail -n 40 "$work/preau.log" >&2
    exit 1
fi

status=0
PREAU_URL="http://127.0.0.1:$port" PREAU_BIN="$bin" \
    PREAU_SCREENSHOTS="$target/screenshots" \
    node "$here/flows.mjs" || status=$?
if [ "$status" -ne 0 ]; then
    echo "--- preau log (last 40 lines) ---" >&2
    tail -n 40 "$work/preau.log" >&2
fi
exit "$status"
