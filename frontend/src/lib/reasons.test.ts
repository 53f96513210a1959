import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogues, en, reasonKey, sharerEndKey, type Key } from './i18n';
import { REASONS } from './protocol';

// wire/testdata/reasons.json is the golden list of reasons with their
// texts; wire/reason_test.go checks it against the Go constants and the
// Go-side English table, this file against the page's catalogues.
interface Text {
  en: string;
  ja: string;
}
interface Entry extends Text {
  reason: string;
  sharer?: Text;
}

const fixture: Entry[] = JSON.parse(readFileSync(new URL('../../../wire/testdata/reasons.json', import.meta.url), 'utf8'));

// Keys under sharerEnd. that are not reasons.
const sharerEndUI = ['sharerEnd.heading', 'sharerEnd.close', 'sharerEnd.reportSend', 'sharerEnd.unknown'];

describe('reasons from wire/testdata/reasons.json', () => {
  it('lists exactly the reasons the page knows', () => {
    expect(fixture.map((e) => e.reason).sort()).toEqual([...REASONS].sort());
    expect(new Set(REASONS).size).toBe(REASONS.length);
  });
  for (const e of fixture) {
    it(`${e.reason} has the golden en and ja texts`, () => {
      expect(reasonKey(e.reason)).toBe(`reason.${e.reason}`);
      const key = `reason.${e.reason}` as Key;
      expect(catalogues.en[key]).toBe(e.en);
      expect(catalogues.ja[key]).toBe(e.ja);
      const sharerKey = `sharerEnd.${e.reason}` as Key;
      if (e.sharer) {
        expect(sharerEndKey(e.reason)).toBe(sharerKey);
        expect(catalogues.en[sharerKey]).toBe(e.sharer.en);
        expect(catalogues.ja[sharerKey]).toBe(e.sharer.ja);
      } else {
        expect(sharerEndKey(e.reason)).toBe('sharerEnd.unknown');
      }
    });
  }
  it('the catalogues have no reason text that is not in the list', () => {
    const listed = new Set(fixture.map((e) => e.reason));
    const withSharer = new Set(fixture.filter((e) => e.sharer).map((e) => e.reason));
    for (const k of Object.keys(en)) {
      if (k.startsWith('reason.') && k !== 'reason.unknown') expect(listed, k).toContain(k.slice('reason.'.length));
      if (k.startsWith('sharerEnd.') && !sharerEndUI.includes(k)) expect(withSharer, k).toContain(k.slice('sharerEnd.'.length));
    }
  });
  it('an unknown reason gets the generic text', () => {
    expect(reasonKey('brand-new')).toBe('reason.unknown');
    expect(reasonKey(undefined)).toBe('reason.unknown');
    expect(sharerEndKey('heading')).toBe('sharerEnd.unknown');
    expect(sharerEndKey(undefined)).toBe('sharerEnd.unknown');
  });
});
