#!/usr/bin/env bash
# Runs the whole integration tier once per Asterisk release, one after the
# other (the tiers share loopback addresses and RTP ranges):
#   16  the host's Asterisk 16 (Debian 11), the fallback
#   22  Asterisk 22 LTS from the Debian sid root, run with chroot: the target
# Either tier failing fails the run, and so does a tier that ran no test
# (pytest exit 5). Only when Asterisk 16 is not installed on the host (Debian
# 11's suites gone) is its tier reported unavailable; 22 must pass regardless.
#   usage: integration-tiers.sh ASTERISK22_ROOT [pytest arguments...]
#   TIERS="22" runs one tier; PY names the Python to run pytest with;
#   ASTERISK16 names the host's Asterisk 16 binary (default /usr/sbin/asterisk).
set -uo pipefail

root=${1:?usage: integration-tiers.sh ASTERISK22_ROOT [pytest arguments...]}
shift
py=${PY:-.venv/bin/python}
tiers=${TIERS:-16 22}
asterisk16=${ASTERISK16:-/usr/sbin/asterisk}
failed=0
ran=0
summary=()

# run_tier RELEASE [env arguments...]: env's own -u options must come first.
run_tier() {
    local release=$1 started=$SECONDS rc
    shift
    echo "=== integration tier: Asterisk $release ==="
    env "$@" SAFEDIAL_TEST_ASTERISK="$release" \
        "$py" -m pytest tests/integration -m integration "${pytest_args[@]}"
    rc=$?
    ran=$((ran + 1))
    local took=$((SECONDS - started))
    local verdict=passed
    if [ $rc -eq 5 ]; then
        verdict="FAILED: no test ran (pytest exit 5)"
    elif [ $rc -ne 0 ]; then
        verdict="FAILED (pytest exit $rc)"
    fi
    [ $rc -eq 0 ] || failed=1
    summary+=("Asterisk $release: $verdict in $((took / 60))m$((took % 60))s")
}

pytest_args=("$@")
for release in $tiers; do
    case $release in
        16)
            if "$asterisk16" -V 2>/dev/null | grep -q '^Asterisk 16\.'; then
                run_tier 16 -u SAFEDIAL_ASTERISK_ROOT SAFEDIAL_ASTERISK_BINARY="$asterisk16"
            else
                message="Asterisk 16 tier unavailable: no Asterisk 16 on this host"
                message+=" (Debian 11's suites may have left the mirror); Asterisk 22 must pass"
                echo "=== $message ==="
                summary+=("$message")
            fi
            ;;
        22)
            run_tier 22 SAFEDIAL_ASTERISK_ROOT="$root"
            ;;
        *)
            echo "integration-tiers: unknown tier '$release' (16 or 22)" >&2
            exit 2
            ;;
    esac
done

if [ $ran -eq 0 ]; then
    summary+=("FAILED: no tier ran")
    failed=1
fi
echo "=== integration tiers ==="
printf '  %s\n' "${summary[@]}"
exit $failed
