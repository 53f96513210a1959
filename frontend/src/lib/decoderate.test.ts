import { describe, expect, it } from 'vitest';
import { BACKLOG, CALM_MS, DecodeRate, MIN_FPS } from './decoderate';

/** a page that receives `arrive` frames a second and decodes `decode` of them */
function run(d: DecodeRate, clock: { t: number }, arrive: number, decode: number, ms: number, queue: { n: number }) {
  const end = clock.t + ms;
  let nextIn = clock.t;
  let nextOut = clock.t;
  while (clock.t < end) {
    clock.t = Math.min(nextIn, nextOut);
    if (clock.t === nextIn) {
      d.sample(queue.n); // the decoder's queue as the frame is handed to it
      queue.n++;
      nextIn += 1000 / arrive;
    }
    if (clock.t === nextOut) {
      if (queue.n > 0) {
        queue.n--;
        d.decoded();
      }
      nextOut += 1000 / decode;
    }
  }
}

describe('DecodeRate', () => {
  it('asks for a little less than the page decodes once a queue builds, and repeats it', () => {
    const clock = { t: 0 };
    const sent: number[] = [];
    const d = new DecodeRate((f) => sent.push(f), () => clock.t);
    const q = { n: 0 };
    run(d, clock, 25, 16, 3000, q);
    expect(sent.length).toBeGreaterThan(0);
    expect(d.current).toBeGreaterThanOrEqual(MIN_FPS);
    expect(d.current).toBeLessThanOrEqual(16);
    // Frames now come at the limit: the queue drains and the limit is
    // repeated while it holds.
    const before = sent.length;
    let least = q.n;
    for (let s = 0; s < 6; s++) {
      run(d, clock, d.current, 16, 1000, q);
      least = Math.min(least, q.n);
    }
    expect(least).toBeLessThan(BACKLOG);
    expect(sent.length).toBeGreaterThan(before);
    expect(sent.slice(before).every((f) => f > 0 && f <= 16)).toBe(true);
  });

  it('raises the limit after a calm spell and lifts it above the top', () => {
    const clock = { t: 0 };
    const sent: number[] = [];
    const d = new DecodeRate((f) => sent.push(f), () => clock.t);
    const q = { n: 0 };
    run(d, clock, 30, 10, 2500, q);
    const low = d.current;
    expect(low).toBeGreaterThan(0);
    q.n = 0;
    // A fast decoder from now on: each calm spell raises it by a quarter until lifted.
    let last = low;
    for (let i = 0; i < 20 && d.current !== 0; i++) {
      run(d, clock, Math.max(d.current, 1), 120, CALM_MS + 50, q);
      if (d.current !== 0) expect(d.current).toBeGreaterThanOrEqual(last);
      last = d.current;
    }
    expect(d.current).toBe(0);
    expect(sent.at(-1)).toBe(0);
  });

  it('settles near what the page decodes when the sharer follows the limit', () => {
    const clock = { t: 0 };
    const d = new DecodeRate(() => {}, () => clock.t);
    const q = { n: 0 };
    // The sharer sends 25 frames a second until a limit arrives, then the
    // limit (taking effect 100 ms later); the page decodes 16.
    let least = Infinity;
    for (let step = 0; step < 100; step++) {
      const arrive = d.current || 25;
      run(d, clock, arrive, 16, 100, q);
      if (step >= 60) least = Math.min(least, q.n);
    }
    expect(d.current).toBeGreaterThanOrEqual(8);
    expect(d.current).toBeLessThanOrEqual(16);
    expect(least).toBeLessThan(BACKLOG);
  });

  it('never limits a page that keeps up', () => {
    const clock = { t: 0 };
    const sent: number[] = [];
    const d = new DecodeRate((f) => sent.push(f), () => clock.t);
    run(d, clock, 30, 60, 5000, { n: 0 });
    expect(sent).toEqual([]);
  });
});
