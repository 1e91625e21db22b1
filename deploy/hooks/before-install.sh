#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# BeforeInstall: check this instance can run the revision, then empty the install directory so the
# revision is installed exactly, with nothing left over from the one before.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) ||
  fail "node is not installed (deploy/image/provision.sh installs it)"
((node_major >= 20)) || fail "node $(node -v) is too old: the service needs Node 20 or later"

[[ -f $ENV_FILE ]] ||
  fail "$ENV_FILE is missing: it holds the instance's configuration (DATABASE_URL, PORT, ...)"
grep -Eq '^[[:space:]]*DATABASE_URL[[:space:]]*=' "$ENV_FILE" ||
  fail "$ENV_FILE sets no DATABASE_URL: instances behind a load balancer must share one database"

if on_systemd; then
  id -u "$SERVICE_USER" >/dev/null 2>&1 ||
    fail "user $SERVICE_USER does not exist (deploy/image/provision.sh creates it)"
fi

# ApplicationStop has already stopped it; this covers a service started by hand, or one left
# restarting by a failed deployment. Stopping a stopped unit returns at once.
stop_service

rm -rf -- "$APP_DIR"
mkdir -p -- "$APP_DIR"
log "install directory $APP_DIR is empty; installing commit $(revision_commit)"
