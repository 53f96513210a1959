// The sharer side ("Get help"): what the page decides by itself. The
// backend relays everything to the sharer daemon, which is the authority.

import { normalizeCode } from './code';
import type { HelperInfo, PromptKind, SharerStatus, UIState } from './protocol';

/** ENTER_GUARD_MS: how long a prompt's Allow button stays inactive after the prompt appears. */
export const ENTER_GUARD_MS = 1000;

/**
 * parseHelpCode turns what a person typed ("abcd efgh", "ABCD-EFGH",
 * " abcd-efgh ") into the 8-character code, or '' when it is not a code.
 */
export function parseHelpCode(input: string): string {
  if (input.length > 32) return '';
  return normalizeCode(input.trim());
}

export type SharerView = 'none' | 'joining' | 'prompt' | 'sharing' | 'ended';

/**
 * sharerView is the screen the sharer side needs: 'none' leaves the page
 * to the home screen. An ended session shows until the person closes it
 * (dismissedId is the session they closed).
 */
export function sharerView(s: SharerStatus, dismissedId: string): SharerView {
  switch (s.state) {
    case 'joining':
      return 'joining';
    case 'awaiting-consent':
      return 'prompt';
    case 'sharing':
    case 'paused':
    case 'restarting':
      return s.prompt === 'control' ? 'prompt' : 'sharing';
    case 'ended':
      return s.sessionId && s.sessionId !== dismissedId ? 'ended' : 'none';
    default:
      return 'none';
  }
}

/** The helper console's states in which a helper is signed in (wire.UI* states). */
const HELPER_SIGNED_IN: readonly UIState[] = [
  'home', 'creating', 'waiting-sharer', 'awaiting-consent', 'connecting', 'live', 'reconnecting', 'ended',
];
/** The states of a helper in the middle of a session. */
const HELPER_BUSY: readonly UIState[] = ['creating', 'waiting-sharer', 'awaiting-consent', 'connecting', 'live', 'reconnecting'];

/**
 * showSharerSide decides whether the page shows the sharer's screens
 * (prompts, sharing bar, end screen) instead of the helper's. Only the Get
 * help window does: the prompt window (compact), a page where no helper is
 * signed in, or a helper's page for a session its own Get help joined, and
 * never while the helper is in a session of their own. A helper's page that
 * watches a daemon on the same machine (one person playing both sides)
 * therefore never shows the other person's screens.
 */
export function showSharerSide(helperState: UIState, s: SharerStatus, dismissedId: string, compact: boolean): boolean {
  if (compact) return true;
  if (HELPER_BUSY.includes(helperState)) return false;
  if (sharerView(s, dismissedId) === 'none') return false;
  return !HELPER_SIGNED_IN.includes(helperState) || s.joinedHere === true;
}

/** promptKind is the consent question to show over the page, if any. */
export function promptKind(s: SharerStatus): PromptKind | null {
  if (s.state === 'awaiting-consent') return 'screen';
  if ((s.state === 'sharing' || s.state === 'paused') && s.prompt) return s.prompt;
  return null;
}

/** helperName is the helper's short name, never empty. */
export function helperName(h: HelperInfo | undefined, fallback: string): string {
  return h?.displayName?.trim() || fallback;
}

/**
 * EnterGuard keeps a prompt's Allow button from being the target of keys
 * that were meant for something else: for ENTER_GUARD_MS after the prompt
 * appears it is not armed, and a key press that began before it was armed
 * (a held or repeating Enter) never counts.
 */
export class EnterGuard {
  private armedAt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private pressedBeforeArm = new Set<string>();

  constructor(
    private readonly onArm: () => void,
    private readonly delayMs = ENTER_GUARD_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** start (re)starts the guard: call it each time a prompt appears. */
  start(): void {
    this.stop();
    this.armedAt = 0;
    this.pressedBeforeArm.clear();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.armedAt = this.now();
      this.onArm();
    }, this.delayMs);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  get armed(): boolean {
    return this.armedAt > 0;
  }

  /** keydown records keys pressed before arming; it returns false for a key that must be ignored. */
  keydown(key: string, repeat: boolean): boolean {
    if (!this.armed) {
      this.pressedBeforeArm.add(key);
      return false;
    }
    if (repeat && this.pressedBeforeArm.has(key)) return false;
    return true;
  }

  keyup(key: string): void {
    this.pressedBeforeArm.delete(key);
  }

  /** mayActivate reports whether an activation (click, Enter, Space) of Allow counts now. */
  mayActivate(): boolean {
    return this.armed && this.pressedBeforeArm.size === 0;
  }
}
