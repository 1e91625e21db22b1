#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Resolves what rollback.yml restores.
#   env: WHAT   app | image | both
#        TO     previous | s3://bucket/key or a deployment id d-XXXXXXXXX (app) | a launch template
#               version number (image); `both` takes `previous` only
#        APPLICATION DEPLOYMENT_GROUP (app), AUTO_SCALING_GROUP LAUNCH_TEMPLATE (image)
#   outputs: revision, launch-template-version (each empty when WHAT leaves it alone),
#            current-launch-template-version (image)
# "previous" app revision: the newest successfully deployed revision other than the live one.
# "previous" image: the newest launch template version below the live one with a different AMI.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
require_env WHAT TO

previous_revision() {
  local listed since rows="" i
  local -a ids
  since=$(date -u -d '-180 days' +%s)
  listed=$(aws deploy list-deployments --application-name "$APPLICATION" \
    --deployment-group-name "$DEPLOYMENT_GROUP" --include-only-statuses Succeeded \
    --create-time-range "start=$since" --query 'deployments[]' --output text)
  read -r -a ids <<<"$listed"
  ((${#ids[@]})) || fail "no successful deployment of $APPLICATION/$DEPLOYMENT_GROUP in 180 days"
  # batch-get-deployments takes 25 ids a call; rows are "createTime<TAB>bucket<TAB>key".
  for ((i = 0; i < ${#ids[@]}; i += 25)); do
    rows+=$(aws deploy batch-get-deployments --deployment-ids "${ids[@]:i:25}" \
      --query 'deploymentsInfo[].[createTime, revision.s3Location.bucket, revision.s3Location.key]' \
      --output text)$'\n'
  done
  sort -t $'\t' -r -k1,1 <<<"$rows" | awk -F'\t' '
    NF < 3 || $2 == "None" { next }
    live == "" { live = $2 "/" $3; next }
    $2 "/" $3 != live { printf "s3://%s/%s\n", $2, $3; found = 1; exit }
    END { if (!found) exit 1 }' ||
    fail "every successful deployment of $APPLICATION/$DEPLOYMENT_GROUP in 180 days has the live revision"
}

previous_version() {
  local current="$1" listed
  local -a selector
  mapfile -t selector < <(launch_template_selector "$LAUNCH_TEMPLATE")
  listed=$(aws ec2 describe-launch-template-versions "${selector[@]}" \
    --query 'LaunchTemplateVersions[].[VersionNumber, LaunchTemplateData.ImageId]' --output text)
  awk -F'\t' -v current="$current" '
      { image[$1] = $2 }
      END {
        best = 0
        for (v in image) if (v + 0 < current + 0 && image[v] != image[current] && v + 0 > best) best = v + 0
        if (best == 0) exit 1
        print best
      }' <<<"$listed" ||
    fail "launch template $LAUNCH_TEMPLATE has no version below $current with a different AMI"
}

existing_version() {
  local found
  local -a selector
  mapfile -t selector < <(launch_template_selector "$LAUNCH_TEMPLATE")
  found=$(aws ec2 describe-launch-template-versions "${selector[@]}" --versions "$1" \
    --query 'LaunchTemplateVersions[0].VersionNumber' --output text 2>/dev/null) ||
    fail "input 'to': launch template $LAUNCH_TEMPLATE has no version '$1'"
  [[ "$found" == "$1" ]] || fail "input 'to': launch template $LAUNCH_TEMPLATE has no version '$1'"
  printf '%s\n' "$1"
}

revision="" version="" current_version=""
case "$WHAT" in
  app | both)
    require_env APPLICATION DEPLOYMENT_GROUP
    case "$TO" in
      previous) revision=$(previous_revision) ;;
      s3://?*/?*) [[ "$WHAT" == app ]] && revision="$TO" ;;
      d-*) [[ "$WHAT" == app && "$TO" =~ ^d-[A-Z0-9]+$ ]] && revision=$(revision_of "$TO") ;;
    esac
    [[ -n "$revision" ]] || fail "input 'to' is '$TO'; rolling back '$WHAT' takes $(
      [[ "$WHAT" == app ]] && echo "previous, s3://bucket/key or a deployment id (d-XXXXXXXXX)" || echo "previous"
    )"
    ;;&
  image | both)
    require_env AUTO_SCALING_GROUP LAUNCH_TEMPLATE
    current_version=$(asg_launch_template_version "$AUTO_SCALING_GROUP")
    case "$TO" in
      previous) version=$(previous_version "$current_version") ;;
      *) [[ "$WHAT" == image && "$TO" =~ ^[1-9][0-9]*$ ]] && version=$(existing_version "$TO") ;;
    esac
    [[ -n "$version" ]] || fail "input 'to' is '$TO'; rolling back '$WHAT' takes $(
      [[ "$WHAT" == image ]] && echo "previous or a launch template version number" || echo "previous"
    )"
    ;;
  app) ;;
  *) fail "input 'what' is '$WHAT'; expected app, image or both" ;;
esac

emit revision "$revision"
emit launch-template-version "$version"
emit current-launch-template-version "$current_version"
