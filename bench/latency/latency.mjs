// Glass-to-glass latency of the helper console: from a colour change on the
// sharer's 1080p Xvfb screen (the moment the X server has drawn it) to the
// decoded frame painted in the helper's page (first requestAnimationFrame
// whose canvas shows the new colour). Runs the real service, daemon and
// console; writes p50/p95 as JSON.
//   node bench/latency/latency.mjs [-n 60] [-out bench/results/latency.json]
import { spawn } from 'node:child_process';
import { writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { Harness, liveSession, paintPattern, sleep } from '../../test/e2e/lib/harness.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const N = Number(opt('-n', '60'));
const OUT = opt('-out', 'bench/results/latency.json');
const GOAL_MS = 50;

const h = await new Harness(Number(opt('-display', '122'))).start();
try {
  await paintPattern(h);
  const page = await h.browser.newPage({ viewport: { width: 1920, height: 1200 } });
  await liveSession(h, page);

  const painter = spawn(h.xpattern, ['-display', h.display, '-stdin']);
  const lines = createInterface({ input: painter.stdout })[Symbol.asyncIterator]();
  await lines.next(); // "ready"

  const colours = ['ff00ff', '00ffff', 'ffff00', '800080', '008080'];
  const samples = [];
  // The watched square sits in the middle of the red quadrant.
  const [X, Y, W, H] = [380, 170, 200, 200];
  for (let i = 0; i < N; i++) {
    const rgb = colours[i % colours.length];
    const want = [0, 2, 4].map((k) => parseInt(rgb.slice(k, k + 2), 16));
    const seen = page.getByTestId('remote-screen').evaluate(
      (c, { want, x, y }) =>
        new Promise((resolve) => {
          const ctx = c.getContext('2d', { willReadFrequently: true });
          const deadline = performance.now() + 5000;
          const check = () => {
            const d = ctx.getImageData(x, y, 1, 1).data;
            if (want.every((v, k) => Math.abs(d[k] - v) < 48)) return resolve(performance.timeOrigin + performance.now());
            if (performance.now() > deadline) return resolve(null);
            requestAnimationFrame(check);
          };
          requestAnimationFrame(check);
        }),
      { want, x: X + W / 2, y: Y + H / 2 },
    );
    await sleep(50); // the watcher is armed
    painter.stdin.write(`${rgb} ${X} ${Y} ${W} ${H}\n`);
    const paintedUs = Number((await lines.next()).value);
    const shownMs = await seen;
    if (shownMs !== null) samples.push(shownMs - paintedUs / 1000);
    await sleep(100);
  }
  painter.kill();
  samples.sort((a, b) => a - b);
  const q = (p) => samples[Math.min(samples.length - 1, Math.floor(samples.length * p))];
  const result = {
    benchmark: 'glass-to-glass', resolution: '1920x1080', samples: samples.length, missed: N - samples.length,
    p50_ms: +q(0.5).toFixed(1), p95_ms: +q(0.95).toFixed(1), min_ms: +samples[0].toFixed(1), max_ms: +samples.at(-1).toFixed(1),
    goal_p50_ms: GOAL_MS, when: new Date().toISOString(),
  };
  await mkdir(dirname(OUT), { recursive: true });
  await writeFile(OUT, JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result));
} finally {
  await h.stop();
}
