#!/usr/bin/env bash
# Creates (or completes) the Python venv for the Watcher suite and prints nothing on stdout. The
# venv is ${WATCHER_VENV:-target/watcher-venv}, relative to the repo root; a marker holds the hash
# of requirements.txt + constraints.txt + the Python version, so a changed pin reinstalls. Then
# the wasm-action wheel (python) is built when it is older than its sources and installed
# when it changed. Needs python3 (3.11 tested), a reachable PyPI (pip) and, for the wheel, cargo.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${WATCHER_VENV:-target/watcher-venv}"
case "$venv" in /*) ;; *) venv="$root/$venv" ;; esac
python="${PYTHON:-python3}"

# Watcher 17.0.0 and maturin, pinned; silent when the marker matches.
install_watcher() {
    local want marker
    want="$( (cat "$here/requirements.txt" "$here/constraints.txt"; "$python" -V) | sha256sum | cut -d' ' -f1)"
    marker="$venv/.watcher-ready"
    if [[ -x "$venv/bin/python" && -f "$marker" && "$(cat "$marker")" == "$want" ]]; then
        return 0
    fi
    echo "watcher: preparing $venv (python-watcher 17.0.0 from PyPI; ~35 s with a warm pip cache)" >&2
    [[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        -r "$here/requirements.txt" -c "$here/constraints.txt" >&2
    # Fail here, not in the first test, if Watcher's applier side cannot be imported.
    "$venv/bin/python" -c 'import watcher.cmd.eventlet.applier, watcher.applier.actions.migration' >/dev/null 2>&1 || {
        echo "watcher: the venv at $venv cannot import Watcher's applier" >&2
        exit 1
    }
    rm -f "$venv/.wasm-action-wheel" # a new venv needs the wheel again
    echo "$want" > "$marker"
    echo "watcher: venv ready" >&2
}

# The newest wasm-action wheel in target/wheels/<profile>, rebuilt with maturin (the workspace's
# target dir; profile dev unless WASM_ACTION_WHEEL_PROFILE says release) when none exists or a source it is built from (.rs, .py, .toml, .wit
# under crates/, python/, wit/, or Cargo.lock) is newer. Prints its path, or nothing while
# python/ does not exist.
wasm_action_wheel() {
    # dev (default): shares the test build's artifacts, built in seconds; release: what you
    # ship, and what the benchmark figures in BENCHMARKS.md were measured with.
    local profile="${WASM_ACTION_WHEEL_PROFILE:-dev}"
    local manifest="$root/python/Cargo.toml" wheels="$root/target/wheels/$profile" wheel
    [[ -f "$manifest" ]] || return 0
    wheel="$(ls -t "$wheels"/wasm_action-*.whl 2>/dev/null | head -n1 || true)"
    if [[ -z "$wheel" ]] || [[ -n "$(find "$root/crates" "$root/python" "$root/wit" "$root/Cargo.lock" \
            -type f \( -name '*.rs' -o -name '*.py' -o -name '*.pyi' -o -name py.typed -o -name '*.toml' -o -name '*.wit' \
            -o -name Cargo.lock \) -newer "$wheel" -print -quit)" ]]; then
        echo "watcher: building the wasm-action wheel ($profile; maturin build -m python/Cargo.toml)" >&2
        "$venv/bin/maturin" build --quiet --profile "$profile" -m "$manifest" \
            -i "$venv/bin/python" --target-dir "$root/target" -o "$wheels" >&2
        wheel="$(ls -t "$wheels"/wasm_action-*.whl | head -n1)"
    fi
    echo "$wheel"
}

# Installs the wheel when it differs from the one installed (its deps come from requirements.txt).
install_wheel() {
    local wheel="$1" want marker="$venv/.wasm-action-wheel"
    want="$(sha256sum "$wheel" | cut -d' ' -f1)"
    [[ -f "$marker" && "$(cat "$marker")" == "$want" ]] && return 0
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        --no-deps --force-reinstall "$wheel" >&2
    echo "$want" > "$marker"
    echo "watcher: installed $(basename "$wheel")" >&2
}

install_watcher
wheel="$(wasm_action_wheel)"
if [[ -n "$wheel" ]]; then
    install_wheel "$wheel"
fi
