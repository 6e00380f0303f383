#!/usr/bin/env bash
# Prints the Debian archive URL this machine's apt already uses, so no mirror
# host is ever written into the repository:
#   debian-mirror.sh            the archive serving this release (e.g. bookworm)
#   debian-mirror.sh security   the archive serving <release>-security
# Reads deb822 sources (/etc/apt/sources.list.d/*.sources), then one-line ones
# (/etc/apt/sources.list, /etc/apt/sources.list.d/*.list).
set -euo pipefail

# shellcheck source=/dev/null
. /etc/os-release
suite=${VERSION_CODENAME:?/etc/os-release names no VERSION_CODENAME}
if [ "${1:-}" = security ]; then
    suite=$suite-security
fi

from_deb822() {
    local file
    for file in /etc/apt/sources.list.d/*.sources; do
        [ -e "$file" ] && { cat "$file"; echo; }
    done | awk -v want="$suite" '
        function flush() {
            if (types ~ /(^| )deb( |$)/ && enabled != "no" && (" " suites " ") ~ (" " want " ") \
                && uris != "") {
                split(uris, found, " ")
                print found[1]
                done = 1
                exit
            }
            types = suites = uris = ""
            enabled = "yes"
        }
        BEGIN { enabled = "yes" }
        /^[ \t]*$/ { flush(); next }
        /^[ \t]*#/ { next }
        tolower($1) == "types:" { $1 = ""; types = $0 }
        tolower($1) == "uris:" { $1 = ""; uris = $0 }
        tolower($1) == "suites:" { $1 = ""; suites = $0 }
        tolower($1) == "enabled:" { enabled = tolower($2) }
        END { if (!done) flush() }'
}

from_one_line() {
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk -v want="$suite" '
        $1 == "deb" {
            i = 2
            if ($i ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
            if ($(i + 1) == want) { print $i; exit }
        }'
}

uri=$(from_deb822)
[ -n "$uri" ] || uri=$(from_one_line)
if [ -z "$uri" ]; then
    echo "debian-mirror: no apt source serves '$suite' on this machine" >&2
    exit 1
fi
echo "${uri%/}"
