#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# ApplicationStart: start the service through its unit (enabled, so it comes back after a reboot).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

supervisor enable --quiet "$UNIT"
supervisor restart "$UNIT"
log "started $UNIT (commit $(revision_commit))"
