#!/bin/sh
# Install the Debian packages named on the command line that are missing (the Makefile's
# DEBS lists). As root it runs apt-get; otherwise through sudo when sudo can run without
# asking on a terminal nobody watches. When it cannot install, it says exactly which
# packages are missing and the command that installs them, and fails.
#   sh tools/install_debs.sh WHY PACKAGE...
set -eu
why=$1
shift
if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "make: not a Debian-like system; make sure the equivalents of these are installed ($why): $*" >&2
    exit 0
fi
missing=""
for p in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$status" in
        *" installed") ;;
        *) missing="$missing $p" ;;
    esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
    run=""
elif command -v sudo >/dev/null 2>&1 && { [ -t 0 ] || sudo -n true 2>/dev/null; }; then
    run="sudo"
else
    echo "make: missing Debian packages ($why):$missing" >&2
    echo "make: install them with: sudo apt-get install$missing" >&2
    exit 1
fi
echo "make: installing Debian packages $why:$missing" >&2
if ! { $run apt-get update -qq && $run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing; }; then
    echo "make: could not install:$missing; install them with: sudo apt-get install$missing" >&2
    exit 1
fi
