// The page's state: the backend's status (authoritative) plus what the page
// keeps itself (code, chat log, monitors, stats, cursor, notices).

import { Bridge, bridgeURL } from './bridge';
import { addLine, MAX_CHAT_LINES, unreadAfter } from './chat';
import { pickLang, reasonKey, translate, type Key, type Lang } from './i18n';
import type {
  BridgeEvent,
  BridgeRequest,
  ChatLine,
  Cursor,
  Monitor,
  Reason,
  SharerStatus,
  SignInOptions,
  Stats,
  Status,
} from './protocol';

export type BridgeState = 'connecting' | 'open' | 'lost' | 'no-token' | 'replaced';

export interface Notice {
  kind: 'error' | 'notice';
  reason?: Reason;
  message?: string;
  /** control-wait: seconds until control may be asked for again. */
  retryAfter?: number;
  id: number;
}

export interface CursorState {
  x: number;
  y: number;
  visible: boolean;
  shape: { w: number; h: number; hotX: number; hotY: number; png: string; serial: number } | null;
}

export class AppStore {
  lang = $state<Lang>('en');
  bridgeState = $state<BridgeState>('connecting');
  status = $state<Status>({ state: 'signed-out', control: 'none' });
  code = $state('');
  expiresAt = $state(0);
  chat = $state<ChatLine[]>([]);
  /** Whether the helper's chat panel is shown; lines from the sharer while it is hidden are unread. */
  chatOpen = $state(true);
  chatUnread = $state(0);
  monitors = $state<Monitor[]>([]);
  monitor = $state(0);
  stats = $state<Stats | null>(null);
  cursor = $state<CursorState>({ x: 0, y: 0, visible: false, shape: null });
  notice = $state<Notice | null>(null);
  /** How the e-mail typed on the sign-in screen signs in (its organisation's provider, a password). */
  signIn = $state<SignInOptions | null>(null);
  now = $state(Date.now());
  /** The sharer side ("Get help"): the daemon's state as the backend relays it. */
  sharer = $state<SharerStatus>({ state: 'idle', control: 'none', connected: false, dropped: 0, frames: 0, available: false });
  sharerChat = $state<ChatLine[]>([]);
  /** Whether the sharer's chat is shown (sharing bar and prompts); the helper's lines while hidden are unread. */
  sharerChatOpen = $state(true);
  sharerChatUnread = $state(0);
  /** The ended sharing session the person closed; its end screen is not shown again. */
  sharerDismissed = $state('');

  /** frameSink receives binary frames while the live view is mounted. */
  frameSink: ((buf: ArrayBuffer) => void) | null = null;
  private bridge: Bridge | null = null;
  private noticeSeq = 0;
  private ticker: ReturnType<typeof setInterval> | null = null;

  constructor(language?: string) {
    this.lang = pickLang(language);
  }

  t = (key: Key, vars?: Record<string, string | number>): string => translate(this.lang, key, vars);

  /**
   * reasonText translates a reason. The backend's English detail is shown
   * only for a reason this page does not know, and after the machine
   * policy's refusal, whose words name what the policy allows. retryAfter
   * fills the {seconds} of control-wait.
   */
  reasonText(reason: string | undefined, detail?: string, retryAfter?: number): string {
    const key = reasonKey(reason);
    if (key === 'reason.unknown' && detail) return detail;
    if (reason === 'machine-policy' && detail) return `${this.t(key)} (${detail})`;
    return this.t(key, { seconds: retryAfter ?? 0 });
  }

  async start(): Promise<void> {
    this.ticker = setInterval(() => (this.now = Date.now()), 250);
    const url = await bridgeURL();
    if (!url) {
      this.bridgeState = 'no-token';
      return;
    }
    this.bridge = new Bridge(url, {
      onOpen: () => (this.bridgeState = 'open'),
      onClose: (replaced) => (this.bridgeState = replaced ? 'replaced' : 'lost'),
      onEvent: (e) => this.apply(e),
      onFrame: (buf) => this.frameSink?.(buf),
    });
    this.bridge.connect();
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.bridge?.close();
  }

  send(req: BridgeRequest): boolean {
    return this.bridge?.send(req) ?? false;
  }

  dismissNotice(): void {
    this.notice = null;
  }

  /** setChatOpen shows or hides the helper's chat; showing it reads everything. */
  setChatOpen(open: boolean): void {
    this.chatOpen = open;
    if (open) this.chatUnread = 0;
  }

  /** setSharerChatOpen shows or hides the sharer's chat; showing it reads everything. */
  setSharerChatOpen(open: boolean): void {
    this.sharerChatOpen = open;
    if (open) this.sharerChatUnread = 0;
  }

  apply(e: BridgeEvent): void {
    switch (e.type) {
      case 'state': {
        const prev = this.status.state;
        this.status = e.status;
        if (e.status.state === 'home' || e.status.state === 'signed-out') {
          this.code = '';
          this.expiresAt = 0;
          this.stats = null;
          this.monitors = [];
        }
        if (prev !== e.status.state && (e.status.state === 'creating' || e.status.state === 'home')) {
          this.chat = [];
          this.chatUnread = 0;
        }
        break;
      }
      case 'sharer':
        if (e.sharer.sessionId !== this.sharer.sessionId) {
          this.sharerChat = [];
          this.sharerChatUnread = 0;
        }
        this.sharer = e.sharer;
        break;
      case 'sharer-chat':
        this.sharerChat = addLine(this.sharerChat, e.chat);
        this.sharerChatUnread = unreadAfter(this.sharerChatUnread, e.chat, 'sharer', this.sharerChatOpen);
        break;
      case 'sharer-chat-history':
        // The session's chat so far (the page reloaded or reconnected).
        this.sharerChat = (e.history ?? []).slice(-MAX_CHAT_LINES);
        break;
      case 'chat-history':
        this.chat = (e.history ?? []).slice(-MAX_CHAT_LINES);
        break;
      case 'session':
        this.code = e.code;
        this.expiresAt = e.expiresAt;
        break;
      case 'chat':
        this.chat = addLine(this.chat, e.chat);
        this.chatUnread = unreadAfter(this.chatUnread, e.chat, 'helper', this.chatOpen);
        break;
      case 'cursor':
        this.applyCursor(e.cursor);
        break;
      case 'monitors':
        this.monitors = e.monitors ?? [];
        this.monitor = e.monitor ?? 0;
        break;
      case 'stats':
        this.stats = e.stats;
        break;
      case 'signin-options':
        this.signIn = e.signIn;
        break;
      case 'notice':
      case 'error':
        this.notice = {
          kind: e.type,
          reason: e.reason,
          message: e.message,
          retryAfter: e.type === 'notice' ? e.retryAfter : undefined,
          id: ++this.noticeSeq,
        };
        break;
    }
  }

  private applyCursor(c: Cursor): void {
    if (c.t === 'pos') {
      this.cursor = { ...this.cursor, x: c.x ?? 0, y: c.y ?? 0, visible: c.visible ?? false };
    } else if (c.png && c.w && c.h) {
      this.cursor = {
        ...this.cursor,
        shape: { w: c.w, h: c.h, hotX: c.hotX ?? 0, hotY: c.hotY ?? 0, png: c.png, serial: c.serial ?? 0 },
      };
    }
  }
}
