#!/usr/bin/env bash
# Debian packages the tests use: promtool/prometheus, Alertmanager, and Chromium (with fonts) for the status
# page's browser test (test/e2e-status-page.test.ts drives /usr/bin/chromium with playwright-core).
# Idempotent; needs root (or sudo).
set -euo pipefail
packages=()
command -v promtool >/dev/null 2>&1 || packages+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || packages+=(prometheus-alertmanager)
[ -x /usr/bin/chromium ] || packages+=(chromium)
# --no-install-recommends skips Chromium's fonts: without them pages render with boxes for text.
for font in fonts-dejavu-core fonts-liberation; do
  dpkg-query -W -f='${Status}' "$font" 2>/dev/null | grep -q 'install ok installed' || packages+=("$font")
done
[ ${#packages[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}"
