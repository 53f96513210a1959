// The admin console's page state: who is signed in, the page shown, the
// language and the last error. Pages call the API through run(), which
// turns failures into a translated message and a lost session into the
// sign-in form.

import { Api, ApiError, type AdminSession } from './api';
import { pickLang, reasonText, t, type Key, type Lang } from './i18n';

export const pages = ['helpers', 'org', 'live', 'records', 'reports', 'audit'] as const;
export type Page = (typeof pages)[number];

/** pageFromHash reads the page from a location hash such as "#reports". */
export function pageFromHash(hash: string): Page {
  const p = hash.replace(/^#/, '');
  return (pages as readonly string[]).includes(p) ? (p as Page) : 'helpers';
}

export class AdminState {
  lang = $state<Lang>('en');
  session = $state<AdminSession | null>(null);
  ready = $state(false);
  error = $state('');
  page = $state<Page>('helpers');
  readonly api: Api;

  constructor(language?: string, api = new Api()) {
    this.lang = pickLang(language);
    this.api = api;
  }

  t = (key: Key, vars?: Record<string, string | number>): string => t(this.lang, key, vars);

  /** start learns whether a console session already exists (a reload). */
  async start(): Promise<void> {
    try {
      this.session = await this.api.resume();
    } catch (e) {
      this.fail(e);
    }
    this.ready = true;
  }

  async signIn(email: string, password: string): Promise<void> {
    this.error = '';
    try {
      this.session = await this.api.signIn(email, password);
    } catch (e) {
      this.fail(e);
    }
  }

  async signOut(): Promise<void> {
    await this.run(() => this.api.signOut());
    this.session = null;
  }

  /** run calls the API, clearing the error first; undefined on failure. */
  async run<T>(f: () => Promise<T>): Promise<T | undefined> {
    this.error = '';
    try {
      return await f();
    } catch (e) {
      this.fail(e);
      return undefined;
    }
  }

  /** quiet is run for background refreshes: it leaves a shown error alone. */
  async quiet<T>(f: () => Promise<T>): Promise<T | undefined> {
    try {
      return await f();
    } catch (e) {
      this.fail(e);
      return undefined;
    }
  }

  fail(e: unknown): void {
    if (e instanceof ApiError) {
      if (e.status === 401 && this.session) this.session = null;
      this.error = reasonText(this.lang, e.code);
    } else {
      this.error = reasonText(this.lang, 'unavailable');
    }
  }
}
