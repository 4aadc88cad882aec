#!/bin/sh
# Install everything the test suite needs, then run all of it.
#   - Debian's apache2, mod_fcgid, php-cgi, strace, ab for the real-server tests
#     (skipped with a one-line reason where they cannot be installed);
#   - fcgilint itself with its test extra.
# Extra arguments go to pytest (e.g. -m real_server, -k corpus).
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-system-deps.sh
python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
exec python3 -m pytest "$@"
