#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# BeforeInstall: check this instance can run the revision and make sure the install directory is
# there, root:dealership 0750. It deletes nothing: at Install the CodeDeploy agent itself first removes
# every file and folder the previous deployment installed (its cleanup list), and file_exists_behavior
# OVERWRITE replaces anything else at a path the revision ships. Emptying the directory here would
# only reset its owner and mode (the agent never applies a permissions rule to the object itself).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# `node --version` (vMAJOR.MINOR.PATCH) answers before Node starts its engine: a tenth of the time of
# evaluating anything.
node_version=$(node --version 2>/dev/null) || fail "node is not installed (deploy/image/provision.sh installs it)"
node_major=${node_version#v}
node_major=${node_major%%.*}
[[ $node_major =~ ^[0-9]+$ ]] || fail "node --version printed '$node_version', not vMAJOR.MINOR.PATCH"
((node_major >= 20)) || fail "node $node_version is too old: the service needs Node 20 or later"

[[ -f $ENV_FILE ]] ||
  fail "$ENV_FILE is missing: it holds the instance's configuration (DATABASE_URL, PORT, ...)"
grep -Eq '^[[:space:]]*DATABASE_URL[[:space:]]*=' "$ENV_FILE" ||
  fail "$ENV_FILE sets no DATABASE_URL: instances behind a load balancer must share one database"

id -u "$SERVICE_USER" >/dev/null 2>&1 ||
  fail "user $SERVICE_USER does not exist (deploy/image/provision.sh creates it)"

# ApplicationStop has already stopped it; this covers a service started by hand, or one left
# restarting by a failed deployment. Stopping a stopped unit returns at once.
stop_service

# deploy/image/provision.sh creates it so; this repairs an instance where it is missing or was changed.
install -d -o root -g "$SERVICE_USER" -m 0750 -- "$APP_DIR"
log "install directory $APP_DIR is ready; installing commit $(revision_commit)"
