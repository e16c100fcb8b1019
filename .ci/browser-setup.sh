#!/bin/sh
# What tests/browser needs besides the Python packages of kernelkit[test]: Debian's Chromium.
# Playwright drives it through executable_path=/usr/bin/chromium; never `playwright install`,
# which downloads its own browsers (and fails without network).
set -eu

if [ ! -x /usr/bin/chromium ]; then
    SUDO=""
    if [ "$(id -u)" != 0 ]; then
        SUDO="sudo"
    fi
    echo "browser-setup: installing Debian's chromium (about 25 s, 500 MB)"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium
fi
/usr/bin/chromium --version
