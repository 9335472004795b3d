#!/usr/bin/env bash
# Creates (or completes) the Python venv for the real-Nova suite and prints nothing when it is
# already complete. The venv is ${REAL_NOVA_VENV:-target/real-nova-venv}, relative to the repo
# root; a marker holds the hash of requirements.txt + constraints.txt + the Python version, so a
# changed pin reinstalls. Needs python3 (3.11 tested) and a reachable PyPI (pip).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${REAL_NOVA_VENV:-target/real-nova-venv}"
case "$venv" in /*) ;; *) venv="$root/$venv" ;; esac
python="${PYTHON:-python3}"

want="$( (cat "$here/requirements.txt" "$here/constraints.txt"; "$python" -V) | sha256sum | cut -d' ' -f1)"
marker="$venv/.real-nova-ready"
if [[ -x "$venv/bin/python" && -f "$marker" && "$(cat "$marker")" == "$want" ]]; then
    exit 0
fi

echo "real-nova: preparing $venv (nova 34.0.0 + placement 16.0.0 + keystone 30.0.0 from PyPI; ~2 min cold)" >&2
[[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "$here/requirements.txt" -c "$here/constraints.txt" >&2
# Fail here, not in the first test, if the fixtures cannot be imported.
"$venv/bin/python" -c 'import nova.tests.functional.integrated_helpers, keystone.server.wsgi' >/dev/null 2>&1 || {
    echo "real-nova: the venv at $venv cannot import nova's functional fixtures" >&2
    "$venv/bin/python" -c 'import nova.tests.functional.integrated_helpers, keystone.server.wsgi' >&2
    exit 1
}
echo "$want" > "$marker"
echo "real-nova: venv ready" >&2
