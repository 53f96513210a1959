// One measurement window of one system: the probe square changes colour
// every 700 ms while the page watches its canvas (bench/README.md).
import { readFile } from 'node:fs/promises';
import { sleep } from '../../test/e2e/lib/harness.mjs';
import { watch } from './page.mjs';

// The probe square, beside the terminal (which leaves the right edge free).
export const PROBE = { x: 1740, y: 20, w: 160, h: 160 };
export const PROBE_EVERY_MS = 700;
export const STALL_MS = 200;
const COLOURS = ['ff00ff', '00ffff', 'ffff00', '800080', '008080', 'ff8000'];

export const q = (s, p) => (s.length ? s[Math.min(s.length - 1, Math.floor(s.length * p))] : null);
export const r1 = (v) => (v === null || v === undefined || Number.isNaN(v) ? null : Math.round(v * 10) / 10);

function closeTo(c, rgb) {
  const want = [0, 2, 4].map((k) => parseInt(rgb.slice(k, k + 2), 16));
  return want.every((v, k) => Math.abs(c[k + 1] - v) < 48);
}

// cpuTicks: utime + stime of pid, in clock ticks (100/s).
export async function cpuTicks(pid) {
  const f = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
}

// Probe paints the square through the long-lived xpattern -stdin client,
// which answers each line with the time the X server had drawn it.
export class Probe {
  constructor(painter, lines) {
    this.painter = painter;
    this.lines = lines;
    this.i = 0;
  }

  async paint() {
    const rgb = COLOURS[this.i++ % COLOURS.length];
    this.painter.stdin.write(`${rgb} ${PROBE.x} ${PROBE.y} ${PROBE.w} ${PROBE.h}\n`);
    return [Number((await this.lines.next()).value) / 1000, rgb];
  }
}

// measure watches page for secs seconds while the probe changes and
// returns the figures of one system: sys.pid is its sharing process,
// sys.netBytes() reads its nft counter, sys.selector its canvas.
export async function measure(page, sys, probe, secs) {
  const frames = sys.name === 'quickhelp';
  await page.evaluate(watch, { selector: sys.selector, probe: PROBE });
  const cpu0 = await cpuTicks(sys.pid);
  const net0 = await sys.netBytes();
  const t0 = Date.now();
  const painted = [];
  while (Date.now() - t0 < secs * 1000) {
    painted.push(await probe.paint());
    await sleep(PROBE_EVERY_MS);
  }
  const elapsed = (Date.now() - t0) / 1000;
  const cpu = ((await cpuTicks(sys.pid)) - cpu0) / 100 / elapsed;
  const net = (await sys.netBytes()) - net0;
  const st = await page.evaluate(() => {
    const s = window.__qhWatch;
    s.stop = true;
    return {
      colours: s.colours, updates: s.updates, drawn: s.drawn, bytes: window.__qhBytes - s.bytes0, keys: window.__qhKeys - s.keys0,
      keyBytes: window.__qhKeyBytes - s.keyBytes0, skipped: window.__qhSkipped - s.skipped0,
      frames: window.__qhFrames - s.frames0, frameBytes: window.__qhFrameBytes - s.frameBytes0,
    };
  });
  return { elapsed, ...figures(painted, st, elapsed, frames), net_kbps: r1((net * 8) / 1000 / elapsed), sharer_cpu_pct_of_core: r1(cpu * 100) };
}

// figures turns the paints and what the page saw into the row's numbers.
// Glass to glass: from the X server's paint to the first animation frame
// that shows the colour, before the next paint.
function figures(painted, st, secs, frames) {
  const g2g = [];
  let missed = 0;
  painted.forEach(([at, rgb], k) => {
    const until = k + 1 < painted.length ? painted[k + 1][0] : Infinity;
    const seen = st.colours.find((c) => c[0] >= at && c[0] < until && closeTo(c, rgb));
    if (seen) g2g.push(seen[0] - at);
    else missed++;
  });
  const sorted = [...g2g].sort((a, b) => a - b);
  let gap = 0;
  for (let k = 1; k < st.updates.length; k++) gap = Math.max(gap, st.updates[k] - st.updates[k - 1]);
  return {
    // The page's WebSocket bytes (the second column; net_kbps is the first).
    kbps: r1((st.bytes * 8) / 1000 / secs),
    updates_per_s: r1(st.updates.length / secs),
    // Animation frames in which the viewer drew on its canvas: its frame
    // rate as the page shows it, for both systems (at most the page's 60/s).
    canvas_frames_per_s: r1(st.drawn / secs),
    g2g_p50_ms: r1(q(sorted, 0.5)), g2g_p95_ms: r1(q(sorted, 0.95)), g2g_max_ms: r1(sorted.at(-1) ?? null),
    g2g_ms: g2g.map(r1),
    probe_changes: painted.length, probe_missed: missed,
    stalls_over_200ms: g2g.filter((v) => v > STALL_MS).length + missed,
    longest_update_gap_ms: r1(gap),
    // QuickHelp only: video frames (their rate and share of
    // the bytes; the rest is the console's JSON events), keyframes, frames
    // the console backend skipped for a slow page.
    ...(frames ? {
      video_frames_per_s: r1(st.frames / secs), video_kbps: r1((st.frameBytes * 8) / 1000 / secs),
      keyframes: st.keys, keyframe_kbps: r1((st.keyBytes * 8) / 1000 / secs), frames_skipped_for_page: st.skipped,
    } : {}),
  };
}
