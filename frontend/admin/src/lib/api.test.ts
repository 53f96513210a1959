import { describe, expect, it } from 'vitest';
import { Api, ApiError, CSRF_HEADER, paths } from './api';

interface Sent {
  path: string;
  init: RequestInit;
}

function fakeFetch(answers: { status: number; body?: unknown }[]) {
  const sent: Sent[] = [];
  const fn = async (path: string, init: RequestInit) => {
    sent.push({ path, init });
    const a = answers.shift() ?? { status: 500 };
    return new Response(a.body === undefined ? null : JSON.stringify(a.body), { status: a.status });
  };
  return { fn, sent };
}

const header = (s: Sent, name: string) => (s.init.headers as Record<string, string>)[name];

describe('Api', () => {
  it('keeps the CSRF token of the sign-in and sends it only on changes', async () => {
    const { fn, sent } = fakeFetch([
      { status: 200, body: { user: { id: 'a' }, csrfToken: 'tok', expiresAt: '' } },
      { status: 200, body: [] },
      { status: 200, body: { id: 'u' } },
    ]);
    const api = new Api(fn);
    await api.signIn('a@example.com', 'pw');
    expect(header(sent[0], CSRF_HEADER)).toBeUndefined();
    expect(JSON.parse(sent[0].init.body as string)).toEqual({ email: 'a@example.com', password: 'pw' });
    await api.users('  Kim Lee ');
    expect(sent[1].path).toBe('/v1/admin/users?q=Kim%20Lee');
    expect(header(sent[1], CSRF_HEADER)).toBeUndefined();
    await api.patchUser('u/1', { disabled: true });
    expect(sent[2].path).toBe('/v1/admin/users/u%2F1');
    expect(sent[2].init.method).toBe('PATCH');
    expect(header(sent[2], CSRF_HEADER)).toBe('tok');
    expect(sent.every((s) => s.init.credentials === 'same-origin')).toBe(true);
  });

  it('turns error answers into ApiError with the reason code', async () => {
    const { fn } = fakeFetch([{ status: 403, body: { error: 'forbidden', message: 'Only administrators may do this.' } }]);
    const err = await new Api(fn).org().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(403);
    expect((err as ApiError).code).toBe('forbidden');
  });

  it('resumes to null without a session and throws other failures', async () => {
    const none = fakeFetch([{ status: 401, body: { error: 'unauthorized', message: '' } }]);
    expect(await new Api(none.fn).resume()).toBeNull();
    const broken = fakeFetch([{ status: 500 }]);
    await expect(new Api(broken.fn).resume()).rejects.toBeInstanceOf(ApiError);
  });

  it('looks up how an e-mail signs in and builds the provider start address', async () => {
    const { fn, sent } = fakeFetch([{ status: 200, body: { organization: 'Contoso', oidc: true, password: false } }]);
    const l = await new Api(fn).lookup(' kim@contoso.com ');
    expect(sent[0].path).toBe('/v1/auth/oidc/lookup?email=kim%40contoso.com');
    expect(l).toEqual({ organization: 'Contoso', oidc: true, password: false });
    expect(paths.oidcStart('Contoso & Co')).toBe('/v1/admin/oidc/start?org=Contoso%20%26%20Co');
  });

  it('answers 204 with undefined and forgets the token at sign-out', async () => {
    const { fn, sent } = fakeFetch([{ status: 204 }, { status: 204 }]);
    const api = new Api(fn);
    api.csrf = 'tok';
    await api.endLive('s1');
    expect(sent[0].init.method).toBe('DELETE');
    await api.signOut();
    expect(header(sent[1], CSRF_HEADER)).toBe('tok');
    expect(api.csrf).toBe('');
  });
});
