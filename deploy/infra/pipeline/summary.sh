#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Appends a two-column markdown table to the job summary (stdout outside Actions).
#   usage: summary.sh TITLE NAME VALUE [NAME VALUE]...
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
(($# >= 1 && $# % 2 == 1)) || fail "summary.sh takes a title and then name/value pairs (got $# arguments)"

cell() { local v="${1//|/\\|}"; printf '%s' "${v:-–}"; }
{
  printf '### %s\n\n| | |\n|---|---|\n' "$1"
  shift
  while (($#)); do
    printf '| %s | %s |\n' "$(cell "$1")" "$(cell "$2")"
    shift 2
  done
  printf '\n'
} >>"${GITHUB_STEP_SUMMARY:-/dev/stdout}"
