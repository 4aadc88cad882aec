#!/bin/sh
# Install what the real-server tests need: Debian's apache2, mod_fcgid, php-cgi, strace, ab and suexec,
# and chromium for the test that renders the trace timeline page in a headless browser.
#
# Idempotent: does nothing when everything is present.  Never fails its caller: when something
# is missing and cannot be installed (not root, no apt-get, install error) it prints one line
# naming what is missing and exits 0, so the tests can skip with that reason.

MODULE=/usr/lib/apache2/modules/mod_fcgid.so
PACKAGES="apache2 libapache2-mod-fcgid php-cgi strace apache2-utils apache2-suexec-pristine chromium"

missing() {
    out=""
    command -v apache2 >/dev/null 2>&1 || [ -x /usr/sbin/apache2 ] || out="$out apache2"
    [ -f "$MODULE" ] || out="$out mod_fcgid"
    command -v php-cgi >/dev/null 2>&1 || out="$out php-cgi"
    command -v strace >/dev/null 2>&1 || out="$out strace"
    command -v ab >/dev/null 2>&1 || out="$out ab"
    [ -x /usr/lib/apache2/suexec ] || out="$out suexec"
    command -v chromium >/dev/null 2>&1 || out="$out chromium"
    echo "${out# }"
}

gap=$(missing)
[ -z "$gap" ] && exit 0

if [ "$(id -u 2>/dev/null || echo unknown)" != 0 ]; then
    echo "install-system-deps: missing: $gap (not root, cannot apt-get install $PACKAGES)"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-system-deps: missing: $gap (no apt-get on this system)"
    exit 0
fi

# shellcheck disable=SC2086  # PACKAGES is a word list on purpose
if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $PACKAGES; } >/dev/null 2>&1; then
    echo "install-system-deps: missing: $gap (apt-get install $PACKAGES failed)"
    exit 0
fi

gap=$(missing)
[ -n "$gap" ] && echo "install-system-deps: still missing after install: $gap"
exit 0
