#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Makes a launch template version the default again, so the next roll-launch-template (whose
# source is $Default) starts from what is live after a rollback.
#   env: LAUNCH_TEMPLATE (id or name) LAUNCH_TEMPLATE_VERSION (a number)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
require_env LAUNCH_TEMPLATE LAUNCH_TEMPLATE_VERSION
version="$LAUNCH_TEMPLATE_VERSION"
[[ "$version" =~ ^[1-9][0-9]*$ ]] ||
  fail "LAUNCH_TEMPLATE_VERSION is '$version'; expected a launch template version number"

mapfile -t selector < <(launch_template_selector "$LAUNCH_TEMPLATE")
aws ec2 modify-launch-template "${selector[@]}" --default-version "$version" \
  --query 'LaunchTemplate.DefaultVersionNumber' --output text >/dev/null
echo "launch template $LAUNCH_TEMPLATE: default version is $version"
