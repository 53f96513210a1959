// UI-bridge JSON messages; wire/bridge.go is the reference and
// wire/testdata/bridge-*.json the shared fixtures.

export type UIState =
  | 'signed-out'
  | 'signing-in'
  | 'home'
  | 'creating'
  | 'waiting-sharer'
  | 'awaiting-consent'
  | 'connecting'
  | 'live'
  | 'reconnecting'
  | 'ended'
  | 'disabled';

export const UI_STATES: readonly UIState[] = [
  'signed-out',
  'signing-in',
  'home',
  'creating',
  'waiting-sharer',
  'awaiting-consent',
  'connecting',
  'live',
  'reconnecting',
  'ended',
  'disabled',
];

/**
 * Why something ended or was refused: the one vocabulary of wire/reason.go,
 * listed with its texts in wire/testdata/reasons.json. The backend sends
 * reasons, never sentences; the page translates them (i18n.ts). A reason
 * from a newer program that is not listed here shows a generic text.
 */
export type Reason =
  | 'helper-ended'
  | 'sharer-ended'
  | 'sharer-denied'
  | 'consent-timeout'
  | 'timeout'
  | 'cancelled'
  | 'expired'
  | 'reported'
  | 'shutdown'
  | 'policy'
  | 'error'
  | 'keep-sharing-timeout'
  | 'invalid-message'
  | 'not-allowed'
  | 'peer-absent'
  | 'slow-consumer'
  | 'bad-request'
  | 'unauthorized'
  | 'forbidden'
  | 'org-disabled'
  | 'helper-suspended'
  | 'not-found'
  | 'rate-limited'
  | 'session-full'
  | 'internal'
  | 'unavailable'
  | 'sso-required'
  | 'wrong-code'
  | 'no-connection'
  | 'session-busy'
  | 'no-session'
  | 'machine-policy'
  | 'wayland-unsupported'
  | 'mac-unsupported'
  | 'failed'
  | 'bad-credentials'
  | 'server-unreachable'
  | 'bad-server-url'
  | 'control-denied'
  | 'control-revoked'
  | 'control-wait'
  | 'connection-lost'
  | 'sharer-unavailable'
  | 'sharer-not-yours'
  | 'sso-failed'
  | 'sso-not-allowed'
  | 'sso-email-taken'
  | 'network-interrupted'
  | 'network-blocked'
  | 'sharer-restarting'
  | 'restart-denied'
  | 'secure-desktop';

export const REASONS: readonly Reason[] = [
  'helper-ended',
  'sharer-ended',
  'sharer-denied',
  'consent-timeout',
  'timeout',
  'cancelled',
  'expired',
  'reported',
  'shutdown',
  'policy',
  'error',
  'keep-sharing-timeout',
  'invalid-message',
  'not-allowed',
  'peer-absent',
  'slow-consumer',
  'bad-request',
  'unauthorized',
  'forbidden',
  'org-disabled',
  'helper-suspended',
  'not-found',
  'rate-limited',
  'session-full',
  'internal',
  'unavailable',
  'sso-required',
  'wrong-code',
  'no-connection',
  'session-busy',
  'no-session',
  'machine-policy',
  'wayland-unsupported',
  'mac-unsupported',
  'failed',
  'bad-credentials',
  'server-unreachable',
  'bad-server-url',
  'control-denied',
  'control-revoked',
  'control-wait',
  'connection-lost',
  'sharer-unavailable',
  'sharer-not-yours',
  'sso-failed',
  'sso-not-allowed',
  'sso-email-taken',
  'network-interrupted',
  'network-blocked',
  'sharer-restarting',
  'restart-denied',
  'secure-desktop',
];

export type Control = 'none' | 'requested' | 'granted';

/** Quick actions on the sharer's computer while in control (wire.Action*). */
export type QuickAction = 'task-manager' | 'restart';
export const QUICK_ACTIONS: readonly QuickAction[] = ['task-manager', 'restart'];

export interface InputEvent {
  t: 'move' | 'down' | 'up' | 'wheel' | 'keydown' | 'keyup' | 'text' | 'release-all';
  x?: number;
  y?: number;
  b?: number;
  dx?: number;
  dy?: number;
  c?: string;
  s?: string;
}

export interface Point {
  x: number;
  y: number;
}

export interface Annotation {
  t: 'stroke' | 'laser' | 'clear';
  id?: number;
  color?: string;
  width?: number;
  points?: Point[];
  done?: boolean;
  x?: number;
  y?: number;
}

export type BridgeRequest =
  | { type: 'login'; server?: string; email: string; password: string }
  | { type: 'signin-lookup'; server?: string; email: string }
  | { type: 'login-oidc'; server?: string; org: string }
  | { type: 'get-help'; code: string }
  | { type: 'sharer-chat'; text: string }
  | { type: 'sharer-report'; comment?: string }
  | {
      type:
        | 'sharer-allow'
        | 'sharer-deny'
        | 'sharer-allow-control'
        | 'sharer-deny-control'
        | 'sharer-revoke-control'
        | 'sharer-pause'
        | 'sharer-resume'
        | 'sharer-stop'
        | 'sharer-keep-sharing'
        | 'sharer-allow-restart'
        | 'sharer-deny-restart';
    }
  | { type: 'chat'; text: string }
  | { type: 'input'; input: InputEvent }
  | { type: 'annotate'; annotation: Annotation }
  | { type: 'switch-monitor'; monitor: number }
  | { type: 'quick-action'; action: QuickAction }
  /** the most frames a second the page decodes now; 0: no limit */
  | { type: 'max-fps'; fps: number }
  | {
      type:
        | 'logout'
        | 'create-session'
        | 'cancel'
        | 'request-control'
        | 'release-control'
        | 'keyframe'
        | 'end'
        | 'reset';
    };

export interface Status {
  state: UIState;
  server?: string;
  userName?: string;
  control: Control;
  paused?: boolean;
  /** why the picture is paused when it is not the sharer's choice: secure-desktop (a Windows prompt) */
  pauseReason?: Reason;
  sharerPresent?: boolean;
  /** ended, disabled: why */
  reason?: Reason;
  /** disabled: the machine policy's own words (English) */
  detail?: string;
  reconnectUntil?: number;
  /** trouble with the media path: network-interrupted (being restored), network-blocked (none within 15 s) */
  network?: Reason;
  /** the security code of the connection with the sharer ("123 456"); absent while not connected */
  sas?: string;
  /** the quick actions the sharer's computer offers while the helper has control */
  actions?: string[];
}

export interface ChatLine {
  from: 'helper' | 'sharer';
  text: string;
  ts: number;
}

export interface Cursor {
  t: 'pos' | 'shape';
  x?: number;
  y?: number;
  visible?: boolean;
  w?: number;
  h?: number;
  hotX?: number;
  hotY?: number;
  /** base64 PNG */
  png?: string;
  serial?: number;
}

export interface Monitor {
  index: number;
  name?: string;
  x: number;
  y: number;
  width: number;
  height: number;
  primary?: boolean;
}

export interface Stats {
  fps: number;
  bitrateKbps: number;
  rttMs: number;
  latencyMs: number;
  dropped: number;
  width?: number;
  height?: number;
}

/** The sharer daemon's states (wire/localapi.go). */
export type SharerState = 'idle' | 'joining' | 'awaiting-consent' | 'sharing' | 'paused' | 'restarting' | 'ended';
export const SHARER_STATES: readonly SharerState[] = ['idle', 'joining', 'awaiting-consent', 'sharing', 'paused', 'restarting', 'ended'];

export type PromptKind = 'screen' | 'control' | 'keep-sharing' | 'restart';

export interface HelperInfo {
  displayName: string;
  organization: string;
}

/** The sharer side's state ("Get help"), relayed from the sharer daemon by the backend. */
export interface SharerStatus {
  state: SharerState;
  control: Control;
  helper?: HelperInfo;
  sessionId?: string;
  reason?: Reason;
  connected: boolean;
  dropped: number;
  frames: number;
  /** false while the sharer program cannot be reached */
  available: boolean;
  prompt?: PromptKind;
  /** unix ms: when an unanswered keep-sharing question ends the session */
  promptUntil?: number;
  /** the security code of the connection with the helper ("123 456"); absent while not connected */
  sas?: string;
  /** true when this app's own Get help joined the session (not the CLI or another window) */
  joinedHere?: boolean;
  /** trouble with the media path: network-interrupted (being restored), network-blocked (none within 15 s) */
  network?: Reason;
  /** secure-desktop while a Windows prompt (UAC, Ctrl+Alt+Del, lock screen) holds sharing and control */
  desktop?: Reason;
  /** ICE restarts in this session */
  restarts?: number;
  /** unix ms: while the helper's request to restart the computer waits for an answer */
  restartUntil?: number;
  /** a session taken up again after the program or the computer restarted: the screen question asks to go on */
  resumed?: boolean;
}

/** How the people of an e-mail's domain sign in (answer to signin-lookup). */
export interface SignInOptions {
  email: string;
  organization?: string;
  oidc: boolean;
  password: boolean;
}

export type BridgeEvent =
  | { type: 'state'; status: Status }
  | { type: 'sharer'; sharer: SharerStatus }
  | { type: 'sharer-chat'; chat: ChatLine }
  | { type: 'session'; code: string; expiresAt: number }
  | { type: 'chat'; chat: ChatLine }
  | { type: 'chat-history'; history?: ChatLine[] }
  | { type: 'sharer-chat-history'; history?: ChatLine[] }
  | { type: 'cursor'; cursor: Cursor }
  | { type: 'monitors'; monitors?: Monitor[]; monitor?: number }
  | { type: 'stats'; stats: Stats }
  | { type: 'notice'; reason?: Reason; message?: string; retryAfter?: number }
  | { type: 'error'; reason?: Reason; message?: string }
  | { type: 'signin-options'; signIn: SignInOptions };

export class ProtocolError extends Error {}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** parseEvent validates one JSON text from the backend. */
/** A security code is absent or six digits as "123 456" (see internal/rtc/sas.go). */
function sasOK(v: unknown): boolean {
  return v === undefined || (typeof v === 'string' && /^[0-9]{3} [0-9]{3}$/.test(v));
}

/** An action name has the shape wire.IsActionName checks: short kebab-case. */
function actionNameOK(a: unknown): boolean {
  return typeof a === 'string' && /^[a-z0-9-]{1,32}$/.test(a);
}

function chatLineOK(c: unknown): boolean {
  return isObj(c) && typeof c.text === 'string' && (c.from === 'helper' || c.from === 'sharer') && num(c.ts);
}

export function parseEvent(text: string): BridgeEvent {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new ProtocolError('bridge event is not JSON');
  }
  if (!isObj(v) || typeof v.type !== 'string') throw new ProtocolError('bridge event without type');
  switch (v.type) {
    case 'state': {
      const s = v.status;
      if (!isObj(s) || !UI_STATES.includes(s.state as UIState)) throw new ProtocolError('bad state');
      if (s.control === undefined) s.control = 'none';
      if (!['none', 'requested', 'granted'].includes(s.control as string)) throw new ProtocolError('bad control');
      if (!sasOK(s.sas)) throw new ProtocolError('bad security code');
      if (s.actions !== undefined && !(Array.isArray(s.actions) && s.actions.length <= 8 && s.actions.every(actionNameOK))) {
        throw new ProtocolError('bad actions');
      }
      return v as BridgeEvent;
    }
    case 'session':
      if (typeof v.code !== 'string' || !num(v.expiresAt)) throw new ProtocolError('bad session');
      return v as BridgeEvent;
    case 'sharer': {
      const s = v.sharer;
      if (!isObj(s) || !SHARER_STATES.includes(s.state as SharerState)) throw new ProtocolError('bad sharer state');
      if (s.control === undefined) s.control = 'none';
      if (!['none', 'requested', 'granted'].includes(s.control as string)) throw new ProtocolError('bad control');
      if (s.prompt !== undefined && !['screen', 'control', 'keep-sharing', 'restart'].includes(s.prompt as string)) {
        throw new ProtocolError('bad prompt');
      }
      if (s.helper !== undefined && (!isObj(s.helper) || typeof s.helper.displayName !== 'string')) {
        throw new ProtocolError('bad helper');
      }
      if (!sasOK(s.sas)) throw new ProtocolError('bad security code');
      return v as BridgeEvent;
    }
    case 'chat':
    case 'sharer-chat': {
      if (!chatLineOK(v.chat)) throw new ProtocolError('bad chat');
      return v as BridgeEvent;
    }
    case 'chat-history':
    case 'sharer-chat-history': {
      if (v.history !== undefined && (!Array.isArray(v.history) || !v.history.every(chatLineOK))) {
        throw new ProtocolError('bad chat history');
      }
      return v as BridgeEvent;
    }
    case 'cursor': {
      const c = v.cursor;
      if (!isObj(c) || (c.t !== 'pos' && c.t !== 'shape')) throw new ProtocolError('bad cursor');
      return v as BridgeEvent;
    }
    case 'monitors':
      if (v.monitors !== undefined && !Array.isArray(v.monitors)) throw new ProtocolError('bad monitors');
      return v as BridgeEvent;
    case 'stats':
      if (!isObj(v.stats)) throw new ProtocolError('bad stats');
      return v as BridgeEvent;
    case 'signin-options': {
      const s = v.signIn;
      if (!isObj(s) || typeof s.email !== 'string' || typeof s.oidc !== 'boolean' || typeof s.password !== 'boolean') {
        throw new ProtocolError('bad signin-options');
      }
      if (s.organization !== undefined && typeof s.organization !== 'string') throw new ProtocolError('bad signin-options');
      return v as BridgeEvent;
    }
    case 'notice':
    case 'error':
      if (v.retryAfter !== undefined && (typeof v.retryAfter !== 'number' || !(v.retryAfter >= 0 && v.retryAfter <= 3600)))
        throw new ProtocolError('bad retryAfter');
      return v as BridgeEvent;
    default:
      throw new ProtocolError(`unknown bridge event ${String(v.type).slice(0, 16)}`);
  }
}
