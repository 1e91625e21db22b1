import { z } from 'zod';

/** Non-negative decimals with at most `scale` places, given as a JSON number or a string; canonical string out. */
export function decimal(options: { integerDigits: number; scale: number; example: string; max?: number }) {
  const { integerDigits, scale, example } = options;
  const pattern = new RegExp(`^\\d{1,${integerDigits}}(\\.\\d{1,${scale}})?$`);
  return z
    .union([z.number(), z.string()])
    .transform((value, ctx) => {
      const text = typeof value === 'number' ? String(value) : value.trim();
      if (!pattern.test(text)) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a non-negative decimal with at most ${integerDigits} digits before and ${scale} after the point, e.g. "${example}"; got ${JSON.stringify(value)}`,
        });
        return z.NEVER;
      }
      const [whole = '0', fraction = ''] = text.split('.');
      const canonical = `${BigInt(whole)}.${fraction.padEnd(scale, '0')}`;
      if (options.max !== undefined && Number(canonical) > options.max) {
        ctx.addIssue({
          code: 'custom',
          message: `must be at most ${options.max}; got ${JSON.stringify(value)}`,
        });
        return z.NEVER;
      }
      return canonical;
    })
    .meta({ description: `decimal as a string or number, e.g. "${example}"`, examples: [example] });
}

/** Money in: up to 9999999999.99 (DECIMAL(12,2)), or less where a product of it must still fit. */
export const moneyInput = (max?: number) =>
  decimal({ integerDigits: 10, scale: 2, example: '24999.00', max });

/** Decimal strings in responses. */
export const decimalOutput = (example: string) =>
  z
    .string()
    .regex(/^\d+\.\d+$/)
    .meta({ examples: [example] });
export const moneyOutput = () => decimalOutput('24999.00');

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

/** An integer carried in a path or a query string. */
export const integerString = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,10}$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

export const ID_MAX = 2_147_483_647;
export const idParams = z.strictObject({ id: integerString(1, ID_MAX) });
/** An id in a JSON body. */
export const idReference = () => z.number().int().min(1).max(ID_MAX);

export const pagination = {
  limit: integerString(1, 100).default(20),
  offset: integerString(0, ID_MAX).default(0),
};

export const timestampOutput = () =>
  z.string().meta({ format: 'date-time', examples: ['2026-01-31T12:00:00.000Z'] });

export const listOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
  });

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}
