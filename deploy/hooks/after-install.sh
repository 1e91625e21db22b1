#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# AfterInstall: install the systemd unit and migrate the database. The service runs with
# MIGRATE_ON_START=false, so this is the one place migrations run; the migrate CLI holds the
# database lock, so instances deploying at once still apply each migration exactly once.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

install -D -m 0644 -- "$APP_DIR/deploy/systemd/$UNIT" "$UNIT_DIR/$UNIT"
supervisor daemon-reload
log "installed $UNIT_DIR/$UNIT"

log "migrating the database"
started=$SECONDS
supervisor run "$UNIT" node "$APP_DIR/service/dist/cli/migrate.js" up
log "migrations applied in $((SECONDS - started)) s"
