# Shared by the pipeline scripts (sourced, not run): outputs, errors, and the AWS look-ups that
# more than one script needs. Every AWS call goes through the aws CLI, which honours
# AWS_ENDPOINT_URL (the tests point it at a local moto server).
# shellcheck shell=bash

fail() {
  printf '::error::%s\n' "$*" >&2
  exit 1
}

# require_env NAME... — each must be set and non-empty.
require_env() {
  local name
  for name in "$@"; do
    [[ -n "${!name:-}" ]] || fail "environment variable $name is required (got an empty value)"
  done
}

# emit NAME VALUE — a step output (GITHUB_OUTPUT) when run by Actions, a line on stdout otherwise.
emit() {
  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
    printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
  fi
  printf '%s=%s\n' "$1" "$2"
}

# launch_template_selector ID_OR_NAME — the aws ec2 option pair that names a launch template.
launch_template_selector() {
  if [[ "$1" =~ ^lt-[0-9a-f]+$ ]]; then
    printf -- '--launch-template-id\n%s\n' "$1"
  else
    printf -- '--launch-template-name\n%s\n' "$1"
  fi
}

# asg_launch_template_version ASG — the launch template version number the group runs.
asg_launch_template_version() {
  local version
  version=$(aws autoscaling describe-auto-scaling-groups --auto-scaling-group-names "$1" \
    --query 'AutoScalingGroups[0].LaunchTemplate.Version' --output text)
  [[ "$version" =~ ^[0-9]+$ ]] ||
    fail "Auto Scaling group '$1' runs launch template version '$version'; expected a version number"
  printf '%s\n' "$version"
}

# revision_of DEPLOYMENT_ID — the deployment's revision as s3://bucket/key.
revision_of() {
  local location
  location=$(aws deploy get-deployment --deployment-id "$1" \
    --query 'deploymentInfo.revision.s3Location.[bucket,key]' --output text)
  [[ "$location" =~ ^[^[:space:]]+[[:space:]]+[^[:space:]]+$ && "$location" != *None* ]] ||
    fail "deployment '$1' has no S3 revision (got '$location')"
  printf 's3://%s/%s\n' "$(cut -f1 <<<"$location")" "$(cut -f2 <<<"$location")"
}
