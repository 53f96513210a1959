// What the screen shows during each workload of bench-compare: a terminal at
// the left leaving the probe's corner free (static, typing, scrolling, start)
// or a moving picture over everything but that corner (motion).
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { sleep } from '../../test/e2e/lib/harness.mjs';

// The terminal's text area in screen pixels (188x70 cells of 9x15 inside a
// 2 px border): where legibility is compared.
export const TEXT_RECT = { x: 2, y: 2, w: 188 * 9, h: 70 * 15 };
// Left unpainted by the motion workload: the probe square and a margin.
export const MOTION_KEEP = { x: 1700, y: 0, w: 220, h: 200 };
export const MOTION_FPS = 60;

const LINE = 'The quick brown fox jumps over the lazy dog; 0123456789. '.repeat(4);

const scripts = {
  static: 'i=0; while [ $i -lt 68 ]; do i=$((i+1)); echo "$i $LINE" | cut -c1-186; done; exec sleep 100000',
  start: 'i=0; while [ $i -lt 68 ]; do i=$((i+1)); echo "$i $LINE" | cut -c1-186; done; exec sleep 100000',
  typing: 'i=0; while [ $i -lt 60 ]; do i=$((i+1)); echo "$i $LINE" | cut -c1-186; done; exec cat',
  scrolling: 'i=0; while :; do i=$((i+1)); echo "$i $LINE" | cut -c1-188; sleep 0.02; done',
};

// Workload is what one workload runs. quiesce() stops all change on the
// screen but leaves the picture (the terminal stays, held open);
// close() removes it. text says whether legibility is measured.
class Workload {
  constructor(name) {
    this.name = name;
    this.text = name === 'typing' || name === 'scrolling';
    this.procs = [];
    this.painter = null;
  }

  async quiesce() {
    if (this.typer) this.typer.kill();
    if (this.shellPidFile) {
      const pid = Number((await readFile(this.shellPidFile, 'utf8')).trim());
      if (pid > 0) process.kill(pid, 'SIGKILL');
    }
    if (this.painter && this.painter.exitCode === null && this.painter.signalCode === null) {
      const done = new Promise((r) => this.painter.on('exit', r));
      this.painter.kill('SIGTERM');
      await done;
      this.stopped ??= Date.now();
    }
  }

  async close() {
    await this.quiesce().catch(() => {});
    for (const p of this.procs) p.kill();
  }

  // painterStats: frames the motion painter drew and was late for, and its
  // CPU (utime+stime ticks at exit are read by the caller through its pid).
  painterStats() {
    const m = /painted (\d+) late (\d+)/.exec(this.painterOut ?? '');
    return m ? { painted: Number(m[1]), late: Number(m[2]) } : null;
  }
}

// startWorkload starts name on the harness's screen and returns it once
// the screen shows it.
export async function startWorkload(h, name) {
  const w = new Workload(name);
  const env = { ...process.env, DISPLAY: h.display, LINE };
  if (name === 'motion') {
    await h.run('xsetroot', ['-solid', '#202020']);
    const k = MOTION_KEEP;
    w.painter = spawn(h.xpattern, ['-display', h.display, '-motion', '-fps', String(MOTION_FPS), '-keep', `${k.x},${k.y},${k.w},${k.h}`]);
    w.painterOut = '';
    w.painter.stderr.on('data', (d) => (w.painterOut += d));
    const lines = createInterface({ input: w.painter.stdout });
    lines.on('line', (l) => (w.painterOut += l + '\n'));
    await new Promise((res, rej) => {
      w.painter.on('exit', (code) => rej(new Error(`motion painter exited ${code}: ${w.painterOut}`)));
      lines.once('line', res);
    });
    w.painter.removeAllListeners('exit');
    w.started = Date.now();
    w.procs.push(w.painter);
    return w;
  }
  const script = scripts[name];
  if (!script) throw new Error(`unknown workload ${name}`);
  // The shell writes its pid so quiesce can stop the output while xterm
  // (-hold) keeps showing the last screen.
  w.shellPidFile = join(h.dir, `shell-${name}.pid`);
  const sh = `echo $$ > ${w.shellPidFile}; ${script}`;
  const xterm = spawn('xterm', ['-fn', '9x15', '-geometry', '188x70+0+0', '+sb', '-hold', '-e', 'sh', '-c', sh], { env, stdio: 'ignore' });
  w.procs.push(xterm);
  await sleep(1500);
  if (name === 'typing') {
    await h.run('xdotool', ['mousemove', '600', '500']); // focus follows the pointer without a window manager
    w.typer = spawn('sh', ['-c', 'while :; do xdotool type --delay 100 "typing at ten characters a second "; done'], { env, stdio: 'ignore', detached: true });
    const t = w.typer;
    w.typer = { kill: () => { try { process.kill(-t.pid, 'SIGKILL'); } catch { /* gone */ } } };
  }
  return w;
}
