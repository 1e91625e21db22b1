#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# ApplicationStop (CodeDeploy runs the PREVIOUS revision's copy): stop the service gracefully.
# Traffic is already blocked at the load balancer; on SIGTERM the service still reports 503 on
# /health/ready for SHUTDOWN_DRAIN_MS, finishes in-flight requests and exits. The unit's
# TimeoutStopSec bounds the wait before the supervisor kills it.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

stop_service
