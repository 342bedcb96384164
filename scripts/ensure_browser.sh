#!/usr/bin/env bash
# Make sure Debian's Chromium is there for the browser tests, installing it when we can.
# Never downloads a browser of its own: only the distribution's package.
set -u
BROWSER="${PATTERNWORK_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$BROWSER" ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing Debian's chromium for the browser tests (apt-get) =="
  if DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/tmp/patternwork-apt.log 2>&1 \
    || { apt-get update -q >>/tmp/patternwork-apt.log 2>&1 && \
         DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >>/tmp/patternwork-apt.log 2>&1; }; then
    exit 0
  fi
  tail -5 /tmp/patternwork-apt.log
fi
echo "**********************************************************************"
echo "** Chromium is not installed at $BROWSER and could not be installed. **"
echo "** The browser (end-to-end) tests will be SKIPPED.                   **"
echo "** Install it with: sudo apt-get install chromium                    **"
echo "** Under CI=true a missing browser fails the run instead.            **"
echo "**********************************************************************"
exit 0
