import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ENTER_GUARD_MS, EnterGuard, helperName, parseHelpCode, promptKind, sharerView, showSharerSide } from './sharer';
import type { SharerStatus, UIState } from './protocol';

describe('parseHelpCode', () => {
  const ok: [string, string][] = [
    ['abcd efgh', 'ABCDEFGH'],
    ['ABCD-EFGH', 'ABCDEFGH'],
    [' abcd-efgh ', 'ABCDEFGH'],
    ['abcdefgh', 'ABCDEFGH'],
    ['A B C D E F G H', 'ABCDEFGH'],
    ['oi1l-2345', '01112345'],
  ];
  for (const [input, want] of ok) {
    it(`parseHelpCode(${JSON.stringify(input)}) = ${want}`, () => expect(parseHelpCode(input)).toBe(want));
  }
  const bad = ['', 'abc', 'abcd efg', 'abcd efghj', 'abcd_efgh', 'ABCU-EFGH', 'x'.repeat(40)];
  for (const input of bad) {
    it(`parseHelpCode(${JSON.stringify(input)}) rejects`, () => expect(parseHelpCode(input)).toBe(''));
  }
});

const base: SharerStatus = { state: 'idle', control: 'none', connected: false, dropped: 0, frames: 0, available: true };

describe('sharerView and promptKind', () => {
  const cases: [Partial<SharerStatus>, string, string | null][] = [
    [{}, 'none', null],
    [{ state: 'joining' }, 'joining', null],
    [{ state: 'awaiting-consent', prompt: 'screen' }, 'prompt', 'screen'],
    [{ state: 'sharing' }, 'sharing', null],
    [{ state: 'sharing', control: 'requested', prompt: 'control' }, 'prompt', 'control'],
    [{ state: 'paused', prompt: 'keep-sharing' }, 'sharing', 'keep-sharing'],
    [{ state: 'ended', sessionId: 's1' }, 'ended', null],
    [{ state: 'ended', sessionId: 'dismissed' }, 'none', null],
  ];
  for (const [patch, view, prompt] of cases) {
    it(JSON.stringify(patch), () => {
      const s = { ...base, ...patch };
      expect(sharerView(s, 'dismissed')).toBe(view);
      expect(promptKind(s)).toBe(prompt);
    });
  }
  it('helperName', () => {
    expect(helperName({ displayName: 'Alex P.', organization: 'Contoso' }, 'Your helper')).toBe('Alex P.');
    expect(helperName({ displayName: '  ', organization: '' }, 'Your helper')).toBe('Your helper');
    expect(helperName(undefined, 'Your helper')).toBe('Your helper');
  });
});

describe('EnterGuard', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('is not armed during the first second, then is', () => {
    const onArm = vi.fn();
    const g = new EnterGuard(onArm, ENTER_GUARD_MS, () => Date.now());
    g.start();
    expect(g.mayActivate()).toBe(false);
    vi.advanceTimersByTime(ENTER_GUARD_MS - 1);
    expect(g.mayActivate()).toBe(false);
    expect(onArm).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onArm).toHaveBeenCalledTimes(1);
    expect(g.mayActivate()).toBe(true);
  });

  it('ignores an Enter held from before the prompt, even after arming', () => {
    const g = new EnterGuard(() => {}, ENTER_GUARD_MS);
    g.start();
    expect(g.keydown('Enter', false)).toBe(false);
    vi.advanceTimersByTime(ENTER_GUARD_MS + 500);
    expect(g.keydown('Enter', true)).toBe(false); // auto-repeat of the same press
    expect(g.mayActivate()).toBe(false);
    g.keyup('Enter');
    expect(g.mayActivate()).toBe(true);
    expect(g.keydown('Enter', false)).toBe(true); // a new, deliberate press
  });

  it('a key pressed and released before arming does not block', () => {
    const g = new EnterGuard(() => {}, ENTER_GUARD_MS);
    g.start();
    g.keydown('a', false);
    g.keyup('a');
    vi.advanceTimersByTime(ENTER_GUARD_MS);
    expect(g.mayActivate()).toBe(true);
  });

  it('restarts for each new prompt', () => {
    const g = new EnterGuard(() => {}, ENTER_GUARD_MS);
    g.start();
    vi.advanceTimersByTime(ENTER_GUARD_MS);
    expect(g.mayActivate()).toBe(true);
    g.start();
    expect(g.mayActivate()).toBe(false);
    g.stop();
    vi.advanceTimersByTime(ENTER_GUARD_MS * 2);
    expect(g.mayActivate()).toBe(false);
  });
});

describe('showSharerSide', () => {
  const ended = { ...base, state: 'ended' as const, sessionId: 's1', reason: 'sharer-ended' as const };
  const sharing = { ...base, state: 'sharing' as const, sessionId: 's1' };
  const cases: [string, UIState, SharerStatus, boolean, boolean][] = [
    ['Get help window, nobody signed in', 'signed-out', sharing, false, true],
    ['Get help window shows the end screen', 'signed-out', ended, false, true],
    ['helper page, session joined elsewhere, ended', 'ended', ended, false, false],
    ['helper page, session joined elsewhere, home', 'home', ended, false, false],
    ['helper page, session joined elsewhere, sharing', 'home', sharing, false, false],
    ['helper page, own Get help', 'home', { ...sharing, joinedHere: true }, false, true],
    ['helper in a session keeps the helper screens', 'live', { ...sharing, joinedHere: true }, false, false],
    ['nothing to show', 'signed-out', base, false, false],
    ['the prompt window always', 'live', sharing, true, true],
  ];
  for (const [name, helper, s, compact, want] of cases) {
    it(name, () => expect(showSharerSide(helper, s, '', compact)).toBe(want));
  }
});
