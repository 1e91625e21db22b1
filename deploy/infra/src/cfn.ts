import { readFileSync } from 'node:fs';
import { type CollectionTag, parse, type ScalarTag, YAMLMap, YAMLSeq } from 'yaml';
import { templatePath } from './repo.js';

function splitGetAtt(value: string): [string, string] {
  const dot = value.indexOf('.');
  return [value.slice(0, dot), value.slice(dot + 1)];
}

/** The CloudFormation short-form intrinsics, read into their long form (`!Ref X` → `{ Ref: X }`). */
const intrinsics = [
  'Ref',
  'Condition',
  'GetAtt',
  'Sub',
  'If',
  'Equals',
  'Not',
  'And',
  'Or',
  'Select',
  'Join',
  'Split',
  'Base64',
  'FindInMap',
  'GetAZs',
  'ImportValue',
  'Cidr',
];
const cfnTags = intrinsics.flatMap((name): (ScalarTag | CollectionTag)[] => {
  const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
  const long = (value: unknown) => ({
    // `!GetAtt Database.Endpoint.Address` is [Database, Endpoint.Address]: the first dot ends the name.
    [key]: name === 'GetAtt' && typeof value === 'string' ? splitGetAtt(value) : value,
  });
  return [
    { tag: `!${name}`, resolve: (value: string) => long(value) },
    { tag: `!${name}`, collection: 'seq', nodeClass: YAMLSeq, resolve: (node) => long(node.toJSON()) },
    { tag: `!${name}`, collection: 'map', nodeClass: YAMLMap, resolve: (node) => long(node.toJSON()) },
  ];
});

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
  Condition?: string;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  Metadata?: Record<string, Json>;
}

export interface Template {
  Parameters: Record<string, Record<string, Json>>;
  Rules?: Record<
    string,
    { RuleCondition?: Json; Assertions: { Assert: Json; AssertDescription?: string }[] }
  >;
  Conditions?: Record<string, Json>;
  Resources: Record<string, Resource>;
  Outputs: Record<string, { Value: Json; Description?: string }>;
}

export function parseTemplate(text: string): Template {
  return parse(text, { customTags: cfnTags }) as Template;
}

export function loadTemplate(): Template {
  return parseTemplate(readFileSync(templatePath, 'utf8'));
}

export function resource(template: Template, logicalId: string): Resource {
  const found = template.Resources[logicalId];
  if (!found) throw new Error(`template has no resource ${logicalId}`);
  return found;
}

/**
 * The template as CloudFormation receives it from `npm run template`: the same document as compact
 * JSON (long-form intrinsics, no comments or indentation). The commented YAML is over the 51,200
 * bytes a TemplateBody may have; the compact form is what the docs deploy.
 */
export function compactTemplate(text: string): string {
  return `${JSON.stringify(parseTemplate(text))}\n`;
}
