# Sourced by bin/tova and bin/test: makes the project's virtualenv exist and match pyproject.toml.
# A stamp of pyproject.toml's hash skips the install when nothing changed, so reruns start at once.
tova_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tova_venv="${TOVA_VENV:-$tova_root/.venv}"

tova_ensure_python_env() {  # $1: the extras to install, e.g. "test" or ""
    local extras="$1" spec="$tova_root" want stamp
    [ -n "$extras" ] && spec="$tova_root[$extras]"
    local hash have=""
    hash="$(sha256sum < "$tova_root/pyproject.toml" | cut -c1-16)"
    want="$hash-$extras"
    stamp="$tova_venv/.tova-stamp"
    [ -f "$stamp" ] && have="$(cat "$stamp")"
    if [ "$have" = "$want" ]; then return 0; fi
    # the test set includes the runtime set: `bin/tova` after `bin/test` must not reinstall (and a
    # running console must not see its own package uninstalled under it)
    if [ -z "$extras" ] && [ "${have%%-*}" = "$hash" ]; then return 0; fi
    if ! command -v python3 >/dev/null; then
        echo "tova: python3 is needed (3.11 or newer) and was not found on PATH" >&2; exit 1
    fi
    if [ ! -x "$tova_venv/bin/python" ]; then
        echo "==> creating the Python environment in $tova_venv" >&2
        python3 -m venv "$tova_venv"
    fi
    echo "==> installing Python packages (${extras:-runtime} set) into $tova_venv" >&2
    # pip's own lines, minus the noise of find-links folders that do not exist on this machine
    local rc=0
    "$tova_venv/bin/python" -m pip install --disable-pip-version-check -e "$spec" \
        > >(grep --line-buffered -vE 'is ignored: it is neither|^Requirement already satisfied' >&2) 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then echo "tova: installing the Python packages failed (see above)" >&2; exit 1; fi
    echo "$want" > "$stamp"
}
