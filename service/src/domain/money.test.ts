import { describe, expect, it } from 'vitest';
import { formatDecimal, fromScaled, laborAmount, lineAmount, sumMoney, toScaled } from './money.js';

describe('money', () => {
  it('formats DECIMAL values from either database as two-place strings', () => {
    expect(formatDecimal('24999.00')).toBe('24999.00');
    expect(formatDecimal(24999)).toBe('24999.00');
    expect(formatDecimal(0.1 + 0.2)).toBe('0.30');
    expect(formatDecimal('0.0500', 4)).toBe('0.0500');
    expect(formatDecimal(0.05, 4)).toBe('0.0500');
    expect(formatDecimal('9999999999.99')).toBe('9999999999.99');
    // Strings not yet in canonical form still go through the exact conversion.
    expect(formatDecimal('007.5')).toBe('7.50');
    expect(formatDecimal('12.345')).toBe('12.35');
    expect(formatDecimal('12')).toBe('12.00');
  });

  it('converts to and from exact hundredths', () => {
    expect(toScaled('12.5')).toBe(1250n);
    expect(toScaled('0.005')).toBe(1n);
    expect(fromScaled(5n)).toBe('0.05');
    expect(fromScaled(0n)).toBe('0.00');
  });

  it('prices labor and parts to the cent, rounding half up', () => {
    expect(laborAmount('1.50', '95.00')).toBe('142.50');
    expect(laborAmount('0.25', '80.50')).toBe('20.13');
    expect(laborAmount('999.99', '99999.99')).toBe('99998990.00');
    expect(lineAmount('12.50', 3)).toBe('37.50');
  });

  it('sums without floating point error', () => {
    expect(sumMoney(['0.10', '0.20', 0.3])).toBe('0.60');
    expect(sumMoney([])).toBe('0.00');
  });
});
