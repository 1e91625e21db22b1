#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Smoke test through the load balancer: /health/ready answers 200 and, when COMMIT is given,
# /version serves that commit — on SMOKE_CONSECUTIVE answers in a row, so every instance behind
# the ALB is sampled, not just one.
#   usage: smoke-test.sh URL [COMMIT]
#   env:   SMOKE_ATTEMPTS (60), SMOKE_INTERVAL_SECONDS (5), SMOKE_CONSECUTIVE (10)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

url="${1:-}" commit="${2:-}"
[[ "$url" =~ ^https?://[^[:space:]]+$ ]] || fail "smoke test URL is '$url'; expected http(s)://host[:port]"
url="${url%/}"
attempts="${SMOKE_ATTEMPTS:-60}" interval="${SMOKE_INTERVAL_SECONDS:-5}" wanted="${SMOKE_CONSECUTIVE:-10}"
for name in attempts interval wanted; do
  [[ "${!name}" =~ ^[0-9]+$ ]] || fail "smoke test setting $name is '${!name}'; expected a whole number"
done

streak=0 seen=""
for ((attempt = 1; attempt <= attempts; attempt++)); do
  if ! ready=$(curl -fsS --max-time 5 "$url/health/ready" 2>&1); then
    seen="/health/ready: $ready"
    streak=0
  elif [[ -z "$commit" ]]; then
    streak=$((streak + 1)) seen="ready"
  elif ! served=$(curl -fsS --max-time 5 "$url/version" | jq -er '.commit' 2>&1); then
    seen="/version: $served"
    streak=0
  elif [[ "$served" == "$commit" ]]; then
    streak=$((streak + 1)) seen="commit $served"
  else
    seen="commit $served (waiting for $commit)"
    streak=0
  fi
  echo "smoke $attempt/$attempts: $seen ($streak/$wanted in a row)"
  ((streak >= wanted)) && exit 0
  sleep "$interval"
done
fail "smoke test of $url failed after $attempts attempts; last answer: $seen"
