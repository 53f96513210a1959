import { describe, expect, it } from 'vitest';
import { catalogues, en, pickLang, placeholders, reasonKey, translate, type Key } from './i18n';
import { REASONS, UI_STATES } from './protocol';

describe('catalogues', () => {
  const keys = Object.keys(en).sort();
  for (const [lang, cat] of Object.entries(catalogues)) {
    it(`${lang} has every key, no extra key, and the same placeholders`, () => {
      expect(Object.keys(cat).sort()).toEqual(keys);
      for (const k of keys as Key[]) {
        expect(cat[k].trim(), `${lang}:${k}`).not.toBe('');
        expect(placeholders(cat[k]), `${lang}:${k}`).toEqual(placeholders(en[k]));
      }
    });
  }
  it('every UI state has a text', () => {
    for (const s of UI_STATES) expect(keys).toContain(`state.${s}`);
  });
  it('every reason the backend sends has a text', () => {
    // The full check against wire/testdata/reasons.json is reasons.test.ts.
    for (const r of REASONS) expect(reasonKey(r)).toBe(`reason.${r}`);
    expect(reasonKey('no-such-reason')).toBe('reason.unknown');
    expect(reasonKey(undefined)).toBe('reason.unknown');
  });
});

describe('translate', () => {
  it('fills placeholders', () => {
    expect(translate('en', 'code.expires', { time: '9:59' })).toBe('The code expires in 9:59');
    expect(translate('en', 'reason.control-wait', { seconds: 10 })).toBe(
      'They said no a moment ago. You can ask for control again in 10 s.',
    );
    expect(translate('ja', 'live.monitor', { n: 2 })).toBe('画面 2');
  });
  it('leaves unknown placeholders visible', () => {
    expect(translate('en', 'home.greeting')).toBe('Signed in as {name}');
  });
  it('pickLang', () => {
    expect(pickLang('ja-JP')).toBe('ja');
    expect(pickLang('en-GB')).toBe('en');
    expect(pickLang('de')).toBe('en');
    expect(pickLang(undefined)).toBe('en');
  });
});
