import { describe, expect, it } from 'vitest';
import { codeMsLeft, formatCode, formatCountdown, MAX_CODE_MS, normalizeCode, spokenCode } from './code';

describe('formatCode', () => {
  const cases: [string, string][] = [
    ['ABCDEFGH', 'ABCD-EFGH'],
    ['abcd-efgh', 'ABCD-EFGH'],
    [' 7K3M 9PQ2 ', '7K3M-9PQ2'],
    ['OIL0-1234', '0110-1234'], // Crockford: O→0, I and L→1
    ['ABCD-EFG', 'ABCD-EFG'], // too short: unchanged
    ['ABCD-EFGU', 'ABCD-EFGU'], // U is not a Crockford digit
    ['', ''],
  ];
  for (const [input, want] of cases) {
    it(`formatCode(${JSON.stringify(input)}) = ${want}`, () => {
      expect(formatCode(input)).toBe(want);
    });
  }
  it('normalizeCode rejects non-codes', () => {
    expect(normalizeCode('ABCD-EFGH-J')).toBe('');
    expect(normalizeCode('ABCDEFGH')).toBe('ABCDEFGH');
  });
  it('spokenCode spaces characters', () => {
    expect(spokenCode('ABCD-EFGH')).toBe('A B C D E F G H');
  });
});

describe('formatCountdown', () => {
  const cases: [number, string][] = [
    [600_000, '10:00'],
    [59_001, '1:00'],
    [59_000, '0:59'],
    [1, '0:01'],
    [0, '0:00'],
    [-5000, '0:00'],
  ];
  for (const [ms, want] of cases) {
    it(`formatCountdown(${ms}) = ${want}`, () => expect(formatCountdown(ms)).toBe(want));
  }
});

describe('codeMsLeft', () => {
  it('never shows more than a code lifetime when the page clock lags', () => {
    const now = 1_000_000;
    expect(formatCountdown(codeMsLeft(now + MAX_CODE_MS + 200, now))).toBe('10:00');
    expect(formatCountdown(codeMsLeft(now + 59_500, now))).toBe('1:00');
    expect(codeMsLeft(now - 5, now)).toBe(-5);
  });
});
