#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# ApplicationStop: stop the service gracefully. The agent runs the copy from the last revision whose
# Install succeeded, even one that then failed ValidateService, so this copes with a unit that is
# stopped, failed or restarting (systemctl stop handles each).
# Traffic is already blocked at the load balancer; on SIGTERM the service still reports 503 on
# /health/ready for SHUTDOWN_DRAIN_MS, finishes in-flight requests and exits. The unit's
# TimeoutStopSec bounds the wait before the supervisor kills it.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

log "ApplicationStop of commit $(revision_commit)"
stop_service
