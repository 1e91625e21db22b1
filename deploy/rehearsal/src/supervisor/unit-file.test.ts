import { describe, expect, it } from 'vitest';
import { parseEnvironmentFile, parseUnitSections, splitWords } from './unit-file.js';

describe('splitWords', () => {
  it('splits on spaces and keeps quoted words whole', () => {
    expect(splitWords(`A=1 "B=two words" 'C=x y' "D=a \\"b\\""`)).toEqual([
      'A=1',
      'B=two words',
      'C=x y',
      'D=a "b"',
    ]);
  });
});

describe('parseUnitSections', () => {
  it('keeps repeated keys in order and joins continued lines', () => {
    const sections = parseUnitSections(
      '[Service]\n# note\nEnvironment=A=1\nEnvironment=B=2 \\\n  C=3\n',
      'x.service',
    );
    expect(sections.get('Service')).toEqual([
      ['Environment', 'A=1'],
      ['Environment', 'B=2    C=3'],
    ]);
  });

  it('names the file and line of a line it cannot read', () => {
    expect(() => parseUnitSections('[Service]\nnonsense\n', 'x.service')).toThrow(
      'x.service:2: expected [Section] or Key=Value, got "nonsense"',
    );
  });
});

describe('parseEnvironmentFile', () => {
  it('reads assignments, comments and quoted values', () => {
    expect(parseEnvironmentFile('# c\nPORT=3001\n\nURL="mysql://a b"\nX=\n', 'env')).toEqual([
      ['PORT', '3001'],
      ['URL', 'mysql://a b'],
      ['X', ''],
    ]);
  });

  it('names the file and line of a bad assignment', () => {
    expect(() => parseEnvironmentFile('PORT=1\nexport X=1\n', '/etc/x.env')).toThrow(
      '/etc/x.env:2: expected NAME=value, got "export X=1"',
    );
  });
});
