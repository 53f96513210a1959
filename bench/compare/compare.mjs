// QuickHelp's helper console against x11vnc + noVNC on one 1920x1080 Xvfb, in
// one run, measured the same way for both (bench/README.md, "Compared with
// x11vnc + noVNC"): for each workload each system is watched in its own
// headless Chromium page for the same time, one after the other, while a
// 160 px square at the top right changes colour every 700 ms.
//   node bench/compare/compare.mjs [-runs 1] [-secs 15] [-settle 8] [-start-secs 10]
//     [-workloads static,typing,scrolling,motion,start] [-out bench/results] [-pngs dir]
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { Harness, bin, sleep, root } from '../../test/e2e/lib/harness.mjs';
import { legibility } from './legibility.mjs';
import { PROBE, PROBE_EVERY_MS, Probe, STALL_MS, cpuTicks, measure, r1 } from './measure.mjs';
import { NetCounter } from './netcount.mjs';
import { rowsTable, summarise, summaryTable } from './report.mjs';
import { reloadVNC, restartQuickHelp, startQuickHelp, startVNC } from './systems.mjs';
import { MOTION_FPS, MOTION_KEEP, startWorkload } from './workloads.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const RUNS = Number(opt('-runs', '1'));
const SECS = Number(opt('-secs', '15'));
const START_SECS = Number(opt('-start-secs', '10'));
const OUT = opt('-out', join(root, 'bench', 'results'));
const WORKLOADS = (opt('-workloads', 'static,typing,scrolling,motion,start')).split(',');
const DISPLAY = Number(opt('-display', '175'));
// Each workload runs this long before both systems are measured (the
// first picture of a new screen of text is refined for a few seconds).
const SETTLE = Number(opt('-settle', '8'));
// After the text workloads stop, the screen is still this long before the
// legibility snapshot.
const STILL_MS = 1000;
// -pngs keeps the legibility snapshots (the sharer's screen and both
// canvases over the text area) in this directory.
const PNGS = opt('-pngs', '');

// Each system is measured alone, the other idle: x11vnc frozen in its
// cgroup (noVNC then gets nothing to draw), QuickHelp's sharing paused (the
// sharer captures nothing, the console's page decodes nothing). A computer
// runs one remote-assistance tool at a time; with both at work on the two
// cores, each system's encoder and page slowed the other's (full-screen
// motion: 2-4 stalls a window for each, 0 for QuickHelp alone).
// ALONE_SETTLE_MS lets the one left settle (x11vnc sends what it missed).
const ALONE_SETTLE_MS = 2000;

// alone leaves only who ('quickhelp', 'vnc') at work, or both (null).
async function alone(env, who) {
  const { h, net } = env;
  if (who === 'quickhelp') {
    await net.freeze('vnc', true);
  } else if (who === 'vnc') {
    await h.sharerCLI('pause');
    if (!(await h.sharerCLI('status')).includes('paused')) throw new Error('QuickHelp\'s sharing did not pause');
    await net.freeze('vnc', false);
  } else {
    await h.sharerCLI('resume');
  }
  await sleep(ALONE_SETTLE_MS);
}

// runWorkload measures both systems on one workload and returns the row.
async function runWorkload(env, run, name) {
  const { h, probe, qh, vnc } = env;
  const w = await startWorkload(h, name);
  try {
    await sleep(SETTLE * 1000);
    const row = { run, workload: name, load_average_1m: r1(loadavg()[0]) };
    if (name === 'start') {
      // From the first decoded frame of a new session (QuickHelp) or the
      // first update after reloading noVNC, for START_SECS each.
      await alone(env, 'quickhelp');
      const allow = await restartQuickHelp(h, qh);
      row.quickhelp = await measure(qh.page, qh, probe, START_SECS);
      await alone(env, 'vnc');
      const reload = await reloadVNC(vnc);
      row.vnc = await measure(vnc.page, vnc, probe, START_SECS);
      await alone(env, null);
      row.start = { ...allow, vnc_reload_to_first_update_ms: reload };
      return row;
    }
    const painterCPU0 = w.painter ? await cpuTicks(w.painter.pid) : 0;
    const t0 = Date.now();
    await alone(env, 'quickhelp');
    row.quickhelp = await measure(qh.page, qh, probe, SECS);
    await alone(env, 'vnc');
    row.vnc = await measure(vnc.page, vnc, probe, SECS);
    await alone(env, null);
    // Resumed, QuickHelp starts again from a keyframe: text is judged
    // once it has been refined as in the steady state measured.
    if (w.text) await sleep(SETTLE * 1000);
    if (w.painter) {
      const cpu = (await cpuTicks(w.painter.pid)) - painterCPU0;
      const secs = (Date.now() - t0) / 1000;
      await w.quiesce();
      const st = w.painterStats();
      row.motion = {
        painter_cpu_pct_of_core: r1(cpu / secs), painter_frames: st?.painted ?? null,
        painter_fps: st ? r1(st.painted / st.secs) : null,
      };
    }
    if (w.text) {
      await w.quiesce();
      await sleep(STILL_MS);
      const leg = await legibility(h, env.quality, [qh, vnc], w.textRect, PNGS || env.dir, `${run}-${name}`);
      row.text_rect = w.textRect;
      Object.assign(row.quickhelp, leg.quickhelp);
      Object.assign(row.vnc, leg.vnc);
    }
    return row;
  } finally {
    await w.close();
  }
}

// displayInUse returns why display n cannot be used, or null: the harness
// would otherwise measure on another run's X server (its Xvfb fails to
// start, and the other server answers in its place).
async function displayInUse(n) {
  let pid;
  try {
    pid = Number((await readFile(`/tmp/.X${n}-lock`, 'utf8')).trim());
  } catch {
    return null;
  }
  try {
    process.kill(pid, 0);
  } catch {
    return null; // a stale lock: Xvfb replaces it
  }
  return `display :${n} is in use by process ${pid} (another bench-compare run? Use -display with a free number)`;
}

async function main() {
  const busy = await displayInUse(DISPLAY);
  if (busy) throw new Error(busy);
  const dir = await mkdtemp(join(tmpdir(), 'qh-compare-'));
  if (PNGS) await mkdir(PNGS, { recursive: true });
  const net = new NetCounter(['qh', 'vnc'], DISPLAY);
  const rows = [];
  let h;
  // cleanup stops everything and removes the nft table and the groups,
  // also when the bench is interrupted.
  let cleaned;
  const cleanup = () => (cleaned ??= (async () => {
    if (h) await h.stop();
    await net.stop();
    await rm(dir, { recursive: true, force: true });
  })());
  const onSignal = () => cleanup().finally(() => process.exit(130));
  const handleSignals = () => {
    for (const sig of ['SIGINT', 'SIGTERM']) {
      process.removeAllListeners(sig);
      process.on(sig, onSignal);
    }
  };
  handleSignals();
  try {
    await net.start(dir);
    const quality = join(dir, 'quality');
    await promisify(execFile)('go', ['build', '-o', quality, './bench/quality'], { cwd: root });
    h = new Harness(DISPLAY, { sharerBin: await net.wrapper('qh', bin('quickhelp-sharer')) });
    await h.start();
    // Playwright's own handlers exit the process once the browser is
    // closed, before the rest is stopped: ours close everything.
    handleSignals();
    await h.run('xsetroot', ['-solid', '#202020']);
    const painter = spawn(h.xpattern, ['-display', h.display, '-stdin']);
    const lines = createInterface({ input: painter.stdout })[Symbol.asyncIterator]();
    await lines.next(); // "ready"
    // The painter first paints the quadrants of the e2e pattern: cover them.
    await h.run('xsetroot', ['-solid', '#202020']);
    const vnc = await startVNC(h, net);
    const qh = await startQuickHelp(h, net);
    const env = { h, net, probe: new Probe(painter, lines), qh, vnc, quality, dir };
    for (let run = 1; run <= RUNS; run++) {
      for (const name of WORKLOADS) {
        const row = await runWorkload(env, run, name);
        rows.push(row);
        console.log(JSON.stringify(row));
        await sleep(1000);
      }
    }
    painter.kill();
  } finally {
    await cleanup();
  }
  await write(rows);
}

async function write(rows) {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const summary = summarise(rows);
  const result = {
    benchmark: 'QuickHelp helper console vs x11vnc + noVNC', screen: '1920x1080 Xvfb', seconds_per_measure: SECS,
    start_seconds: START_SECS, settle_seconds: SETTLE, still_ms_before_legibility: STILL_MS,
    motion: { fps: MOTION_FPS, keep: MOTION_KEEP },
    probe: { ...PROBE, every_ms: PROBE_EVERY_MS }, stall_ms: STALL_MS, summary, runs: rows, when: new Date().toISOString(),
  };
  await mkdir(OUT, { recursive: true });
  await writeFile(join(OUT, `compare-${stamp}.json`), JSON.stringify(result, null, 2) + '\n');
  const md = ['## Summary per workload', '', ...summaryTable(summary), '', '## Every run', '', ...rowsTable(rows)];
  await writeFile(join(OUT, `compare-${stamp}.md`), md.join('\n') + '\n');
  console.log(md.join('\n'));
}

await main();
