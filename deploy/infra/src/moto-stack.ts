import type { Json, Template } from './cfn.js';

/**
 * What moto 5.2.1's CloudFormation cannot do with this template, and how the moto copy of the
 * template works around it. Each workaround keeps the template's meaning or drops only what moto
 * ignores anyway; the column `checkedBy` names the test that checks what moto cannot. Sources are
 * moto's own files (site-packages/moto/...), read at 5.2.1.
 */
export const MOTO_WORKAROUNDS = [
  {
    limitation:
      'Fn::Sub splits a Resource.Attribute placeholder at every dot (cloudformation/parsing.py, ' +
      'clean_json: `.split(".")`), so Database.Endpoint.Address becomes GetAtt [Database, Endpoint]',
    change:
      'every Resource.Attribute placeholder of a Fn::Sub moves into the two-argument form as a ' +
      'variable bound to Fn::GetAtt [Resource, Attribute]: the same value by the Fn::Sub definition',
    checkedBy: 'nothing is lost: the rewrite is exact (moto-stack.test.ts checks it on a sample)',
  },
  {
    limitation:
      'AWS::RDS::DBInstance answers Fn::GetAtt for Endpoint.Address and Endpoint.Port only ' +
      '(rds/models.py, DBInstance.has_cfn_attr)',
    change: 'GetAtt MasterUserSecret.SecretArn and DbiResourceId become placeholder strings of their shape',
    checkedBy:
      'cfn-lint E1010 (the attributes exist on the resource type); template.test.ts (the user data ' +
      'reads the secret, the connect policy names both instances)',
  },
  {
    limitation:
      'Ref to an AWS::RDS::DBParameterGroup returns the model object, which has no ' +
      'physical_resource_id (rds/models.py), and DBInstance creation then crashes on it',
    change: 'DBParameterGroupName is left out of both DB instances (the group itself is still created)',
    checkedBy: 'template.test.ts (both instances name the group); cfn-lint (the reference resolves)',
  },
] as const;

/**
 * Resource types moto's CloudFormation skips with a warning ("not supported by moto's CloudFormation
 * implementation", parsing.py parse_resource): nothing is created and a Ref to them resolves to
 * nothing. What each one is checked by instead.
 */
export const MOTO_SKIPPED_TYPES: Record<string, string> = {
  'AWS::AutoScaling::ScalingPolicy': 'template.test.ts (target tracking at 50 % CPU); cfn-lint schema',
  'AWS::CloudWatch::Alarm': 'template.test.ts (metrics, dimensions, thresholds, topic); cfn-lint schema',
  'AWS::CodeDeploy::Application': 'cfn-lint schema; the actions’ moto tests create one through the API',
  'AWS::CodeDeploy::DeploymentGroup':
    'template.test.ts (alarms, rollback events, traffic control); cfn-lint schema',
  'AWS::EC2::SecurityGroupEgress': 'template.test.ts (instance egress to the database only); cfn-lint',
  'AWS::IAM::OIDCProvider': 'cfn-lint schema; iam-policy.test.ts (the trusts that name it)',
  'AWS::S3::BucketPolicy': 'template.test.ts (TLS only); cdk-nag S10',
  'AWS::SNS::Subscription': 'cfn-lint schema (created only with AlarmEmail)',
  'AWS::SNS::TopicPolicy': 'template.test.ts (CloudWatch may publish, TLS only); cfn-lint schema',
};

/** Moto ignores these parts of a template altogether: nothing to rewrite, nothing checked by moto. */
export const MOTO_IGNORES = [
  'the Rules section (template.test.ts evaluates the HTTPS rules)',
  'parameter constraints: AllowedValues, AllowedPattern, MinValue (cfn-lint checks their syntax)',
  'most properties of the resources it creates, e.g. S3 lifecycle and versioning, target group ' +
    'attributes (the deregistration delay), RDS IAM authentication, storage autoscaling and log ' +
    'exports, the group’s InstanceMaintenancePolicy (template.test.ts)',
  'updates in place: an update of an Auto Scaling group deletes and recreates it (autoscaling/models.py)',
];

const PLACEHOLDER_ATTRIBUTES: Record<string, (resource: string) => string> = {
  'MasterUserSecret.SecretArn': (resource) =>
    `arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!${resource.toLowerCase()}-moto-AbCdEf`,
  DbiResourceId: (resource) => `db-MOTO${resource.toUpperCase()}`,
};

type Node = Json | undefined;

function mapTree(node: Node, visit: (node: { [key: string]: Json }) => Json | undefined): Json {
  if (Array.isArray(node)) return node.map((item) => mapTree(item, visit));
  if (node !== null && typeof node === 'object') {
    const replaced = visit(node);
    if (replaced !== undefined) return replaced;
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, mapTree(value, visit)]));
  }
  return node as Json;
}

/** `${Res.Attr}` of a Fn::Sub, as a variable of its two-argument form (first workaround). */
export function subGetAttsAsVariables(sub: Json, resources: ReadonlySet<string>): Json {
  const [text, variables] = Array.isArray(sub)
    ? [sub[0] as string, sub[1] as Record<string, Json>]
    : [sub as string, {}];
  const bound: Record<string, Json> = { ...variables };
  const rewritten = text.replace(
    /\$\{([A-Za-z0-9]+)\.([A-Za-z0-9.]+)\}/g,
    (whole, name: string, attribute: string) => {
      if (!resources.has(name)) return whole;
      const variable = `${name}${attribute.replaceAll('.', '')}`;
      bound[variable] = { 'Fn::GetAtt': [name, attribute] };
      return `\${${variable}}`;
    },
  );
  return Object.keys(bound).length === 0 ? rewritten : [rewritten, bound];
}

/** The template as moto can create it: the workarounds above applied to a copy. */
export function motoCompatible(template: Template): Template {
  const resources = new Set(Object.keys(template.Resources));
  const copy = mapTree(template as unknown as Json, (node) => {
    if ('Fn::Sub' in node) {
      return { 'Fn::Sub': mapTree(subGetAttsAsVariables(node['Fn::Sub']!, resources), () => undefined) };
    }
    return undefined;
  });
  const withPlaceholders = mapTree(copy, (node) => {
    const getAtt = node['Fn::GetAtt'];
    if (Array.isArray(getAtt)) {
      const [resource, attribute] = getAtt as [string, string];
      const placeholder = PLACEHOLDER_ATTRIBUTES[attribute];
      if (placeholder) return placeholder(resource);
    }
    return undefined;
  }) as unknown as Template;
  for (const resource of Object.values(withPlaceholders.Resources)) {
    if (resource.Type === 'AWS::RDS::DBInstance') delete resource.Properties?.DBParameterGroupName;
  }
  return withPlaceholders;
}
