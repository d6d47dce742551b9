#!/usr/bin/env bash
# Debian packages the tests use: promtool/prometheus, Alertmanager, and Chromium (with fonts) for the status
# page's browser test (test/e2e-status-page.test.ts drives /usr/bin/chromium with playwright-core).
# Idempotent; needs root (or sudo).
set -euo pipefail
lean=()
command -v promtool >/dev/null 2>&1 || lean+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || lean+=(prometheus-alertmanager)
# Chromium is installed with its recommended packages, as it was checked on this kind of machine; the fonts
# are named too, since without them pages render with boxes for text.
browser=()
[ -x /usr/bin/chromium ] || browser+=(chromium)
for font in fonts-dejavu-core fonts-liberation; do
  dpkg-query -W -f='${Status}' "$font" 2>/dev/null | grep -q 'install ok installed' || browser+=("$font")
done
[ ${#lean[@]} -eq 0 ] && [ ${#browser[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
if [ ${#lean[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${lean[@]}"
fi
if [ ${#browser[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${browser[@]}"
fi
