import { App, Stack } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { AwsSolutionsChecks } from 'cdk-nag';

/** One cdk-nag finding: the rule (with its finding, as in `AwsSolutions-IAM5[Resource::*]`) on a resource. */
export interface NagFinding {
  rule: string;
  resource: string;
  level: 'error' | 'warning';
  description: string;
}

/**
 * cdk-nag's AwsSolutions pack over a CloudFormation template, read by aws-cdk-lib's
 * cloudformation-include (cdk-nag README, "Using on CloudFormation templates"). `parameters` replace
 * the template's parameters by values, so rules can judge what a Ref would otherwise hide.
 */
export function nagFindings(templateFile: string, parameters: Record<string, string> = {}): NagFinding[] {
  const stack = new Stack(new App(), 'Nag');
  new CfnInclude(stack, 'Template', { templateFile, parameters });
  const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => ({
      rule: violation.ruleName,
      resource: (resource.constructPath ?? '').split('/').at(-1)!,
      level: violation.severity === 'error' ? ('error' as const) : ('warning' as const),
      description: violation.description,
    })),
  );
}
