/**
 * `npm run template -w deploy/infra`: writes deploy/infra/build/template.json, the template as
 * compact JSON, which `aws cloudformation deploy --template-file` takes without an S3 bucket.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { compactTemplate } from './cfn.js';
import { repoPath, templatePath } from './repo.js';

export const compactTemplatePath = join(dirname(templatePath), 'build', 'template.json');

const compact = compactTemplate(readFileSync(templatePath, 'utf8'));
mkdirSync(dirname(compactTemplatePath), { recursive: true });
writeFileSync(compactTemplatePath, compact);
console.log(
  `${repoPath(compactTemplatePath)}: ${Buffer.byteLength(compact)} bytes (CloudFormation takes up to 51,200)`,
);
