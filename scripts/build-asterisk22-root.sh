#!/usr/bin/env bash
# Builds the Debian sid root holding Asterisk 22 LTS, which the lab (`make run`)
# and the Asterisk 22 test tier run with chroot (SAFEDIAL_ASTERISK_ROOT=<cache>/root).
# No container engine runs here, and Debian 12 has no Asterisk, so it is a
# plain directory built by mmdebstrap from the mirror this machine already uses.
#
# It lives outside the repository (default /var/cache/safedial/asterisk22) and
# is built once: <cache>/stamp holds the hash of the package list and build
# options, and the root is rebuilt only when they change. Quiet when current.
#   usage: build-asterisk22-root.sh [CACHE_DIR]
set -euo pipefail

cache=${1:-${SAFEDIAL_ASTERISK22_CACHE:-/var/cache/safedial/asterisk22}}
root=$cache/root
stamp=$cache/stamp
suite=sid
packages=(asterisk asterisk-modules asterisk-core-sounds-en)
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
# sid's Release file on the mirror can be past its Valid-Until date.
options=(--variant=apt "--aptopt=Acquire::Check-Valid-Until \"false\"" "--keyring=$keyring")
want=$(printf '%s\n' "$suite" "${packages[@]}" "${options[@]}" | sha256sum | cut -d' ' -f1)

if [ -x "$root/usr/sbin/asterisk" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "build-asterisk22-root: $root is missing or stale; run as root to build it" >&2
    exit 1
fi
if ! command -v mmdebstrap >/dev/null 2>&1; then
    echo "build-asterisk22-root: mmdebstrap is not installed (scripts/install-system-deps.sh)" >&2
    exit 1
fi
# Never pull a root out from under a running Asterisk (the lab's or a test's).
if [ -d "$root" ]; then
    for proc in /proc/[0-9]*; do
        if [ "$(readlink "$proc/root" 2>/dev/null)" = "$(readlink -f "$root")" ]; then
            echo "build-asterisk22-root: pid ${proc#/proc/} runs from $root; stop it" \
                 "(make stop) before the root is rebuilt" >&2
            exit 1
        fi
    done
fi

mirror=$(bash "$(dirname "$0")/debian-mirror.sh")
mkdir -p "$cache"
new=$(mktemp -d "$cache/root.new.XXXXXX")
trap 'rm -rf "$new"' EXIT
echo "build-asterisk22-root: building Asterisk 22 (Debian $suite) in $root from $mirror" >&2
mmdebstrap --quiet "${options[@]}" --include="$(IFS=,; echo "${packages[*]}")" \
    "$suite" "$new" "$mirror"
chmod 755 "$new"
chroot "$new" /usr/sbin/asterisk -V >/dev/null  # it runs in its root, or this build failed
if [ -d "$root" ]; then
    # The lab's runtime folder (its AMI secret, lab phone, logs) survives a rebuild.
    if [ -d "$root/var/lib/safedial" ]; then
        mkdir -p "$new/var/lib"
        mv "$root/var/lib/safedial" "$new/var/lib/"
    fi
    old=$(mktemp -d "$cache/root.old.XXXXXX")
    mv "$root" "$old/"
    mv "$new" "$root"
    rm -rf "$old"
else
    mv "$new" "$root"
fi
trap - EXIT
echo "$want" >"$stamp"
echo "build-asterisk22-root: $(chroot "$root" /usr/sbin/asterisk -V) ready in $root" >&2
