import { describe, expect, it } from 'vitest';
import { Api } from './api';
import { AdminState, pageFromHash } from './state.svelte';

function answering(status: number, body: unknown) {
  return new Api(async () => new Response(JSON.stringify(body), { status }));
}

describe('AdminState', () => {
  it('reads the page from the hash', () => {
    expect(pageFromHash('#reports')).toBe('reports');
    expect(pageFromHash('')).toBe('helpers');
    expect(pageFromHash('#nope')).toBe('helpers');
  });

  it('chooses Japanese from the browser language', () => {
    expect(new AdminState('ja-JP').lang).toBe('ja');
    expect(new AdminState('de-DE').lang).toBe('en');
  });

  it('shows the reason of a refused sign-in in the page language', async () => {
    const s = new AdminState('ja', answering(403, { error: 'forbidden', message: 'Only administrators may sign in here.' }));
    await s.signIn('kim@example.com', 'pw');
    expect(s.session).toBeNull();
    expect(s.error).toBe('その操作は許可されていません。');
  });

  it('keeps a shown error through a background refresh that works', async () => {
    const s = new AdminState('en', answering(200, []));
    s.error = 'That was not found. It may have expired.';
    expect(await s.quiet(() => s.api.live())).toEqual([]);
    expect(s.error).toBe('That was not found. It may have expired.');
    expect(await s.run(() => s.api.live())).toEqual([]);
    expect(s.error).toBe('');
  });

  it('drops the session when the service says it has ended', async () => {
    const s = new AdminState('en', answering(401, { error: 'unauthorized', message: '' }));
    s.session = { user: { id: 'a', email: 'a@example.com', firstName: 'A', lastName: 'B', role: 'admin', organization: 'C' }, csrfToken: 't', expiresAt: '' };
    const out = await s.run(() => s.api.org());
    expect(out).toBeUndefined();
    expect(s.session).toBeNull();
    expect(s.error).toBe('Please sign in again.');
  });
});
