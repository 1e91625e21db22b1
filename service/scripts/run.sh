#!/bin/sh
# Usage: scripts/run.sh ENTRY [ARGS...]   (ENTRY: main, cli/migrate, cli/token)
# Builds when dist/ is missing or older than a source file, then hands the process over (exec) to
# node dist/ENTRY.js, so SIGTERM reaches the service directly and npm's exit status is the service's.
set -eu
cd "$(dirname "$0")/.."
entry="$1"
shift
if [ ! -f "dist/$entry.js" ] || [ -n "$(find src package.json tsconfig.build.json -newer "dist/$entry.js" -print -quit)" ]; then
  echo "building the service (dist/ is missing or out of date)..." >&2
  npm run --silent build
fi
exec node "dist/$entry.js" "$@"
