import { describe, expect, it } from 'vitest';
import { KeyRouter, type KeyEventLike } from './keyboard';
import { PASTE_CHUNK, PasteTyper, countChars, pasteChunks, pasteText } from './paste';
import { SPECIAL_KEYS, chordEvents } from './specialkeys';

const key = (code: string, k: string, mods: Partial<KeyEventLike> = {}): KeyEventLike => ({
  code,
  key: k,
  shiftKey: false,
  ctrlKey: false,
  altKey: false,
  metaKey: false,
  isComposing: false,
  keyCode: 0,
  repeat: false,
  ...mods,
});

describe('KeyRouter', () => {
  it('sends plain keys and shortcuts as physical keys', () => {
    const r = new KeyRouter();
    expect(r.keydown(key('KeyA', 'a'))).toEqual({ kind: 'send', code: 'KeyA' });
    expect(r.keydown(key('KeyC', 'c', { ctrlKey: true }))).toEqual({ kind: 'send', code: 'KeyC' });
    expect(r.keydown(key('Enter', 'Enter'))).toEqual({ kind: 'send', code: 'Enter' });
  });

  it('an input method composition sends its committed text once and no keys', () => {
    const r = new KeyRouter();
    // Chromium: keys the IME processes have keyCode 229.
    expect(r.keydown(key('KeyN', 'Process', { keyCode: 229 }))).toEqual({ kind: 'browser' });
    r.compositionStart();
    expect(r.keydown(key('KeyI', 'i', { isComposing: true }))).toEqual({ kind: 'browser' });
    expect(r.beforeInput({ inputType: 'insertCompositionText', data: 'に', isComposing: true })).toEqual({ text: null, allow: true });
    // Enter commits: still the IME's key, never sent.
    expect(r.keydown(key('Enter', 'Enter', { keyCode: 229, isComposing: true }))).toEqual({ kind: 'browser' });
    // Committing text during the composition: compositionend carries it.
    expect(r.beforeInput({ inputType: 'insertText', data: '日本語', isComposing: true })).toEqual({ text: null, allow: true });
    expect(r.compositionEnd('日本語')).toBe('日本語');
    // Afterwards keys go as keys again.
    expect(r.keydown(key('KeyA', 'a'))).toEqual({ kind: 'send', code: 'KeyA' });
  });

  it('Safari commits in beforeinput; the compositionend that follows sends nothing more', () => {
    const r = new KeyRouter();
    r.compositionStart();
    expect(r.beforeInput({ inputType: 'insertFromComposition', data: 'かな', isComposing: true }).text).toBe('かな');
    expect(r.compositionEnd('かな')).toBeNull();
  });

  it('a dead key and the key after it arrive as the composed character', () => {
    const r = new KeyRouter();
    expect(r.keydown(key('BracketLeft', 'Dead'))).toEqual({ kind: 'browser' });
    expect(r.keydown(key('KeyE', 'é'))).toEqual({ kind: 'browser' });
    expect(r.beforeInput({ inputType: 'insertText', data: 'é', isComposing: false })).toEqual({ text: 'é', allow: false });
    expect(r.keydown(key('KeyE', 'e'))).toEqual({ kind: 'send', code: 'KeyE' });
  });

  it('a shortcut after a dead key is still a shortcut', () => {
    const r = new KeyRouter();
    r.keydown(key('BracketLeft', 'Dead'));
    expect(r.keydown(key('KeyS', 's', { ctrlKey: true }))).toEqual({ kind: 'send', code: 'KeyS' });
  });

  it('emoji and text without a physical key come as text', () => {
    const r = new KeyRouter();
    expect(r.keydown(key('', '😀'))).toEqual({ kind: 'browser' });
    expect(r.beforeInput({ inputType: 'insertText', data: '😀', isComposing: false }).text).toBe('😀');
    expect(r.keydown(key('', 'Unidentified'))).toEqual({ kind: 'ignore' });
  });

  it('pasting or deleting in the key box sends nothing and is cancelled', () => {
    const r = new KeyRouter();
    expect(r.beforeInput({ inputType: 'insertFromPaste', data: 'secret', isComposing: false })).toEqual({ text: null, allow: false });
    expect(r.beforeInput({ inputType: 'deleteContentBackward', data: null, isComposing: false })).toEqual({ text: null, allow: false });
  });

  it('reset forgets a composition in progress', () => {
    const r = new KeyRouter();
    r.compositionStart();
    r.reset();
    expect(r.keydown(key('KeyA', 'a'))).toEqual({ kind: 'send', code: 'KeyA' });
  });
});

describe('paste as typing', () => {
  it('counts code points, as the daemon does', () => {
    expect(countChars('a😀日')).toBe(3);
  });
  it('normalises line endings and drops control characters', () => {
    expect(pasteText('a\r\nb\rc\u0007\td')).toBe('a\nb\nc\td');
  });
  it('splits into chunks without breaking a character', () => {
    const s = '😀'.repeat(PASTE_CHUNK + 1);
    const chunks = pasteChunks(s);
    expect(chunks.map(countChars)).toEqual([PASTE_CHUNK, 1]);
    expect(chunks.join('')).toBe(s);
  });
  it('types every chunk with progress, and stop ends it between chunks', async () => {
    const sent: string[] = [];
    const progress: number[] = [];
    const text = 'x'.repeat(PASTE_CHUNK * 3);
    const done = await new Promise<boolean>((resolve) => {
      const t = new PasteTyper(
        (s) => {
          sent.push(s);
          return true;
        },
        (p) => progress.push(p.sent),
        resolve,
        1,
      );
      t.start(text);
    });
    expect(sent.join('')).toBe(text);
    expect(progress).toEqual([0, PASTE_CHUNK, PASTE_CHUNK * 2, PASTE_CHUNK * 3]);
    expect(done).toBe(true);

    const sent2: string[] = [];
    let done2: boolean | null = null;
    const t2 = new PasteTyper(
      (s) => {
        sent2.push(s);
        return true;
      },
      () => {},
      (c) => (done2 = c),
      1000,
    );
    t2.start(text);
    t2.stop();
    await new Promise((r) => setTimeout(r, 20));
    expect(sent2.length).toBe(1);
    expect(done2).toBe(false);
  });
});

describe('special keys', () => {
  it('presses in order and releases in reverse', () => {
    expect(chordEvents(['ControlLeft', 'ShiftLeft', 'Escape'])).toEqual([
      { t: 'keydown', c: 'ControlLeft' },
      { t: 'keydown', c: 'ShiftLeft' },
      { t: 'keydown', c: 'Escape' },
      { t: 'keyup', c: 'Escape' },
      { t: 'keyup', c: 'ShiftLeft' },
      { t: 'keyup', c: 'ControlLeft' },
    ]);
  });
  it('never offers Ctrl+Alt+Del', () => {
    for (const k of SPECIAL_KEYS) {
      expect(k.codes.includes('Delete') && k.codes.includes('AltLeft') && k.codes.includes('ControlLeft')).toBe(false);
    }
  });
});
