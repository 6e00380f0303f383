#!/usr/bin/env bash
# Installs the system packages SafeDial's tests and lab need on Debian 12:
# Asterisk 16 from Debian 11 (pinned so nothing else comes from bullseye),
# sipp (sip-tester) as the real SIP far end, sox and espeak-ng to render and
# measure voicemail prompts.
# Idempotent and quiet when everything is already there.
set -euo pipefail

need=()
command -v asterisk >/dev/null 2>&1 || need+=(asterisk)
command -v sipp >/dev/null 2>&1 || need+=(sip-tester)
command -v sox >/dev/null 2>&1 || need+=(sox)
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
[ -e /usr/lib/asterisk/modules/app_amd.so ] || need+=(asterisk-modules)
if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-system-deps: missing ${need[*]}; run as root (or install them) first" >&2
    exit 1
fi

sources=/etc/apt/sources.list.d/safedial-bullseye.sources
pin=/etc/apt/preferences.d/safedial-bullseye
if [ ! -e "$sources" ]; then
    cat >"$sources" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bullseye
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bullseye-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
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

echo "install-system-deps: installing ${need[*]} (Asterisk from Debian 11, pinned)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
    asterisk asterisk-modules sip-tester sox espeak-ng >/dev/null
# The package starts a system Asterisk; SafeDial runs its own private one.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet asterisk 2>/dev/null; then
    systemctl stop asterisk || true
    systemctl disable asterisk >/dev/null 2>&1 || true
fi
command -v asterisk >/dev/null && command -v sipp >/dev/null && command -v espeak-ng >/dev/null
