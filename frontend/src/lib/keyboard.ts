// KeyRouter decides, for each keyboard event of the helper's input box over
// the remote screen, what reaches the sharer: physical keys (shortcuts and
// plain typing, so the sharer's own layout applies) or committed text (an
// input method, dead keys, an emoji picker), so every language arrives as
// the helper typed it. A key that starts or takes part in a composition is
// never also sent as a key: the text it commits is sent once, as text.

import { sendableCode, type KeyLike } from './mapping';

export interface KeyEventLike extends KeyLike {
  isComposing: boolean;
  keyCode: number;
  repeat: boolean;
}

export interface InputEventLike {
  inputType: string;
  data: string | null;
  isComposing: boolean;
}

/**
 * What to do with a keydown: `send` the physical key (and cancel the
 * browser's default), let the `browser` turn it into text (composition or
 * beforeinput follows), or `ignore` it (cancelled, nothing sent).
 */
export type KeyDecision = { kind: 'send'; code: string } | { kind: 'browser' } | { kind: 'ignore' };

/** What to do with a beforeinput: send `text` (and cancel it), or nothing (cancel unless `allow`). */
export interface InputDecision {
  text: string | null;
  allow: boolean;
}

/** IME_KEYCODE is the legacy keyCode of a key an input method is processing. */
const IME_KEYCODE = 229;

/** isCharacterKey: e.key is one printed character (an emoji is two UTF-16 units). */
function isCharacterKey(key: string): boolean {
  return [...key].length === 1;
}

export class KeyRouter {
  private composing = false;
  private deadPending = false;
  /** committed is text already sent by beforeinput insertFromComposition (Safari) for this composition. */
  private committed: string | null = null;

  keydown(e: KeyEventLike): KeyDecision {
    if (e.isComposing || this.composing || e.keyCode === IME_KEYCODE || e.key === 'Process') {
      return { kind: 'browser' };
    }
    if (e.key === 'Dead') {
      this.deadPending = true;
      return { kind: 'browser' };
    }
    const shortcut = e.ctrlKey || e.altKey || e.metaKey;
    if (this.deadPending && !shortcut && isCharacterKey(e.key)) {
      // The key after a dead key: the browser composes "é" from "´" and "e"
      // and hands it to beforeinput.
      this.deadPending = false;
      return { kind: 'browser' };
    }
    this.deadPending = false;
    const code = sendableCode(e);
    if (code) return { kind: 'send', code };
    // No physical key to name (an on-screen keyboard, some input methods):
    // the character, if any, comes as text.
    return isCharacterKey(e.key) ? { kind: 'browser' } : { kind: 'ignore' };
  }

  compositionStart(): void {
    this.composing = true;
    this.committed = null;
  }

  /** compositionEnd returns the committed text to send, or null. */
  compositionEnd(data: string | null): string | null {
    this.composing = false;
    const committed = this.committed;
    this.committed = null;
    if (!data || data === committed) return null;
    return data;
  }

  beforeInput(e: InputEventLike): InputDecision {
    switch (e.inputType) {
      case 'insertText':
        // During a composition the committed text comes with compositionend.
        if (e.isComposing || this.composing) return { text: null, allow: true };
        return { text: e.data || null, allow: false };
      case 'insertFromComposition':
        // Safari commits here, before compositionend.
        this.committed = e.data;
        return { text: e.data || null, allow: true };
      case 'insertCompositionText':
      case 'deleteCompositionText':
        return { text: null, allow: true };
      default:
        // Deleting, line breaks, pasting or dropping into the hidden box:
        // keys travel as keys, and pasted text only through "Paste as typing".
        return { text: null, allow: false };
    }
  }

  /** reset forgets a composition or dead key in progress (focus lost, control ended). */
  reset(): void {
    this.composing = false;
    this.deadPending = false;
    this.committed = null;
  }
}
