// DecodeRate decides the frame-rate limit the page asks the sharer for.
//
// On a busy computer, or with software decoding of a full-screen moving
// picture, the page decodes fewer frames a second than arrive. The
// decoder's queue then grows until the page gives up on it and asks for a
// keyframe (the costliest frame to send and to decode), and every change
// on the sharer's screen waits behind the queue. Instead, as soon as the
// queue holds BACKLOG frames, the page asks for a little less than it
// decoded over the last second, and less again every LOWER_EVERY_MS while
// the queue does not shrink; after CALM_MS without a queue it asks for
// a quarter more, and lifts the limit above MAX_FPS. The limit is repeated
// every REPEAT_MS while it holds: it travels in RTCP, which may be lost,
// and the sharer forgets a limit that is not repeated.

/** a queue this long means the page falls behind */
export const BACKLOG = 3;
export const MIN_FPS = 4;
export const MAX_FPS = 60;
/** at most one lowering in this time, so the last one can take effect */
export const LOWER_EVERY_MS = 500;
export const CALM_MS = 2000;
export const REPEAT_MS = 2000;
const WINDOW_MS = 1000;

export class DecodeRate {
  private outputs: number[] = [];
  private first = -1;
  private limit = 0;
  private lastSent = -Infinity;
  private calmSince = -1;
  /** when the backlog was last checked for a lowering, and the queue then */
  private checked = -Infinity;
  private queueAtCheck = 0;

  constructor(
    private readonly send: (fps: number) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** the limit in force, 0 when none */
  get current(): number {
    return this.limit;
  }

  /** decoded notes a picture the decoder produced */
  decoded(): void {
    const t = this.now();
    if (this.first < 0) this.first = t;
    this.outputs.push(t);
    while (this.outputs.length > 0 && this.outputs[0] <= t - WINDOW_MS) this.outputs.shift();
  }

  /** sample is called for every frame handed to the decoder, with its queue */
  sample(queue: number): void {
    const t = this.now();
    if (queue >= BACKLOG) {
      this.calmSince = -1;
      // One second of output to go by, and a lowering at a time; while
      // the queue does not shrink, each lowering takes a further 15 % (a
      // queue that shrinks is left to drain: lowering on would overshoot).
      if (this.first >= 0 && t - this.first >= WINDOW_MS && t - this.checked >= LOWER_EVERY_MS) {
        const draining = this.limit > 0 && queue < this.queueAtCheck;
        this.checked = t;
        this.queueAtCheck = queue;
        const rate = this.outputs.filter((o) => o > t - WINDOW_MS).length;
        const base = this.limit > 0 ? Math.min(this.limit, rate) : rate;
        const want = Math.min(MAX_FPS, Math.max(MIN_FPS, Math.floor(base * 0.85)));
        if (!draining && (this.limit === 0 || want < this.limit)) {
          this.set(want, t);
          return;
        }
      }
    } else if (queue > 0) {
      this.calmSince = -1; // not calm: frames still wait
    } else {
      if (this.calmSince < 0) this.calmSince = t;
      if (this.limit > 0 && t - this.calmSince >= CALM_MS) {
        const up = Math.ceil(this.limit * 1.25);
        this.set(up > MAX_FPS ? 0 : up, t);
        this.calmSince = t;
        return;
      }
    }
    if (this.limit > 0 && t - this.lastSent >= REPEAT_MS) this.set(this.limit, t);
  }

  private set(fps: number, t: number): void {
    this.limit = fps;
    this.lastSent = t;
    this.send(fps);
  }
}
