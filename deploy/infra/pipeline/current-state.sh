#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# What is live before a deploy changes it: the revision CodeDeploy last deployed successfully and
# the launch template version the Auto Scaling group runs. deploy.yml rolls back to these when a
# step after the app deploy fails.
#   env: APPLICATION DEPLOYMENT_GROUP AUTO_SCALING_GROUP
#   outputs: revision (s3://bucket/key, empty before the first deploy), launch-template-version,
#            desired-capacity (0 while bootstrapping: nothing to smoke test yet)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
require_env APPLICATION DEPLOYMENT_GROUP AUTO_SCALING_GROUP

last=$(aws deploy get-deployment-group --application-name "$APPLICATION" \
  --deployment-group-name "$DEPLOYMENT_GROUP" \
  --query 'deploymentGroupInfo.lastSuccessfulDeployment.deploymentId' --output text)
revision=""
if [[ -n "$last" && "$last" != "None" ]]; then
  revision=$(revision_of "$last")
fi

emit revision "$revision"
emit launch-template-version "$(asg_launch_template_version "$AUTO_SCALING_GROUP")"
emit desired-capacity "$(aws autoscaling describe-auto-scaling-groups --auto-scaling-group-names "$AUTO_SCALING_GROUP" \
  --query 'AutoScalingGroups[0].DesiredCapacity' --output text)"
