import { describe, expect, it } from 'vitest';
import { addLine, MAX_CHAT_LINES, unreadAfter } from './chat';
import type { ChatLine } from './protocol';

const line = (from: 'helper' | 'sharer', i: number): ChatLine => ({ from, text: `m${i}`, ts: i });

describe('addLine', () => {
  it('keeps the newest lines only', () => {
    let lines: ChatLine[] = [];
    for (let i = 0; i < MAX_CHAT_LINES + 5; i++) lines = addLine(lines, line('helper', i));
    expect(lines.length).toBe(MAX_CHAT_LINES);
    expect(lines[0].ts).toBe(5);
    expect(lines[lines.length - 1].ts).toBe(MAX_CHAT_LINES + 4);
  });
});

describe('unreadAfter', () => {
  const cases: [string, 'helper' | 'sharer', ChatLine, boolean, number][] = [
    ['the other person, chat hidden', 'sharer', line('helper', 1), false, 3],
    ['the other person, chat shown', 'sharer', line('helper', 1), true, 2],
    ['my own line, chat hidden', 'sharer', line('sharer', 1), false, 2],
    ['helper side: the sharer writes, hidden', 'helper', line('sharer', 1), false, 3],
    ['helper side: own line', 'helper', line('helper', 1), false, 2],
  ];
  for (const [name, me, l, open, want] of cases) {
    it(name, () => expect(unreadAfter(2, l, me, open)).toBe(want));
  }
});
