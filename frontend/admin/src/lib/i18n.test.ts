import { describe, expect, it } from 'vitest';
import { actionText, catalogues, en, formatTime, reasonText, t } from './i18n';
import { placeholders } from '../../../src/lib/i18n';

describe('admin i18n', () => {
  it('has the same keys and placeholders in every language', () => {
    for (const [lang, cat] of Object.entries(catalogues)) {
      expect(Object.keys(cat).sort(), lang).toEqual(Object.keys(en).sort());
      for (const k of Object.keys(en) as (keyof typeof en)[]) {
        expect(placeholders(cat[k]), `${lang} ${k}`).toEqual(placeholders(en[k]));
        expect(cat[k].trim(), `${lang} ${k}`).not.toBe('');
      }
    }
  });

  it('names every audit action the service writes', () => {
    // wire/rest.go's Audit* constants.
    const actions = ['sign-in', 'sign-out', 'user-suspend', 'user-restore', 'user-role', 'org-disable', 'org-enable',
      'org-relay-only', 'org-oidc', 'org-admin-add', 'session-end', 'report-handled', 'report-reopened'];
    for (const a of actions) {
      expect(actionText('en', a)).not.toBe(a);
      expect(actionText('ja', a)).not.toBe(actionText('en', a));
    }
    expect(actionText('en', 'something-newer')).toBe('something-newer');
  });

  it('fills placeholders and translates reasons', () => {
    expect(t('en', 'top.signedIn', { email: 'a@example.com', org: 'Contoso' })).toBe('Signed in as a@example.com (Contoso)');
    expect(reasonText('ja', 'forbidden')).toBe('その操作は許可されていません。');
    expect(reasonText('en', 'no-such-reason')).toBe(reasonText('en', 'unknown'));
  });

  it('formats times and leaves missing ones empty', () => {
    expect(formatTime('en', undefined)).toBe('');
    expect(formatTime('en', 'garbage')).toBe('');
    expect(formatTime('en', '2026-03-01T12:00:00Z')).toMatch(/2026/);
  });
});
