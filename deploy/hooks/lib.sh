# shellcheck shell=bash disable=SC2034  # the variables are for the hooks that source this file
# Sourced by every lifecycle hook: where the service lives and how it is supervised.
#
# One switch picks the supervisor: DEALERSHIP_SUPERVISOR=systemd (EC2, the default) or rehearsal
# (`npm run rehearse`, whose supervisor command, named by DEALERSHIP_REHEARSAL_SUPERVISOR, takes the
# same verbs). Nothing else differs between EC2 and the rehearsal: paths are the same everywhere (the
# rehearsal gives each instance its own /opt/dealership, /etc/dealership and /etc/systemd/system in a
# mount namespace), and APP_DIR is appspec.yml's files destination.

APP_DIR=/opt/dealership/app
ENV_FILE=/etc/dealership/dealership.env
# Root-only: DATABASE_MIGRATION_URL, the master user's URL that migrations run with (the instance's user
# data writes it; the service's own environment file holds no password).
MIGRATE_ENV_FILE=/etc/dealership/migrate.env
UNIT_DIR=/etc/systemd/system
UNIT=dealership.service
SERVICE_USER=dealership
# The unpacked revision this hook was shipped in (CodeDeploy's deployment archive). The hooks' helpers
# use bash's builtins where a program would do: each hook runs once per instance in every deployment,
# and a program started costs more than what it does here.
if [[ ${BASH_SOURCE[0]} == */* ]]; then REVISION_DIR=${BASH_SOURCE[0]%/*}/../..; else REVISION_DIR=../..; fi
[[ $REVISION_DIR == /* ]] || REVISION_DIR=$PWD/$REVISION_DIR

# A line on the hook's output, stamped in UTC: printf's %(…)T is date(1)'s format, built into bash.
log() { TZ=UTC0 printf '%(%Y-%m-%dT%H:%M:%SZ)T %s: %s\n' -1 "${LIFECYCLE_EVENT:-${0##*/}}" "$*"; }
fail() {
  log "FAILED: $*" >&2
  exit 1
}

on_systemd() {
  case "${DEALERSHIP_SUPERVISOR:-systemd}" in
    systemd) return 0 ;;
    rehearsal) return 1 ;;
    *) fail "DEALERSHIP_SUPERVISOR must be systemd or rehearsal, got '${DEALERSHIP_SUPERVISOR}'" ;;
  esac
}

# supervisor VERB ARGS...: systemctl's verbs (is-active, start, stop, restart, enable, daemon-reload),
# plus `run UNIT [--property=EnvironmentFile=-FILE]... CMD...`, which runs CMD as UNIT runs: its user,
# environment file and directory, with each FILE read after it when it exists (systemd-run's own
# property; systemd reads the file as root, so a root-only file passes its values to CMD without the
# service user being able to read it).
supervisor() {
  if on_systemd; then
    if [[ $1 == run ]]; then
      shift 2
      local -a properties=(--property=EnvironmentFile="$ENV_FILE")
      while [[ ${1:-} == --property=* ]]; do
        properties+=("$1")
        shift
      done
      systemd-run --quiet --wait --pipe --collect --service-type=exec \
        --uid="$SERVICE_USER" --gid="$SERVICE_USER" --working-directory="$APP_DIR/service" \
        "${properties[@]}" -- "$@"
    else
      systemctl "$@"
    fi
  else
    "${DEALERSHIP_REHEARSAL_SUPERVISOR:?names the rehearsal supervisor command}" "$@"
  fi
}

# Stops the service if its unit is installed: active, or failing and waiting to restart. systemctl stop
# sends SIGTERM (the service drains, then exits) and waits up to the unit's TimeoutStopSec.
stop_service() {
  if [[ ! -f $UNIT_DIR/$UNIT ]]; then
    log "$UNIT is not installed; nothing to stop"
    return 0
  fi
  local started=$SECONDS
  supervisor stop "$UNIT"
  log "$UNIT stopped after $((SECONDS - started)) s"
}

# env_value KEY DEFAULT: what the service sees for KEY in its environment file, else DEFAULT.
env_value() {
  local value
  value=$(sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$ENV_FILE" | tail -n 1)
  value=${value%[\"\']}
  value=${value#[\"\']}
  printf '%s' "${value:-$2}"
}

# The commit this revision was built from (the bundle's REVISION file).
revision_commit() {
  local line
  IFS= read -r line <"$REVISION_DIR/REVISION" || [[ -n $line ]] || return 1
  printf '%s\n' "$line"
}

# version_commit BODY: the commit named by the service's GET /version answer, Koa's JSON.stringify of
# service/src/schemas/system.ts `versionOutput`: {"version":"1.0.0","commit":"9281361","startedAt":"…"}.
# Read with bash alone (no Node start; jq is not on the image): an object of strings, numbers, booleans
# or nulls. Returns 1 when BODY is not such an object, 2 when it has no "commit" that is a string
# without escapes (a commit never needs one).
version_commit() {
  local ws='[[:space:]]*' plain='"([^"\\]*)"' string='"(\\.|[^"\\])*"'
  local member="$ws$string$ws:$ws($string|[-+.0-9eE]+|true|false|null)$ws"
  [[ $1 =~ ^$ws\{($member(,$member)*)?\}$ws$ ]] || return 1
  [[ $1 =~ [{,]$ws\"commit\"$ws:$ws$plain${ws}[,}] ]] || return 2
  printf '%s' "${BASH_REMATCH[1]}"
}
