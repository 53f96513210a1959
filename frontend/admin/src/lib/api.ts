// The admin console's client for the service's admin API. The session is an
// HttpOnly cookie the page never sees; the CSRF token from the sign-in
// answer goes in a header on every request that changes something (the
// same names as wire/rest.go).

export const CSRF_HEADER = 'X-QuickHelp-CSRF';

export const paths = {
  login: '/v1/admin/login',
  session: '/v1/admin/session',
  logout: '/v1/admin/logout',
  users: '/v1/admin/users',
  user: (id: string) => `/v1/admin/users/${encodeURIComponent(id)}`,
  org: '/v1/admin/org',
  oidc: '/v1/admin/org/oidc',
  live: '/v1/admin/live',
  endLive: (id: string) => `/v1/admin/live/${encodeURIComponent(id)}`,
  records: '/v1/admin/sessions',
  reports: '/v1/admin/reports',
  report: (id: string) => `/v1/admin/reports/${encodeURIComponent(id)}`,
  audit: '/v1/admin/audit',
  lookup: (email: string) => `/v1/auth/oidc/lookup?email=${encodeURIComponent(email)}`,
  /** oidcStart is where the browser goes to sign in with the organisation's provider. */
  oidcStart: (org: string) => `/v1/admin/oidc/start?org=${encodeURIComponent(org)}`,
} as const;

/** Lookup says how people of an e-mail's domain sign in (GET /v1/auth/oidc/lookup). */
export interface Lookup {
  organization?: string;
  oidc: boolean;
  password: boolean;
}

export interface User {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  role: 'helper' | 'admin';
  organization: string;
  disabled?: boolean;
}

export interface AdminSession {
  user: User;
  csrfToken: string;
  expiresAt: string;
}

export interface OrgPolicy {
  name: string;
  disabled: boolean;
  relayOnly: boolean;
}

/** OIDCSettings is GET/PUT /v1/admin/org/oidc; client_secret is write-only. */
export interface OIDCSettings {
  issuer: string;
  client_id: string;
  client_secret?: string;
  allowed_domain: string;
  tenant_claim: string;
  has_secret: boolean;
  local_sign_in?: boolean;
}

export interface LiveSession {
  id: string;
  helperId: string;
  helperEmail: string;
  createdAt: string;
  startedAt?: string;
}

export interface SessionRecord {
  id: string;
  helperId: string;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  endReason?: string;
  errorCodes: string[];
  features: string[];
}

export interface AbuseReport {
  id: string;
  sessionId: string;
  helperId: string;
  comment: string;
  createdAt: string;
  handledAt?: string;
  handledBy?: string;
}

export interface AuditEntry {
  id: string;
  actorId: string;
  actorEmail: string;
  action: string;
  target?: string;
  detail?: string;
  createdAt: string;
}

/** ApiError is a non-2xx answer: the HTTP status and the service's reason code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Fetch = (input: string, init: RequestInit) => Promise<Response>;

const unsafe = (method: string) => !['GET', 'HEAD', 'OPTIONS'].includes(method);

/** Api sends the console's requests with the session cookie and CSRF token. */
export class Api {
  csrf = '';

  constructor(private readonly fetchFn: Fetch = (i, init) => fetch(i, init)) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (unsafe(method) && this.csrf) headers[CSRF_HEADER] = this.csrf;
    const resp = await this.fetchFn(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
    const text = await resp.text();
    if (!resp.ok) {
      let code = 'internal';
      let message = resp.statusText;
      try {
        const e = JSON.parse(text) as { error?: string; message?: string };
        code = e.error ?? code;
        message = e.message ?? message;
      } catch {
        // not JSON: keep the status text
      }
      throw new ApiError(resp.status, code, message);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** signIn starts a cookie session and keeps its CSRF token. */
  async signIn(email: string, password: string): Promise<AdminSession> {
    const s = await this.request<AdminSession>('POST', paths.login, { email, password });
    this.csrf = s.csrfToken;
    return s;
  }

  /** resume asks who is signed in (after a reload); null when nobody is. */
  async resume(): Promise<AdminSession | null> {
    try {
      const s = await this.request<AdminSession>('GET', paths.session);
      this.csrf = s.csrfToken;
      return s;
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return null;
      throw e;
    }
  }

  async signOut(): Promise<void> {
    await this.request<void>('POST', paths.logout);
    this.csrf = '';
  }

  users(query: string): Promise<User[]> {
    const q = query.trim();
    return this.request('GET', q ? `${paths.users}?q=${encodeURIComponent(q)}` : paths.users);
  }
  patchUser(id: string, patch: { disabled?: boolean; role?: string }): Promise<User> {
    return this.request('PATCH', paths.user(id), patch);
  }
  org(): Promise<OrgPolicy> {
    return this.request('GET', paths.org);
  }
  putOrg(patch: { disabled?: boolean; relayOnly?: boolean }): Promise<OrgPolicy> {
    return this.request('PUT', paths.org, patch);
  }
  oidc(): Promise<OIDCSettings> {
    return this.request('GET', paths.oidc);
  }
  putOIDC(s: Omit<OIDCSettings, 'has_secret'>): Promise<OIDCSettings> {
    return this.request('PUT', paths.oidc, s);
  }
  live(): Promise<LiveSession[]> {
    return this.request('GET', paths.live);
  }
  endLive(id: string): Promise<void> {
    return this.request('DELETE', paths.endLive(id));
  }
  records(): Promise<SessionRecord[]> {
    return this.request('GET', paths.records);
  }
  reports(): Promise<AbuseReport[]> {
    return this.request('GET', paths.reports);
  }
  setHandled(id: string, handled: boolean): Promise<AbuseReport> {
    return this.request('PATCH', paths.report(id), { handled });
  }
  lookup(email: string): Promise<Lookup> {
    return this.request('GET', paths.lookup(email.trim()));
  }
  audit(): Promise<AuditEntry[]> {
    return this.request('GET', paths.audit);
  }
}
