// QuickHelp's helper console against x11vnc + noVNC on one 1920x1080 Xvfb, in
// one run, measured the same way for both (bench/README.md, "Compared with
// x11vnc + noVNC"): for each workload each system is watched in its own
// headless Chromium page for the same time, one after the other, while a
// 160 px square at the top right changes colour every 700 ms.
//   node bench/compare/compare.mjs [-runs 1] [-secs 15] [-settle 8] [-workloads static,typing,scrolling] [-out bench/results]
import { spawn } from 'node:child_process';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Harness, liveSession, eventually, freePort, sleep, root } from '../../test/e2e/lib/harness.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const RUNS = Number(opt('-runs', '1'));
const SECS = Number(opt('-secs', '15'));
const OUT = opt('-out', join(root, 'bench', 'results'));
const WORKLOADS = (opt('-workloads', 'static,typing,scrolling')).split(',');
const DISPLAY = Number(opt('-display', '175'));
// Each workload runs this long before both systems are measured (the
// first picture of a new screen of text is refined for a few seconds).
const SETTLE = Number(opt('-settle', '8'));

// The probe square, beside the terminal (which leaves the right edge free).
const PROBE = { x: 1740, y: 20, w: 160, h: 160 };
const PROBE_EVERY_MS = 700;
const COLOURS = ['ff00ff', '00ffff', 'ffff00', '800080', '008080', 'ff8000'];
const STALL_MS = 200;

// countBytes runs in each page before its scripts: every byte the page
// receives on a WebSocket is counted (QuickHelp: the encoded frames from the
// console backend; noVNC: the RFB stream from websockify).
function countBytes() {
  window.__qhBytes = 0;
  // QuickHelp's frames (wire/frame.go: version 1, flags bit 0 keyframe,
  // codec, capture time, sequence number): keyframes and frames the
  // console backend skipped for a slow page (gaps in the sequence).
  window.__qhKeys = 0;
  window.__qhFrames = 0;
  window.__qhFrameBytes = 0;
  window.__qhKeyBytes = 0;
  window.__qhSkipped = 0;
  let seq = -1;
  const Native = window.WebSocket;
  // A function returning the native socket, not a subclass: noVNC does not
  // work with a subclassed WebSocket.
  function Counting(...a) {
    const ws = new Native(...a);
    ws.addEventListener('message', (ev) => {
      const d = ev.data;
      window.__qhBytes += typeof d === 'string' ? d.length : (d.byteLength ?? d.size ?? 0);
      if (d instanceof ArrayBuffer && d.byteLength >= 16) {
        const v = new DataView(d);
        if (v.getUint8(0) === 1 && v.getUint8(2) >= 1 && v.getUint8(2) <= 3) {
          window.__qhFrames++;
          window.__qhFrameBytes += d.byteLength;
          if (v.getUint8(1) & 1) {
            window.__qhKeys++;
            window.__qhKeyBytes += d.byteLength;
          }
          const n = v.getUint32(12);
          if (seq >= 0 && n > seq + 1) window.__qhSkipped += n - seq - 1;
          seq = n;
        }
      }
    });
    return ws;
  }
  Counting.prototype = Native.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Counting[k] = Native[k];
  window.WebSocket = Counting;
}

// watch runs in the page: every animation frame it reads the probe's pixel
// and a 192x108 thumbnail of the canvas, and records when the probe showed
// each colour and when the picture changed (picture updates).
function watch({ selector, probe }) {
  const canvas = document.querySelector(selector);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const thumb = new OffscreenCanvas(192, 108).getContext('2d', { willReadFrequently: true });
  const st = {
    colours: [], updates: [], bytes0: window.__qhBytes, keys0: window.__qhKeys, keyBytes0: window.__qhKeyBytes,
    skipped0: window.__qhSkipped, frames0: window.__qhFrames, frameBytes0: window.__qhFrameBytes, t0: performance.timeOrigin + performance.now(),
  };
  window.__qhWatch = st;
  let last = '', lastHash = 0;
  const tick = () => {
    if (st.stop) return;
    const now = performance.timeOrigin + performance.now();
    const d = ctx.getImageData(probe.x + probe.w / 2, probe.y + probe.h / 2, 1, 1).data;
    const rgb = [d[0], d[1], d[2]].map((v) => v.toString(16).padStart(2, '0')).join('');
    if (rgb !== last) {
      st.colours.push([now, d[0], d[1], d[2]]);
      last = rgb;
    }
    thumb.drawImage(canvas, 0, 0, 192, 108);
    const px = thumb.getImageData(0, 0, 192, 108).data;
    let h = 0;
    for (let i = 0; i < px.length; i += 4) h = (Math.imul(h, 31) + px[i] + (px[i + 1] << 8) + (px[i + 2] << 16)) | 0;
    if (h !== lastHash) {
      st.updates.push(now);
      lastHash = h;
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

function closeTo(c, rgb) {
  const want = [0, 2, 4].map((k) => parseInt(rgb.slice(k, k + 2), 16));
  return want.every((v, k) => Math.abs(c[k + 1] - v) < 48);
}

const q = (s, p) => (s.length ? s[Math.min(s.length - 1, Math.floor(s.length * p))] : null);
const r1 = (v) => (v === null ? null : Math.round(v * 10) / 10);

async function cpuTicks(pid) {
  const f = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks (100/s)
}

// measure watches page for SECS seconds while the probe changes, and
// returns the figures of one system on one workload.
async function measure(page, selector, painter, lines, pid) {
  await page.evaluate(watch, { selector, probe: PROBE });
  const cpu0 = await cpuTicks(pid);
  const t0 = Date.now();
  const painted = [];
  let i = 0;
  while (Date.now() - t0 < SECS * 1000) {
    const rgb = COLOURS[i++ % COLOURS.length];
    painter.stdin.write(`${rgb} ${PROBE.x} ${PROBE.y} ${PROBE.w} ${PROBE.h}\n`);
    painted.push([Number((await lines.next()).value) / 1000, rgb]);
    await sleep(PROBE_EVERY_MS);
  }
  const secs = (Date.now() - t0) / 1000;
  const cpu = ((await cpuTicks(pid)) - cpu0) / 100 / secs;
  const st = await page.evaluate(() => {
    const s = window.__qhWatch;
    s.stop = true;
    return {
      colours: s.colours, updates: s.updates, bytes: window.__qhBytes - s.bytes0, keys: window.__qhKeys - s.keys0,
      keyBytes: window.__qhKeyBytes - s.keyBytes0, skipped: window.__qhSkipped - s.skipped0,
      frames: window.__qhFrames - s.frames0, frameBytes: window.__qhFrameBytes - s.frameBytes0,
    };
  });
  // Glass to glass: from the X server's paint to the first animation frame
  // that shows the colour, before the next paint.
  const g2g = [];
  let missed = 0;
  painted.forEach(([at, rgb], k) => {
    const until = k + 1 < painted.length ? painted[k + 1][0] : Infinity;
    const seen = st.colours.find((c) => c[0] >= at && c[0] < until && closeTo(c, rgb));
    if (seen) g2g.push(seen[0] - at);
    else missed++;
  });
  g2g.sort((a, b) => a - b);
  let gap = 0;
  for (let k = 1; k < st.updates.length; k++) gap = Math.max(gap, st.updates[k] - st.updates[k - 1]);
  return {
    kbps: r1((st.bytes * 8) / 1000 / secs),
    updates_per_s: r1(st.updates.length / secs),
    g2g_p50_ms: r1(q(g2g, 0.5)), g2g_p95_ms: r1(q(g2g, 0.95)), g2g_max_ms: r1(g2g.at(-1) ?? null),
    probe_changes: painted.length, probe_missed: missed,
    stalls_over_200ms: g2g.filter((v) => v > STALL_MS).length + missed,
    longest_update_gap_ms: r1(gap),
    sharer_cpu_pct_of_core: r1(cpu * 100),
    // QuickHelp only (0 for noVNC): keyframes in the window, their share of
    // the bytes, frames the console backend skipped for a slow page.
    // QuickHelp: video frames (their rate and share of the bytes; the
    // rest is the console's JSON events).
    video_frames_per_s: r1(st.frames / secs), video_kbps: r1((st.frameBytes * 8) / 1000 / secs),
    keyframes: st.keys, keyframe_kbps: r1((st.keyBytes * 8) / 1000 / secs), frames_skipped_for_page: st.skipped,
  };
}

// workload starts what the screen shows (a terminal at the left leaving the
// probe's corner free) and returns a function that stops it.
async function workload(h, name) {
  const term = ['-fn', '9x15', '-geometry', '188x70+0+0', '+sb'];
  const line = 'The quick brown fox jumps over the lazy dog; 0123456789. '.repeat(4);
  const env = { ...process.env, DISPLAY: h.display, LINE: line };
  let script;
  switch (name) {
    case 'static':
      script = 'i=0; while [ $i -lt 68 ]; do i=$((i+1)); echo "$i $LINE" | cut -c1-186; done; exec sleep 100000';
      break;
    case 'typing':
      script = 'i=0; while [ $i -lt 60 ]; do i=$((i+1)); echo "$i $LINE" | cut -c1-186; done; exec cat';
      break;
    case 'scrolling':
      script = 'i=0; while :; do i=$((i+1)); echo "$i $LINE" | cut -c1-188; sleep 0.02; done';
      break;
    default:
      throw new Error(`unknown workload ${name}`);
  }
  const xterm = spawn('xterm', [...term, '-e', 'sh', '-c', script], { env, stdio: 'ignore' });
  await sleep(1500);
  let typer = null;
  if (name === 'typing') {
    await h.run('xdotool', ['mousemove', '600', '500']); // focus follows the pointer without a window manager
    typer = spawn('sh', ['-c', 'while :; do xdotool type --delay 100 "typing at ten characters a second "; done'], { env, stdio: 'ignore' });
  }
  return () => {
    if (typer) typer.kill();
    xterm.kill();
  };
}

async function startVNC(h) {
  const rfb = await freePort();
  const web = await freePort();
  const x11vnc = h.spawn('x11vnc', 'x11vnc', ['-display', h.display, '-rfbport', String(rfb), '-localhost', '-nopw', '-forever', '-shared', '-quiet']);
  await eventually('x11vnc', async () => {
    const s = await import('node:net');
    return new Promise((res, rej) => {
      const c = s.connect(rfb, '127.0.0.1', () => { c.destroy(); res(true); });
      c.on('error', rej);
    });
  }, 15000, 200);
  const ws = h.spawn('websockify', 'websockify', ['--web', '/usr/share/novnc', `127.0.0.1:${web}`, `127.0.0.1:${rfb}`]);
  await eventually('websockify', async () => (await fetch(`http://127.0.0.1:${web}/vnc_lite.html`)).ok, 15000, 200);
  return { x11vnc, ws, url: `http://127.0.0.1:${web}/vnc_lite.html?host=127.0.0.1&port=${web}&scale=false` };
}

const rows = [];
const h = await new Harness(DISPLAY).start();
try {
  await h.run('xsetroot', ['-solid', '#202020']);
  const painter = spawn(h.xpattern, ['-display', h.display, '-stdin']);
  const lines = createInterface({ input: painter.stdout })[Symbol.asyncIterator]();
  await lines.next(); // "ready"
  // The painter first paints the quadrants of the e2e pattern: cover them.
  await h.run('xsetroot', ['-solid', '#202020']);
  const vnc = await startVNC(h);
  const ctxOpts = { viewport: { width: 1920, height: 1200 } };
  const qhCtx = await h.browser.newContext(ctxOpts);
  await qhCtx.addInitScript(countBytes);
  const qhPage = await qhCtx.newPage();
  // QH_COMPARE_CONSOLE=1 shows the console page's warnings (decoder errors).
  if (process.env.QH_COMPARE_CONSOLE) qhPage.on('console', (m) => console.error('page:', m.type(), m.text().slice(0, 200)));
  await liveSession(h, qhPage);
  const vncCtx = await h.browser.newContext(ctxOpts);
  await vncCtx.addInitScript(countBytes);
  const vncPage = await vncCtx.newPage();
  await vncPage.goto(vnc.url);
  await eventually('noVNC connected', async () => {
    const st = await vncPage.evaluate(() => {
      const c = document.querySelector('#screen canvas');
      return { w: c ? c.width : 0, status: document.getElementById('status')?.textContent };
    });
    if (st.w !== 1920) throw new Error(`canvas ${st.w} px wide, status ${st.status}: ${vnc.x11vnc.out.slice(-300)} ${vnc.ws.out.slice(-500)}`);
    return true;
  }, 20000, 200);

  for (let run = 1; run <= RUNS; run++) {
    for (const name of WORKLOADS) {
      const stop = await workload(h, name);
      await sleep(SETTLE * 1000);
      const qh = await measure(qhPage, '[data-testid="remote-screen"]', painter, lines, h.sharer.child.pid);
      const vn = await measure(vncPage, '#screen canvas', painter, lines, vnc.x11vnc.child.pid);
      stop();
      const row = { run, workload: name, load_average_1m: r1(loadavg()[0]), quickhelp: qh, vnc: vn };
      rows.push(row);
      console.log(JSON.stringify(row));
      await sleep(1000);
    }
  }
  painter.kill();
} finally {
  await h.stop();
}

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const result = {
  benchmark: 'QuickHelp helper console vs x11vnc + noVNC', screen: '1920x1080 Xvfb', seconds_per_measure: SECS,
  settle_seconds: SETTLE,
  probe: { ...PROBE, every_ms: PROBE_EVERY_MS }, stall_ms: STALL_MS, runs: rows, when: new Date().toISOString(),
};
await mkdir(OUT, { recursive: true });
await writeFile(join(OUT, `compare-${stamp}.json`), JSON.stringify(result, null, 2) + '\n');
const ratio = (a, b) => (a === null || b === null || b === 0 ? '–' : (a / b).toFixed(2) + '×');
const md = ['| run | workload | load | kbit/s QH / VNC (ratio) | updates/s QH / VNC | g2g p50 QH / VNC ms | g2g p95 QH / VNC ms | stalls > 200 ms QH / VNC | sharer CPU % QH / VNC |',
  '|---|---|---|---|---|---|---|---|---|'];
for (const r of rows) {
  const a = r.quickhelp, b = r.vnc;
  md.push(`| ${r.run} | ${r.workload} | ${r.load_average_1m} | ${a.kbps} / ${b.kbps} (${ratio(a.kbps, b.kbps)}) | ${a.updates_per_s} / ${b.updates_per_s} | ${a.g2g_p50_ms} / ${b.g2g_p50_ms} | ${a.g2g_p95_ms} / ${b.g2g_p95_ms} | ${a.stalls_over_200ms} / ${b.stalls_over_200ms} | ${a.sharer_cpu_pct_of_core} / ${b.sharer_cpu_pct_of_core} |`);
}
await writeFile(join(OUT, `compare-${stamp}.md`), md.join('\n') + '\n');
console.log(md.join('\n'));
