import { z } from 'zod';

/**
 * How a field appears in the OpenAPI document when zod's own JSON Schema would say less than the rule
 * the field enforces (an integer carried as query text, a decimal given as a number or a string).
 * http/openapi.ts puts these in place of zod's `type`, `pattern` and `format`.
 */
export const documentedAs = z.registry<Record<string, unknown>>();

/** Database INT ids, in bodies, paths and answers. */
export const ID_MAX = 2_147_483_647;

interface DecimalRule {
  /** Digits allowed before the point; the largest value is 10^digits − 10^−scale. */
  integerDigits: number;
  /** Digits allowed after the point. */
  scale: number;
  example: string;
  /** More than zero (hours). */
  positive?: boolean;
  /** At most 1 (rates); the integer part is then 0 or 1. */
  atMostOne?: boolean;
}

/** The text rule, as one anchored ECMA-262 pattern the service and the document both use. */
function decimalPattern({ integerDigits, scale, positive, atMostOne }: DecimalRule): string {
  const fraction = `(\\.\\d{1,${scale}})?`;
  const value = atMostOne ? `(0${fraction}|1(\\.0{1,${scale}})?)` : `\\d{1,${integerDigits}}${fraction}`;
  return `^${positive ? '(?!0*(\\.0*)?$)' : ''}${value}$`;
}

/**
 * A non-negative decimal with at most `scale` places, given as a JSON number or a string; its canonical
 * string (`"12.50"`) comes out. A number counts by its shortest text (`String(n)`), so 1e21, 0.1 + 0.2
 * and 1.005 are refused, as the document's `maximum` and `multipleOf` refuse them.
 */
export function decimal(rule: DecimalRule) {
  const { integerDigits, scale, example } = rule;
  const pattern = decimalPattern(rule);
  const matches = new RegExp(pattern);
  const maximum = rule.atMostOne ? 1 : Number(`${'9'.repeat(integerDigits)}.${'9'.repeat(scale)}`);
  const described = rule.atMostOne
    ? `from 0 to 1 with at most ${scale} decimal places`
    : `${rule.positive ? 'more than 0' : 'non-negative'}, at most ${integerDigits} digits before the point and ${scale} after`;
  const schema = z
    .union([z.number(), z.string()])
    .transform((value, ctx) => {
      const text = typeof value === 'number' ? String(value) : value;
      if (!matches.test(text)) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a decimal ${described}, e.g. "${example}"; got ${JSON.stringify(value)}`,
        });
        return z.NEVER;
      }
      const [whole = '0', fraction = ''] = text.split('.');
      return `${BigInt(whole)}.${fraction.padEnd(scale, '0')}`;
    })
    .meta({ description: `a decimal ${described}, as a string or a number`, examples: [example] });
  documentedAs.add(schema, {
    anyOf: [
      {
        type: 'number',
        ...(rule.positive ? { exclusiveMinimum: 0 } : { minimum: 0 }),
        maximum,
        multipleOf: Number(`1e-${scale}`),
      },
      { type: 'string', pattern },
    ],
  });
  return schema;
}

/** Money in: up to 9999999999.99 (DECIMAL(12,2)), or fewer digits where a product of it must still fit. */
export const moneyInput = (integerDigits = 10) => decimal({ integerDigits, scale: 2, example: '24999.00' });

/** Decimal strings in answers: always exactly `scale` places. */
export const decimalOutput = (example: string, scale = 2, integerDigits = 14) =>
  z
    .string()
    .regex(new RegExp(`^\\d{1,${integerDigits}}\\.\\d{${scale}}$`))
    .meta({ examples: [example] });
export const moneyOutput = () => decimalOutput('24999.00', 2, 10);

/** No control characters other than tab and newlines (a NUL byte would break SQLite's text binding). */
function isPrintable(value: string): boolean {
  for (const char of value) {
    const code = char.charCodeAt(0);
    if ((code < 0x20 && char !== '\t' && char !== '\n' && char !== '\r') || code === 0x7f) return false;
  }
  return true;
}
const printable = () => z.string().refine(isPrintable, 'must not contain control characters');

export const text = (max: number) => printable().trim().min(1, 'must not be empty').max(max);
export const optionalText = (max: number) => printable().trim().max(max).nullable().optional();
/** A text filter in a query string. */
export const queryText = (max: number) => printable().max(max);

/**
 * An e-mail address: a dot-atom local part (letters, digits, `_ ' + -`) and a domain of letter-digit-hyphen
 * labels that neither start nor end with a hyphen, ending in a 2+ letter top-level label. Every such
 * address is also an RFC 5321 mailbox, so the document's `format: email` agrees with the pattern.
 */
export const EMAIL_PATTERN =
  /^[A-Za-z0-9_'+-]+(\.[A-Za-z0-9_'+-]+)*@([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}$/;
export const email = () => z.email({ pattern: EMAIL_PATTERN }).max(254);

/** An integer carried as text in a path or a query string. */
export function integerString(min: number, max: number, fallback?: number) {
  const parsed = z
    .string()
    .regex(/^\d{1,10}$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
  const schema = fallback === undefined ? parsed : parsed.default(fallback);
  documentedAs.add(schema, {
    type: 'integer',
    minimum: min,
    maximum: max,
    ...(fallback === undefined ? {} : { default: fallback }),
  });
  return schema;
}

export const idParams = z.strictObject({ id: integerString(1, ID_MAX) });
/** An id in a JSON body. */
export const idReference = () => z.number().int().min(1).max(ID_MAX);
/** An id in an answer. */
export const idOutput = () => z.number().int().min(1).max(ID_MAX);

export const LIMIT_MAX = 100;
export const pagination = {
  limit: integerString(1, LIMIT_MAX, 20),
  offset: integerString(0, ID_MAX, 0),
};

export const timestampOutput = () =>
  z.string().meta({ format: 'date-time', examples: ['2026-01-31T12:00:00.000Z'] });

export const listOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item).max(LIMIT_MAX),
    total: z.number().int().min(0),
    limit: z.number().int().min(1).max(LIMIT_MAX),
    offset: z.number().int().min(0).max(ID_MAX),
  });

/** What a PATCH body must have: at least one field (also stated in the document as `minProperties`). */
export const atLeastOneField = <T extends z.ZodObject>(patch: T) =>
  patch
    .refine((value) => Object.keys(value).length > 0, 'name at least one field to change')
    .meta({ minProperties: 1 });
