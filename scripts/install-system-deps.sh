#!/usr/bin/env bash
# Installs the system packages SafeDial's tests and lab need on Debian 12:
# - Asterisk 22 LTS (the production target) in a Debian sid root, built by
#   mmdebstrap outside the repository (scripts/build-asterisk22-root.sh);
# - Asterisk 16 from Debian 11 on the host (pinned so nothing else comes from
#   bullseye), the fallback while Debian 11's suites are still on the mirror.
#   When they are gone this says so and goes on: the Asterisk 16 test tier is
#   then reported unavailable and Asterisk 22 alone must pass;
# - sipp (sip-tester) as the real SIP far end, sox and espeak-ng to render and
#   measure voicemail prompts;
# - chromium, the browser the browser tier drives with Playwright (Playwright's
#   own browser download cannot work here).
# Mirrors are the ones this machine's apt already uses (scripts/debian-mirror.sh).
# Idempotent and quiet when everything is already there.
#   usage: install-system-deps.sh [ASTERISK22_CACHE_DIR]
#          install-system-deps.sh --browser   (chromium only: make browser, screenshots)
set -euo pipefail

here=$(dirname "$0")

if [ "${1-}" = "--browser" ]; then
    command -v chromium >/dev/null 2>&1 && exit 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "install-system-deps: missing chromium; run as root (or install it) first" >&2
        exit 1
    fi
    echo "install-system-deps: installing chromium" >&2
    apt-get update -qq || echo "install-system-deps: apt-get update reported errors (above)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium \
        >/dev/null
    exit 0
fi

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v sipp >/dev/null 2>&1 || need+=(sip-tester)
command -v sox >/dev/null 2>&1 || need+=(sox)
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
command -v mmdebstrap >/dev/null 2>&1 || need+=(mmdebstrap)
need16=()
command -v asterisk >/dev/null 2>&1 || need16+=(asterisk)
[ -e /usr/lib/asterisk/modules/app_amd.so ] || need16+=(asterisk-modules)

add_bullseye() {
    local sources=/etc/apt/sources.list.d/safedial-bullseye.sources
    local pin=/etc/apt/preferences.d/safedial-bullseye
    local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    if [ ! -e "$sources" ]; then
        cat >"$sources" <<SRC
Types: deb
URIs: $(bash "$here/debian-mirror.sh")
Suites: bullseye
Components: main
Signed-By: $keyring

Types: deb
URIs: $(bash "$here/debian-mirror.sh" security)
Suites: bullseye-security
Components: main
Signed-By: $keyring
SRC
    fi
    if [ ! -e "$pin" ]; then
        # Only Asterisk's own packages may come from bullseye; everything else
        # stays on bookworm (priority 1 means "never unless asked by pin").
        cat >"$pin" <<'PIN'
Package: *
Pin: release n=bullseye
Pin-Priority: 1

Package: *
Pin: release n=bullseye-security
Pin-Priority: 1

Package: asterisk asterisk-core-sounds-en asterisk-core-sounds-en-gsm asterisk-modules asterisk-config asterisk-moh-opsound-gsm asterisk-voicemail
Pin: release n=bullseye-security
Pin-Priority: 990

Package: asterisk asterisk-core-sounds-en asterisk-core-sounds-en-gsm asterisk-modules asterisk-config asterisk-moh-opsound-gsm asterisk-voicemail
Pin: release n=bullseye
Pin-Priority: 980
PIN
    fi
}

if [ ${#need[@]} -gt 0 ] || [ ${#need16[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "install-system-deps: missing ${need[*]} ${need16[*]}; run as root" \
             "(or install them) first" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    [ ${#need16[@]} -eq 0 ] || add_bullseye
    # A suite that left the mirror fails the update; what is still there is updated.
    apt-get update -qq || echo "install-system-deps: apt-get update reported errors (above)" >&2
    if [ ${#need[@]} -gt 0 ]; then
        echo "install-system-deps: installing ${need[*]}" >&2
        apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    fi
    if [ ${#need16[@]} -gt 0 ]; then
        echo "install-system-deps: installing Asterisk 16 from Debian 11 (pinned)" >&2
        if ! apt-get install -y -qq --no-install-recommends asterisk asterisk-modules \
                >/dev/null; then
            echo "install-system-deps: Asterisk 16 cannot be installed (have Debian 11's" \
                 "suites left the mirror?): its test tier will be reported unavailable" >&2
        fi
    fi
    # The package starts a system Asterisk; SafeDial runs its own private one.
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet asterisk 2>/dev/null
    then
        systemctl stop asterisk || true
        systemctl disable asterisk >/dev/null 2>&1 || true
    fi
fi

bash "$here/build-asterisk22-root.sh" "$@"
command -v sipp >/dev/null && command -v sox >/dev/null && command -v espeak-ng >/dev/null \
    && command -v chromium >/dev/null
