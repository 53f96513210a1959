import { describe, expect, it } from 'vitest';
import { contentRect, isEscapeCombination, normalizePoint, sendableCode, wheelNotches, type KeyLike } from './mapping';

describe('contentRect (letterboxing)', () => {
  const cases = [
    { name: 'wider box: bars left and right', box: { left: 0, top: 0, width: 2000, height: 1000 }, w: 1600, h: 900, want: { left: 111.11, top: 0, width: 1777.78, height: 1000 } },
    { name: 'taller box: bars top and bottom', box: { left: 10, top: 20, width: 800, height: 800 }, w: 1920, h: 1080, want: { left: 10, top: 195, width: 800, height: 450 } },
    { name: 'exact aspect', box: { left: 0, top: 0, width: 960, height: 540 }, w: 1920, h: 1080, want: { left: 0, top: 0, width: 960, height: 540 } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = contentRect(c.box, c.w, c.h);
      expect(r.left).toBeCloseTo(c.want.left, 1);
      expect(r.top).toBeCloseTo(c.want.top, 1);
      expect(r.width).toBeCloseTo(c.want.width, 1);
      expect(r.height).toBeCloseTo(c.want.height, 1);
    });
  }
});

describe('normalizePoint', () => {
  // 800×800 box showing 1920×1080: picture at y 195..645 (box top 20 → 195 + ... see contentRect).
  const box = { left: 10, top: 20, width: 800, height: 800 };
  const cases: { name: string; x: number; y: number; want: { x: number; y: number } | null }[] = [
    { name: 'top-left of picture', x: 10, y: 195, want: { x: 0, y: 0 } },
    { name: 'bottom-right of picture', x: 810, y: 645, want: { x: 1, y: 1 } },
    { name: 'centre', x: 410, y: 420, want: { x: 0.5, y: 0.5 } },
    { name: 'on the top bar', x: 410, y: 100, want: null },
    { name: 'on the bottom bar', x: 410, y: 700, want: null },
    { name: 'left of the box', x: 5, y: 420, want: null },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = normalizePoint(c.x, c.y, box, 1920, 1080);
      if (c.want === null) {
        expect(p).toBeNull();
      } else {
        expect(p).not.toBeNull();
        expect(p!.x).toBeCloseTo(c.want.x, 6);
        expect(p!.y).toBeCloseTo(c.want.y, 6);
      }
    });
  }
  it('actual size (no scaling) maps pixels 1:1', () => {
    const p = normalizePoint(100 + 960, 50 + 270, { left: 100, top: 50, width: 1920, height: 1080 }, 1920, 1080);
    expect(p).toEqual({ x: 0.5, y: 0.25 });
  });
  it('no picture yet maps nothing', () => {
    expect(normalizePoint(5, 5, { left: 0, top: 0, width: 0, height: 0 }, 0, 0)).toBeNull();
  });
});

describe('keys', () => {
  const k = (code: string, mods: Partial<KeyLike> = {}): KeyLike => ({ code, key: '', shiftKey: false, ctrlKey: false, altKey: false, metaKey: false, ...mods });
  it('Shift+Escape leaves capture; plain Escape goes to the sharer', () => {
    expect(isEscapeCombination(k('Escape', { shiftKey: true }))).toBe(true);
    expect(isEscapeCombination(k('Escape'))).toBe(false);
    expect(isEscapeCombination(k('Escape', { shiftKey: true, ctrlKey: true }))).toBe(false);
    expect(sendableCode(k('Escape'))).toBe('Escape');
  });
  const codes: [string, string | null][] = [
    ['KeyA', 'KeyA'],
    ['Digit1', 'Digit1'],
    ['ShiftLeft', 'ShiftLeft'],
    ['F12', 'F12'],
    ['', null],
    ['Unidentified', 'Unidentified'],
    ['<bad>', null],
  ];
  for (const [code, want] of codes) {
    it(`sendableCode(${JSON.stringify(code)}) = ${want}`, () => expect(sendableCode(k(code))).toBe(want));
  }
});

describe('wheelNotches', () => {
  const cases: [number, number, number][] = [
    [100, 0, 1],
    [-250, 0, -2.5],
    [3, 1, 1],
    [1, 2, 5],
    [1e9, 0, 50],
    [-1e9, 0, -50],
    [Number.NaN, 0, 0],
  ];
  for (const [d, mode, want] of cases) {
    it(`wheelNotches(${d}, ${mode}) = ${want}`, () => expect(wheelNotches(d, mode)).toBe(want));
  }
});
