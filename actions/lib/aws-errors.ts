/**
 * The error space of every AWS operation the pipeline calls, and what the code does about each error.
 *
 * The rows come from AWS's own models: deploy/infra/src/aws-errors.test.ts reads, from the INSTALLED
 * SDK, the exceptions each called operation documents (the `@throws` of its `…Command` in
 * `@aws-sdk/client-*`), and fails naming every (operation, exception) without a row here, and every
 * row for an operation nobody calls any more. Adding an AWS call means adding its rows; an SDK upgrade
 * that documents a new exception fails that test until it is decided.
 *
 * Each row is a decision, tested by actions/sim/error-space.test.ts against the real code with the
 * simulation raising that very error:
 * - `wait`: the caller keeps waiting and looks again (its poll), within its own deadline;
 * - `retry`: the SDK's retry strategy (adaptive, 8 attempts) calls again by itself;
 * - `handle`: an answer the caller acts on (the row says how);
 * - `fail`: the step fails, and the message carries `advice`, saying what to do.
 *
 * `*` is every error the model does not name for the operation (its client's `…ServiceException`,
 * AccessDenied, a throttling that outlived the retries). Rows that are not in the model but in a
 * service's documentation (EC2 documents no errors in its model; S3's 403 for a missing key and its
 * answers to a conditional write) say where they come from in `source`.
 */

export type Decision =
  | { do: 'wait'; why: string; source?: string }
  | { do: 'retry'; why: string; source?: string }
  | { do: 'handle'; how: string; source?: string }
  | { do: 'fail'; advice: string; source?: string };

/** The SDK clients the code uses: class name, package, and the service prefix the table (and IAM) use. */
export const AWS_CLIENTS = [
  { client: 'AutoScalingClient', sdk: 'client-auto-scaling', service: 'autoscaling' },
  { client: 'CloudWatchClient', sdk: 'client-cloudwatch', service: 'cloudwatch' },
  { client: 'CodeDeployClient', sdk: 'client-codedeploy', service: 'codedeploy' },
  { client: 'EC2Client', sdk: 'client-ec2', service: 'ec2' },
  {
    client: 'ElasticLoadBalancingV2Client',
    sdk: 'client-elastic-load-balancing-v2',
    service: 'elasticloadbalancing',
  },
  { client: 'S3Client', sdk: 'client-s3', service: 's3' },
  { client: 'SSMClient', sdk: 'client-ssm', service: 'ssm' },
] as const;

/** Every error the model does not name for the operation. */
export const ANY_OTHER = '*';

const wait = (why: string, source?: string): Decision => ({ do: 'wait', why, source });
const retry = (why: string, source?: string): Decision => ({ do: 'retry', why, source });
const handle = (how: string, source?: string): Decision => ({ do: 'handle', how, source });
const fail = (advice: string, source?: string): Decision => ({ do: 'fail', advice, source });

// ---- shared decisions (a row still names each exception; these are only the words)

const ANYTHING_ELSE = fail(
  'AWS refused the call for the reason in its code and message. AccessDenied or UnauthorizedOperation: ' +
    "the role's policy in deploy/infra/template.yml lacks it (the IAM engine test in deploy/infra should " +
    'have said so). Throttling and server errors were already retried by the SDK: run again later.',
);
const MALFORMED = fail(
  'AWS found the request the action built malformed: a defect in the action, not in your inputs. ' +
    'Report it with this message (the request id helps AWS support).',
);
const SERVER_FAULT = retry('a server-side fault (HTTP 5xx): the SDK retries it with backoff');
const APPLICATION_MISSING = fail(
  'No CodeDeploy application of that name in this region: check the "application" input (the stack output ' +
    'CodeDeployApplication) and the region.',
);
const GROUP_MISSING = fail(
  'No deployment group of that name in the application: check the "deployment-group" input (the stack output ' +
    'DeploymentGroup).',
);
const CONFIG_MISSING = fail(
  'No deployment configuration of that name: check the "deployment-config" input (e.g. ' +
    'CodeDeployDefault.OneAtATime) and the one the deployment group names.',
);
const GROUP_BROKEN = fail(
  "CodeDeploy refused the deployment group's own settings (its Auto Scaling group, load balancer, service " +
    'role, alarms or traffic routing): fix DeploymentGroup in deploy/infra/template.yml and update the stack.',
);
const DEPLOYMENT_GONE = fail(
  'CodeDeploy does not know this deployment (another region, or it is too old): check the region; run the ' +
    'workflow again to deploy afresh.',
);
const REFRESH_LIMIT = fail(
  'An Amazon EC2 Auto Scaling quota is reached (AWS says which): wait for running instance refreshes to end, ' +
    'or raise the quota in Service Quotas, then run again.',
);
const BUCKET_REFUSED = fail(
  "The bucket refused the write for a setting of its own (S3 says which): use the stack's revision bucket " +
    '(output RevisionBucket) as "s3-bucket" or "revision-bucket", a general purpose bucket with its default ' +
    'encryption.',
);
const TARGET_GROUP_MISSING = fail(
  "A target group the Auto Scaling group names does not exist any more: check the group's target groups " +
    '(TargetGroup in deploy/infra/template.yml) and update the stack.',
);
const BUCKET_MISSING = fail(
  'The revision bucket does not exist (in this region): check the "s3-bucket" or "revision-bucket" input ' +
    '(the stack output RevisionBucket) and the region.',
);
/** Where S3 documents the conditional writes of the release record (not in the SDK's model). */
const S3_CONDITIONAL_WRITES =
  'Amazon S3 API Reference, PutObject, If-Match and If-None-Match (the SDK documents them on PutObjectRequest): ' +
  '412 Precondition Failed; "If a conflicting operation occurs during the upload S3 returns a 409 ' +
  'ConditionalRequestConflict response. On a 409 failure you should fetch the object\'s ETag and retry the upload."';
const NOT_STARTED = wait(
  'the deployment is still Created (it is for seconds after CreateDeployment): its targets cannot be ' +
    'listed or read until it starts; the watch looks again at its next poll and reads GetDeployment meanwhile',
);

const CANARY_UNSEEN = fail(
  'The canary could not be watched (CloudWatch refused the call, for the reason in its code): the release ' +
    'rolls back rather than promote what it cannot see. AccessDenied: the deploy role lacks ' +
    'cloudwatch:DescribeAlarms or cloudwatch:GetMetricData (DeployRole in deploy/infra/template.yml). ' +
    'Throttling was already retried by the SDK: run again later.',
);
const CANARY_TAG_REFUSED = fail(
  'EC2 refused the canary tag (dealership:canary) on the instances: the deploy role may tag only the ' +
    "group's own instances with that key (DeployRole in deploy/infra/template.yml). Before promotion the " +
    'release rolls back; after it, the tag stays: remove it by hand (aws ec2 delete-tags) before the next canary.',
);

/** `service:Operation` → exception name → decision. */
export const AWS_ERRORS: Record<string, Record<string, Decision>> = {
  // ---------------------------------------------------------------- CodeDeploy
  'codedeploy:CreateDeployment': {
    DeploymentLimitExceededException: wait(
      'another deployment became active in the group first (CodeDeploy runs one at a time): wait for it, then create',
    ),
    ThrottlingException: retry('throttling: the SDK backs off and retries'),
    ApplicationDoesNotExistException: APPLICATION_MISSING,
    DeploymentGroupDoesNotExistException: GROUP_MISSING,
    DeploymentConfigDoesNotExistException: CONFIG_MISSING,
    RevisionDoesNotExistException: fail(
      'CodeDeploy cannot find the revision object in S3 (deleted, or expired: the bucket keeps revisions 180 ' +
        'days): deploy a fresh bundle instead.',
    ),
    InvalidRevisionException: fail(
      'CodeDeploy refused the revision location (bucket, key, bundle type or ETag): check the "revision" or ' +
        '"bundle" input; the object must be a .zip, .tar or .tgz in a bucket of this region.',
    ),
    DescriptionTooLongException: fail('The "description" input is longer than CodeDeploy takes: shorten it.'),
    InvalidDeploymentConfigNameException: CONFIG_MISSING,
    InvalidApplicationNameException: APPLICATION_MISSING,
    InvalidDeploymentGroupNameException: GROUP_MISSING,
    InvalidFileExistsBehaviorException: fail(
      'The "file-exists-behavior" input must be DISALLOW, OVERWRITE or RETAIN.',
    ),
    AlarmsLimitExceededException: GROUP_BROKEN,
    InvalidAlarmConfigException: GROUP_BROKEN,
    InvalidAutoRollbackConfigException: GROUP_BROKEN,
    InvalidAutoScalingGroupException: GROUP_BROKEN,
    InvalidLoadBalancerInfoException: GROUP_BROKEN,
    InvalidRoleException: GROUP_BROKEN,
    InvalidTargetInstancesException: GROUP_BROKEN,
    InvalidTrafficRoutingConfigurationException: GROUP_BROKEN,
    InvalidComputePlatformException: GROUP_BROKEN,
    InvalidECSServiceException: GROUP_BROKEN,
    ApplicationNameRequiredException: MALFORMED,
    DeploymentGroupNameRequiredException: MALFORMED,
    RevisionRequiredException: MALFORMED,
    InvalidGitHubAccountTokenException: MALFORMED,
    InvalidIgnoreApplicationStopFailuresValueException: MALFORMED,
    InvalidUpdateOutdatedInstancesOnlyValueException: MALFORMED,
    InvalidInputException: MALFORMED,
    [ANY_OTHER]: ANYTHING_ELSE,
  },
  'codedeploy:GetDeployment': {
    DeploymentDoesNotExistException: DEPLOYMENT_GONE,
    DeploymentIdRequiredException: MALFORMED,
    InvalidDeploymentIdException: MALFORMED,
    [ANY_OTHER]: ANYTHING_ELSE,
  },
  'codedeploy:ListDeployments': {
    ApplicationDoesNotExistException: APPLICATION_MISSING,
    DeploymentGroupDoesNotExistException: GROUP_MISSING,
    InvalidApplicationNameException: APPLICATION_MISSING,
    InvalidDeploymentGroupNameException: GROUP_MISSING,
    ApplicationNameRequiredException: MALFORMED,
    DeploymentGroupNameRequiredException: MALFORMED,
    InvalidDeploymentStatusException: MALFORMED,
    InvalidExternalIdException: MALFORMED,
    InvalidInputException: MALFORMED,
    InvalidNextTokenException: MALFORMED,
    InvalidTimeRangeException: MALFORMED,
    [ANY_OTHER]: ANYTHING_ELSE,
  },
  'codedeploy:ListDeploymentTargets': {
    DeploymentNotStartedException: NOT_STARTED,
    DeploymentDoesNotExistException: DEPLOYMENT_GONE,
    ApplicationDoesNotExistException: APPLICATION_MISSING,
    DeploymentGroupDoesNotExistException: GROUP_MISSING,
    DeploymentIdRequiredException: MALFORMED,
    InvalidDeploymentIdException: MALFORMED,
    InvalidDeploymentInstanceTypeException: MALFORMED,
    InvalidInstanceStatusException: MALFORMED,
    InvalidInstanceTypeException: MALFORMED,
    InvalidNextTokenException: MALFORMED,
    InvalidTargetFilterNameException: MALFORMED,
    [ANY_OTHER]: ANYTHING_ELSE,
  },
  'codedeploy:BatchGetDeploymentTargets': {
    DeploymentNotStartedException: NOT_STARTED,
    DeploymentDoesNotExistException: DEPLOYMENT_GONE,
    InstanceDoesNotExistException: fail(
      'An instance left the deployment group while CodeDeploy deployed to it (terminated or detached, e.g. ' +
        'by scale-in): see the deployment in the CodeDeploy console, then run again.',
    ),
    DeploymentTargetDoesNotExistException: MALFORMED,
    DeploymentIdRequiredException: MALFORMED,
    DeploymentTargetIdRequiredException: MALFORMED,
    DeploymentTargetListSizeExceededException: MALFORMED,
    InvalidDeploymentIdException: MALFORMED,
    InvalidDeploymentTargetIdException: MALFORMED,
    [ANY_OTHER]: ANYTHING_ELSE,
  },
  'codedeploy:StopDeployment': {
    DeploymentAlreadyCompletedException: handle(
      'the deployment ended before the stop: nothing to stop; the step fails for its timeout or cancel and ' +
        'reports the final status',
    ),
    DeploymentDoesNotExistException: DEPLOYMENT_GONE,
    DeploymentGroupDoesNotExistException: GROUP_MISSING,
    DeploymentIdRequiredException: MALFORMED,
    InvalidDeploymentIdException: MALFORMED,
    UnsupportedActionForDeploymentTypeException: MALFORMED,
    [ANY_OTHER]: ANYTHING_ELSE,
  },
  'codedeploy:GetDeploymentGroup': {
    ApplicationDoesNotExistException: APPLICATION_MISSING,
    DeploymentGroupDoesNotExistException: GROUP_MISSING,
    DeploymentConfigDoesNotExistException: CONFIG_MISSING,
    InvalidApplicationNameException: APPLICATION_MISSING,
    InvalidDeploymentGroupNameException: GROUP_MISSING,
    ApplicationNameRequiredException: MALFORMED,
    DeploymentGroupNameRequiredException: MALFORMED,
    [ANY_OTHER]: ANYTHING_ELSE,
  },

  // ---------------------------------------------------------------- Auto Scaling
  'autoscaling:StartInstanceRefresh': {
    InstanceRefreshInProgressFault: handle(
      'looks at the refresh in the way: attaches when it rolls the group to the same launch template version ' +
        '(a re-run), otherwise fails naming it and the command that cancels it',
    ),
    LimitExceededFault: REFRESH_LIMIT,
    ResourceContentionFault: SERVER_FAULT,
    [ANY_OTHER]: ANYTHING_ELSE,
  },
  'autoscaling:DescribeInstanceRefreshes': {
    ResourceContentionFault: SERVER_FAULT,
    InvalidNextToken: MALFORMED,
    [ANY_OTHER]: ANYTHING_ELSE,
  },
  'autoscaling:CancelInstanceRefresh': {
    ActiveInstanceRefreshNotFoundFault: handle(
      'the refresh already ended: nothing to cancel; the step reports its final status',
    ),
    LimitExceededFault: REFRESH_LIMIT,
    ResourceContentionFault: SERVER_FAULT,
    [ANY_OTHER]: ANYTHING_ELSE,
  },
  'autoscaling:RollbackInstanceRefresh': {
    ActiveInstanceRefreshNotFoundFault: handle(
      'the refresh already ended: nothing to roll back; the step reports its final status',
    ),
    IrreversibleInstanceRefreshFault: handle(
      'AWS cannot roll this refresh back: cancels it instead, and says why',
    ),
    LimitExceededFault: REFRESH_LIMIT,
    ResourceContentionFault: SERVER_FAULT,
    [ANY_OTHER]: ANYTHING_ELSE,
  },
  'autoscaling:DescribeAutoScalingGroups': {
    ResourceContentionFault: SERVER_FAULT,
    InvalidNextToken: MALFORMED,
    [ANY_OTHER]: ANYTHING_ELSE,
  },
  // The release pins an EMPTY group to the launch template version (actions/release/src/converge.ts).
  'autoscaling:UpdateAutoScalingGroup': {
    ScalingActivityInProgressFault: wait(
      'a scaling activity is in progress on the group: the release looks again every 15 s and pins the version ' +
        "once it has ended, within the refresh stage's deadline",
    ),
    ResourceContentionFault: SERVER_FAULT,
    ServiceLinkedRoleFailure: retry(
      'the Auto Scaling service-linked role is not ready yet (a server fault, HTTP 500): the SDK retries it with backoff',
    ),
    [ANY_OTHER]: ANYTHING_ELSE,
  },

  // ---------------------------------------------------------------- S3
  's3:HeadObject': {
    NotFound: handle(
      'no object under that key: the upload uploads it; a redeploy fails, the "revision" input names nothing',
    ),
    'HTTP 403': handle(
      'S3 answers a missing key with 403 when the caller may not list the bucket: the upload uploads (PutObject ' +
        'says AccessDenied if it really may not); a redeploy fails explaining both meanings',
      'Amazon S3 API Reference, HeadObject, Permissions: without s3:ListBucket a missing key is 403 Forbidden',
    ),
    [ANY_OTHER]: ANYTHING_ELSE,
  },
  // Two callers: the revision upload (unconditional) and the release record (If-Match / If-None-Match).
  's3:PutObject': {
    EncryptionTypeMismatch: BUCKET_REFUSED,
    InvalidRequest: BUCKET_REFUSED,
    InvalidWriteOffset: MALFORMED,
    TooManyParts: MALFORMED,
    PreconditionFailed: handle(
      'the release record changed since this run read it: a newer run wrote it, so this run is superseded and ' +
        'stops (RecordConflictError) without changing the stack any further',
      S3_CONDITIONAL_WRITES,
    ),
    ConditionalRequestConflict: handle(
      'another write raced this one: re-reads the record, and writes again when its ETag is still the one this run ' +
        "holds (S3's advice); when it changed, this run is superseded as for PreconditionFailed",
      S3_CONDITIONAL_WRITES,
    ),
    [ANY_OTHER]: ANYTHING_ELSE,
  },
  // The release record, releases/<environment>.json (actions/release/src/record.ts).
  's3:GetObject': {
    NoSuchKey: handle(
      'no release record yet (an environment never released to): an empty record, which the first release ' +
        'writes with If-None-Match',
    ),
    InvalidObjectState: fail(
      'The release record is in an archive storage class and cannot be read: restore it ("aws s3api ' +
        'restore-object") or copy it back to S3 Standard; nothing in the stack archives releases/.',
    ),
    [ANY_OTHER]: ANYTHING_ELSE,
  },
  // Pruning (actions/release/src/prune.ts): housekeeping after a release is live. Its failure fails the
  // "prune revisions" stage with this advice in the timeline and the log; the release stays live.
  's3:ListObjectsV2': {
    NoSuchBucket: BUCKET_MISSING,
    [ANY_OTHER]: ANYTHING_ELSE,
  },
  's3:PutObjectTagging': { [ANY_OTHER]: ANYTHING_ELSE },

  // ---------------------------------------------------------------- SSM
  'ssm:GetParameter': {
    ParameterNotFound: fail(
      'No SSM parameter of that name in this region: check "base-image" (resolve:ssm:/aws/service/… names a ' +
        'public parameter, which exists per region) and the region.',
    ),
    ParameterVersionNotFound: fail('That version of the SSM parameter does not exist: check "base-image".'),
    InvalidKeyId: fail(
      'The parameter is a SecureString whose KMS key cannot be used: "base-image" must name a plain String parameter.',
    ),
    InternalServerError: SERVER_FAULT,
    [ANY_OTHER]: ANYTHING_ELSE,
  },

  // ---------------------------------------------------------------- Elastic Load Balancing
  'elasticloadbalancing:DescribeTargetHealth': {
    // "The health of the specified targets could not be retrieved due to an internal error" (a server
    // fault in the model): the SDK retries it; the release's smoke test, which polls, also takes one that
    // outlived the retries as a look that saw nothing and looks again.
    HealthUnavailableException: retry(
      'a server-side fault (HTTP 500): the SDK retries it with backoff; the smoke test looks again at its next poll',
    ),
    TargetGroupNotFoundException: TARGET_GROUP_MISSING,
    InvalidTargetException: MALFORMED,
    [ANY_OTHER]: ANYTHING_ELSE,
  },
  // The target groups' health check and deregistration settings the release's time budgets derive from.
  'elasticloadbalancing:DescribeTargetGroups': {
    TargetGroupNotFoundException: TARGET_GROUP_MISSING,
    LoadBalancerNotFoundException: fail(
      "The load balancer of the group's target group does not exist any more: check LoadBalancer in " +
        'deploy/infra/template.yml and update the stack.',
    ),
    [ANY_OTHER]: ANYTHING_ELSE,
  },
  'elasticloadbalancing:DescribeTargetGroupAttributes': {
    TargetGroupNotFoundException: TARGET_GROUP_MISSING,
    [ANY_OTHER]: ANYTHING_ELSE,
  },

  // ---------------------------------------------------------------- EC2 (its model documents no errors;
  // the codes the code acts on are from the EC2 API Reference, "Error codes" and "Eventual consistency")
  'ec2:DescribeImages': {
    'InvalidAMIID.NotFound': wait(
      'an image just created may not be visible yet: the wait for it to become available looks again',
      'Amazon EC2 API Reference, Error codes (InvalidAMIID.NotFound) and Eventual consistency',
    ),
    [ANY_OTHER]: ANYTHING_ELSE,
  },
  'ec2:DescribeInstances': {
    // Answered only to a request naming instance ids ("If you specify an instance ID that is not valid, an
    // error is returned", DescribeInstances); the release and the plan ask by filter instead, where an
    // instance EC2 does not show yet is simply absent (its image unknown, so it counts as to be replaced).
    'InvalidInstanceID.NotFound': wait(
      'an instance just launched may not be visible yet: the wait for the builder looks again',
      'Amazon EC2 API Reference, Error codes (InvalidInstanceID.NotFound), DescribeInstances and Eventual consistency',
    ),
    [ANY_OTHER]: ANYTHING_ELSE,
  },
  'ec2:RunInstances': { [ANY_OTHER]: ANYTHING_ELSE },
  'ec2:CreateImage': { [ANY_OTHER]: ANYTHING_ELSE },
  'ec2:GetConsoleOutput': {
    [ANY_OTHER]: handle("the builder's console is only shown on a failed bake: says it could not be read"),
  },
  'ec2:TerminateInstances': {
    [ANY_OTHER]: fail(
      'The builder could not be terminated and is still running (it costs money): terminate it by hand, e.g. ' +
        '"aws ec2 terminate-instances --instance-ids <builder-instance-id output>".',
    ),
  },
  'ec2:DeregisterImage': {
    [ANY_OTHER]: handle(
      "retention and a failed image's cleanup only warn: the bake stands, a later run prunes",
    ),
  },
  'ec2:DeleteSnapshot': {
    [ANY_OTHER]: handle(
      'warns that the snapshot is left (another image may use it); the image is gone either way',
    ),
  },
  'ec2:DescribeLaunchTemplates': { [ANY_OTHER]: ANYTHING_ELSE },
  'ec2:DescribeLaunchTemplateVersions': { [ANY_OTHER]: ANYTHING_ELSE },
  'ec2:CreateLaunchTemplateVersion': { [ANY_OTHER]: ANYTHING_ELSE },
  'ec2:ModifyLaunchTemplate': { [ANY_OTHER]: ANYTHING_ELSE },
  'ec2:CreateTags': { [ANY_OTHER]: CANARY_TAG_REFUSED },
  'ec2:DeleteTags': { [ANY_OTHER]: CANARY_TAG_REFUSED },
  // ---------------------------------------------------------------- CloudWatch (the canary's bake)
  'cloudwatch:DescribeAlarms': {
    // The release asks by name (at most 100, one page) and sends no NextToken.
    InvalidNextToken: MALFORMED,
    [ANY_OTHER]: CANARY_UNSEEN,
  },
  'cloudwatch:GetMetricData': {
    InvalidNextToken: MALFORMED,
    [ANY_OTHER]: CANARY_UNSEEN,
  },
};

/** The decision for this error of this operation (`service:Operation`), the `*` row when it has none of its own. */
export function decisionFor(operation: string, errorKey: string | undefined): Decision | undefined {
  const rows = AWS_ERRORS[operation];
  if (!rows) return undefined;
  return (errorKey !== undefined ? rows[errorKey] : undefined) ?? rows[ANY_OTHER];
}
