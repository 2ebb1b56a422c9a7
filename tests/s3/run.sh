#!/usr/bin/env bash
# Runs the S3 test of the file store (tests/it/resources.rs,
# `files_live_in_an_s3_bucket_when_configured`) against a local
# S3-compatible server: moto, from PyPI, installed into tests/s3/.venv
# (only when requirements.txt changed) and started on a free port.
#
#   tests/s3/run.sh          (any extra arguments go to cargo test)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
stamp="$venv/.requirements.installed"

if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
if ! cmp -s "$here/requirements.txt" "$stamp"; then
    "$venv/bin/python" -m pip install --disable-pip-version-check --no-input --quiet \
        --no-deps -r "$here/requirements.txt" >&2
    cp "$here/requirements.txt" "$stamp"
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log=$(mktemp)
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 50); do
    curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break
    sleep 0.2
done
curl -fs "http://127.0.0.1:$port/" >/dev/null || { cat "$log" >&2; echo "s3: moto did not start" >&2; exit 1; }

cd "$root"
PREAU_TEST_S3_ENDPOINT="http://127.0.0.1:$port" \
    cargo test --test it "$@" -- --ignored files_live_in_an_s3_bucket_when_configured
