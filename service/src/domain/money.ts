import type { Decimal } from '../db/models.js';

/**
 * Decimal values as exact integers of hundredths (BigInt), and back to the "24999.00" strings of the
 * JSON API. DECIMAL columns come back as strings (MySQL) or numbers (SQLite); both go through here.
 */
export function formatDecimal(value: Decimal, scale = 2): string {
  if (typeof value === 'string' && isCanonical(value, scale)) return value;
  return fromScaled(toScaled(value, scale), scale);
}

const PLAIN_DECIMAL = /^(0|[1-9]\d*)\.\d+$/;

/** Already "24999.00" at this scale, as MySQL returns a DECIMAL column: nothing to convert. */
function isCanonical(text: string, scale: number): boolean {
  return PLAIN_DECIMAL.test(text) && text.length - text.indexOf('.') - 1 === scale;
}

/** "12.5" → 1250n at scale 2. Input must be a plain non-negative decimal. */
export function toScaled(value: Decimal, scale = 2): bigint {
  const text = typeof value === 'number' ? value.toFixed(scale) : value;
  const [whole = '0', fraction = ''] = text.split('.');
  const padded = fraction.padEnd(scale, '0');
  const kept = BigInt(`${whole}${padded.slice(0, scale)}`);
  // Round half up on any digits beyond the scale.
  return padded.length > scale && Number(padded[scale]) >= 5 ? kept + 1n : kept;
}

/** 1250n → "12.50" (scale 2). */
export function fromScaled(value: bigint, scale = 2): string {
  const digits = value.toString().padStart(scale + 1, '0');
  return `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** hours × hourly rate, rounded half up to the cent. */
export function laborAmount(hours: Decimal, hourlyRate: Decimal): string {
  const product = toScaled(hours, 2) * toScaled(hourlyRate, 2); // hundredths × hundredths = ten-thousandths
  return fromScaled((product + 50n) / 100n);
}

export function lineAmount(unitPrice: Decimal, quantity: number): string {
  return fromScaled(toScaled(unitPrice, 2) * BigInt(quantity));
}

export function sumMoney(values: Decimal[]): string {
  return fromScaled(values.reduce<bigint>((total, value) => total + toScaled(value, 2), 0n));
}
