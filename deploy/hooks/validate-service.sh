#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# ValidateService: the service answers /health/ready with 200 and /version serves this revision's
# commit. A service that exits meanwhile fails the hook at once rather than at the timeout.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

port=$(env_value PORT 3000)
base="http://127.0.0.1:$port"
expected=$(revision_commit)
# Below the hook's timeout in appspec.yml, so the failure message is ours rather than a kill.
deadline=$((SECONDS + ${DEALERSHIP_READY_TIMEOUT_S:-150}))

until [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$base/health/ready") == 200 ]]; do
  supervisor is-active --quiet "$UNIT" || fail "$UNIT is not running (it exited while starting)"
  ((SECONDS < deadline)) || fail "$base/health/ready did not answer 200 in time"
  sleep 0.1
done
log "$base/health/ready answers 200"

body=$(curl -fsS --max-time 5 "$base/version") || fail "GET $base/version failed"
served=$(version_commit "$body") || {
  (($? == 1)) && fail "GET $base/version is not JSON: $body"
  fail "GET $base/version names no commit: $body"
}
[[ $served == "$expected" ]] || fail "$base/version serves commit '$served', this revision is '$expected'"
log "serving commit $served"
