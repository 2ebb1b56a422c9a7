#!/usr/bin/env bash
# Interoperability check run by .ci/run: starts a real `preau serve` on a
# fresh SQLite directory, creates a group, and lets the third-party peer
# (bovine, tests/interop/peer.py) resolve it by WebFinger, follow it with a
# signed request, verify Préau's signed Accept and signed fetches, then
# receive and check the Announce(Create(Article)) and Announce(Article) of
# an announcement published once it follows.
#
#   tests/interop/check.sh [PATH/TO/preau]     (default: $CARGO_TARGET_DIR or target, /debug/preau)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${1:-${CARGO_TARGET_DIR:-$root/target}/debug/preau}"
[ -x "$bin" ] || { echo "interop: build preau first ($bin missing)" >&2; exit 1; }
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
peer_port=$(free_port)
work=$(mktemp -d)
preau_pid=""
cleanup() {
    if [ -n "$preau_pid" ]; then kill "$preau_pid" 2>/dev/null || true; wait "$preau_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

export PREAU_DATA_DIR="$work/data"
export PREAU_DOMAIN="localhost:$port"
export PREAU_BIND="127.0.0.1:$port"
export PREAU_FEDERATION_DEBUG=true
export PREAU_FEDERATION_ALLOWLIST="localhost:$peer_port"
export PREAU_DELIVERY_POLL_INTERVAL_MS=100
cd "$work"

"$bin" admin create-org --slug ecole-interop --name "École interop" --kind ecole >/dev/null
printf 'interop password 1234\n' | "$bin" admin create-admin --username cpc >/dev/null
"$bin" admin add-member --username cpc --org ecole-interop --role advisor >/dev/null
token=$("$bin" admin token --username cpc)
"$bin" serve 2>"$work/preau.log" &
preau_pid=$!
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.1
done

# Once the peer follows, publish: it must receive the Article relayed
# by the group, in both forms.
(
    for _ in $(seq 1 300); do [ -s "$work/followed" ] && break; sleep 0.1; done
    curl -sf -o /dev/null -X POST "http://127.0.0.1:$port/api/v1/organisations/ecole-interop/announcements" \
        -H "Host: localhost:$port" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -d '{"title": "Rentrée", "body": "Le **1er** septembre, 8 h 30."}'
) &
if ! "$here/run.sh" --preau "http://localhost:$port" --group ecole-interop --port "$peer_port" \
        --require-signed-fetch --followed-file "$work/followed"; then
    echo "--- preau log ---" >&2
    tail -n 40 "$work/preau.log" >&2
    exit 1
fi
