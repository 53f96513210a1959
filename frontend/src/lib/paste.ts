// "Paste as typing": the helper's text is typed on the sharer's computer
// as characters, a few at a time, so the helper sees progress and can stop.
// The sharer's daemon enforces the same limit (wire.MaxPasteRunes).

/** PASTE_MAX is the most characters (code points) one paste may type. */
export const PASTE_MAX = 4000;
/** PASTE_CHUNK characters go in one input message. */
export const PASTE_CHUNK = 40;
/** PASTE_INTERVAL_MS between messages: 40 characters every 100 ms, 10 s for the longest paste. */
export const PASTE_INTERVAL_MS = 100;

/** countChars counts code points, as the daemon does. */
export function countChars(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * pasteText normalises text for typing: one line-ending convention ("\n" is
 * Enter) and no control characters other than line breaks and tabs (the
 * sharer's keyboard has no key for them).
 */
export function pasteText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
}

/** pasteChunks splits normalised text into messages of at most PASTE_CHUNK code points. */
export function pasteChunks(s: string): string[] {
  const chars = [...s];
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += PASTE_CHUNK) out.push(chars.slice(i, i + PASTE_CHUNK).join(''));
  return out;
}

export interface PasteProgress {
  sent: number;
  total: number;
}

/**
 * PasteTyper sends the chunks of one paste at a steady pace. stop() ends it
 * between two chunks; what was typed stays typed.
 */
export class PasteTyper {
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly send: (text: string) => boolean,
    private readonly onProgress: (p: PasteProgress) => void,
    private readonly onDone: (completed: boolean) => void,
    private readonly intervalMs = PASTE_INTERVAL_MS,
  ) {}

  start(text: string): void {
    const chunks = pasteChunks(pasteText(text));
    const total = chunks.reduce((n, c) => n + countChars(c), 0);
    let i = 0;
    let sent = 0;
    const step = () => {
      this.timer = null;
      if (this.stopped) return;
      if (i >= chunks.length) {
        this.onDone(true);
        return;
      }
      if (!this.send(chunks[i])) {
        this.stopped = true;
        this.onDone(false);
        return;
      }
      sent += countChars(chunks[i]);
      i++;
      this.onProgress({ sent, total });
      this.timer = setTimeout(step, this.intervalMs);
    };
    this.onProgress({ sent: 0, total });
    step();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.onDone(false);
  }
}
