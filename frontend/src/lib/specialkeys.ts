// Special keys: combinations the helper's own system would take for itself
// (the Windows key, Alt+Tab, ...), sent to the sharer from a menu. Ctrl+Alt+Del
// is deliberately absent: Windows does not let a program press it, and the
// secure screen it opens belongs to the person at the computer alone.

import type { InputEvent } from './protocol';

export type SpecialKeyID = 'win' | 'alt-tab' | 'ctrl-esc' | 'print-screen' | 'ctrl-shift-esc';

export interface SpecialKey {
  id: SpecialKeyID;
  /** codes are KeyboardEvent.code values, pressed in this order and released in reverse. */
  codes: string[];
}

export const SPECIAL_KEYS: SpecialKey[] = [
  { id: 'win', codes: ['MetaLeft'] },
  { id: 'alt-tab', codes: ['AltLeft', 'Tab'] },
  { id: 'ctrl-esc', codes: ['ControlLeft', 'Escape'] },
  { id: 'print-screen', codes: ['PrintScreen'] },
  { id: 'ctrl-shift-esc', codes: ['ControlLeft', 'ShiftLeft', 'Escape'] },
];

/** chordEvents presses codes in order and releases them in reverse. */
export function chordEvents(codes: string[]): InputEvent[] {
  const down: InputEvent[] = codes.map((c) => ({ t: 'keydown', c }));
  const up: InputEvent[] = [...codes].reverse().map((c) => ({ t: 'keyup', c }));
  return [...down, ...up];
}
