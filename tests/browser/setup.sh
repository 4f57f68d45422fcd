#!/usr/bin/env bash
# Prepares the browser test in BUILD_DIR (its own folder of the build tree): the Debian packages it
# needs when they are missing (chromium, nodejs, npm through deploy/install-deps.sh, which is
# idempotent), then `npm ci` of tests/browser/package-lock.json there. Never downloads a browser:
# the test drives Debian's /usr/bin/chromium.
set -euo pipefail
source_dir="$1"   # the repository
build_dir="$2"    # where package.json, package-lock.json and the test were copied

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1 || [ ! -x /usr/bin/chromium ]; then
  "$source_dir/deploy/install-deps.sh"
fi
cd "$build_dir"
# Reinstall only when the lock file changed since the last install.
if [ ! -f node_modules/.ekc-lock ] || ! cmp -s package-lock.json node_modules/.ekc-lock; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.ekc-lock
fi
node -e 'require("playwright-core")' && echo "browser test ready in $build_dir"
