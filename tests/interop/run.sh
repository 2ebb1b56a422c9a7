#!/usr/bin/env bash
# Runs the third-party ActivityPub peer (tests/interop/peer.py, built on
# bovine) against a running Préau. Installs its pinned dependencies into
# tests/interop/.venv first, only when requirements.txt changed.
#
#   tests/interop/run.sh --preau http://localhost:PORT --group SLUG --port PEER_PORT
#
# Exit 0 and "interop: ok" on success; exit 1 and the failed step otherwise.
# PYTHON may name the interpreter to build the venv with (3.11 or newer).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
stamp="$venv/.requirements.installed"

if [[ ! -x "$venv/bin/python" ]]; then
    python="${PYTHON:-}"
    if [[ -z "$python" ]]; then
        for candidate in python3.11 python3.12 python3.13 python3; do
            if command -v "$candidate" >/dev/null 2>&1; then python="$candidate"; break; fi
        done
    fi
    "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || { echo "interop: bovine needs Python >= 3.11 ($python is older)" >&2; exit 1; }
    "$python" -m venv "$venv"
fi

if ! cmp -s "$here/requirements.txt" "$stamp"; then
    "$venv/bin/python" -m pip install --disable-pip-version-check --no-input --quiet \
        --no-deps -r "$here/requirements.txt" >&2
    "$venv/bin/python" -m pip check >&2
    cp "$here/requirements.txt" "$stamp"
fi

exec "$venv/bin/python" "$here/peer.py" "$@"
