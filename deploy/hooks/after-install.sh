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

# RDS rotates the master password: the image's writer fetches it afresh, so a rotation since boot does
# not fail the migration (the instance's timer would only catch up within minutes).
if [[ -x /usr/local/sbin/dealership-migrate-env ]]; then
  /usr/local/sbin/dealership-migrate-env || fail "could not write $MIGRATE_ENV_FILE from the database secret"
fi

log "migrating the database"
started=$SECONDS
supervisor run "$UNIT" --property=EnvironmentFile=-"$MIGRATE_ENV_FILE" node "$APP_DIR/service/dist/cli/migrate.js" up
log "migrations applied in $((SECONDS - started)) s"

# With IAM database authentication the service logs in as its own user, with DML grants only; the
# master user creates it (idempotent, so every deployment re-asserts the grants).
if [[ $(env_value DATABASE_IAM_AUTH false) == true ]]; then
  app_user=$(env_value DATABASE_URL '' | sed -n 's|^mysql://\([^:@/]*\)@.*|\1|p')
  [[ -n $app_user ]] || fail "DATABASE_IAM_AUTH=true needs DATABASE_URL=mysql://USER@host/db in $ENV_FILE"
  supervisor run "$UNIT" --property=EnvironmentFile=-"$MIGRATE_ENV_FILE" \
    node "$APP_DIR/service/dist/cli/migrate.js" grant-app-user --user "$app_user" --auth iam
  log "database user $app_user has its grants"
fi
