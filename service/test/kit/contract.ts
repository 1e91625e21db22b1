import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Reply, ResponseCheck } from './client.js';

/** The parts of an OpenAPI 3.1 document the check reads. */
interface OpenApiDocument {
  components?: Record<string, unknown>;
  paths: Record<string, Record<string, OperationObject>>;
}
interface HeaderObject {
  required?: boolean;
  schema?: Record<string, unknown>;
}
interface ResponseObject {
  headers?: Record<string, HeaderObject | { $ref: string }>;
  content?: Record<string, { schema?: Record<string, unknown> }>;
}
interface OperationObject {
  operationId?: string;
  responses?: Record<string, ResponseObject>;
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** A finite number's JSON text as an exact decimal: digits × 10^exponent. */
function exactDecimal(value: number): { digits: bigint; exponent: number } {
  const [mantissa = '0', power = '0'] = JSON.stringify(value).toLowerCase().split('e');
  const [whole = '0', fraction = ''] = mantissa.split('.');
  return { digits: BigInt(`${whole}${fraction}`), exponent: Number(power) - fraction.length };
}

/**
 * JSON Schema's `multipleOf`, evaluated on the JSON text of the number (JSON numbers are decimals)
 * rather than on its binary double, where 0.29 / 0.01 is not a whole number.
 */
export function isExactMultiple(value: number, of: number): boolean {
  const a = exactDecimal(value);
  const b = exactDecimal(of);
  const exponent = Math.min(a.exponent, b.exponent);
  const scaled = (x: { digits: bigint; exponent: number }) => x.digits * 10n ** BigInt(x.exponent - exponent);
  return scaled(b) !== 0n && scaled(a) % scaled(b) === 0n;
}

/** A JSON Schema 2020-12 validator for the document's schemas: formats asserted, `multipleOf` exact. */
export function schemaValidator(): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.removeKeyword('multipleOf');
  ajv.addKeyword({
    keyword: 'multipleOf',
    type: 'number',
    schemaType: 'number',
    validate: (of: number, value: number) => isExactMultiple(value, of),
  });
  return ajv;
}

/**
 * Holds every response to the OpenAPI document: a request that matches a documented operation must get
 * a status that operation documents, with a documented media type, a body valid against that status's
 * schema, and every header the document marks required. Requests to no documented operation (an unknown
 * route, OPTIONS, the docs page's assets) are not the contract's business and pass unchecked.
 */
export function contractCheck(document: OpenApiDocument): ResponseCheck {
  const ajv = schemaValidator();
  const compiled = new Map<string, ValidateFunction>();
  const validator = (key: string, schema: Record<string, unknown>): ValidateFunction => {
    let validate = compiled.get(key);
    if (validate === undefined) {
      // The components ride along so that `#/components/...` references resolve.
      validate = ajv.compile({ ...schema, components: document.components });
      compiled.set(key, validate);
    }
    return validate;
  };
  const resolve = <T>(value: T | { $ref: string }): T => {
    if (typeof value === 'object' && value !== null && '$ref' in value) {
      const found = value.$ref
        .replace(/^#\//, '')
        .split('/')
        .reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], document);
      if (found === undefined) throw new Error(`unresolved reference ${value.$ref}`);
      return found as T;
    }
    return value;
  };
  const templates = Object.keys(document.paths).map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')}$`),
  }));

  return (method: string, path: string, reply: Reply) => {
    const pathname = path.split('?')[0] ?? path;
    const lower = method.toLowerCase();
    if (!METHODS.has(lower)) return;
    const matched = templates.find(
      ({ template, pattern }) => pattern.test(pathname) && document.paths[template]?.[lower] !== undefined,
    );
    if (matched === undefined) return;
    const operation = document.paths[matched.template]![lower]!;
    const where = `${method} ${path} (${operation.operationId ?? matched.template}) answered ${reply.status}`;
    const response = operation.responses?.[String(reply.status)];
    if (response === undefined) {
      throw new Error(`${where}, a status the OpenAPI document does not list: ${JSON.stringify(reply.body)}`);
    }
    for (const [name, declared] of Object.entries(response.headers ?? {})) {
      const header = resolve(declared);
      const value = reply.headers.get(name);
      if (header.required && value === null) throw new Error(`${where} without its required ${name} header`);
      if (value !== null && header.schema !== undefined) {
        const typed = header.schema.type === 'integer' && /^-?\d+$/.test(value) ? Number(value) : value;
        const validate = validator(
          `${matched.template} ${lower} ${reply.status} header ${name}`,
          header.schema,
        );
        if (!validate(typed)) {
          throw new Error(
            `${where} with header ${name}: ${value} against ${ajv.errorsText(validate.errors)}`,
          );
        }
      }
    }
    const contentType = reply.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
    if (response.content === undefined) {
      if (reply.body !== '') throw new Error(`${where} with a body the document says it has none`);
      return;
    }
    const media = response.content[contentType];
    if (media === undefined) {
      throw new Error(
        `${where} as ${contentType || 'no content type'}; documented: ${Object.keys(response.content).join(', ')}`,
      );
    }
    if (media.schema === undefined) return;
    const validate = validator(`${matched.template} ${lower} ${reply.status} ${contentType}`, media.schema);
    if (!validate(reply.body)) {
      throw new Error(
        `${where} with a body that breaks its schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(reply.body)}`,
      );
    }
  };
}
