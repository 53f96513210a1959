// What the screen shows during each workload of bench-compare: a terminal at
// the left leaving the probe's corner free (static, typing, scrolling, start)
// or a moving picture over everything but that corner (motion).
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { eventually, sleep } from '../../test/e2e/lib/harness.mjs';

// The terminal: 188x70 cells of the X server's built-in "fixed" font (6x13
// pixels, present on every X server, so the workload is the same on every
// machine), at the top left, leaving the probe's corner free.
const TERM = ['-fn', 'fixed', '-geometry', '188x70+0+0', '+sb', '-hold'];
// xterm's internal border around the text.
const BORDER = 2;
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
    }
  }

  async close() {
    await this.quiesce().catch(() => {});
    for (const p of this.procs) p.kill();
    // The motion painter's last frame stays on the root window: clear it.
    if (this.painter) await this.h.run('xsetroot', ['-solid', '#202020']);
  }

  // painterStats: frames the motion painter drew and the seconds it
  // painted for, as it printed them when stopped.
  painterStats() {
    const m = /painted (\d+) in ([\d.]+) s/.exec(this.painterOut ?? '');
    return m ? { painted: Number(m[1]), secs: Number(m[2]) } : null;
  }
}

// startWorkload starts name on the harness's screen and returns it once
// the screen shows it.
export async function startWorkload(h, name) {
  const w = new Workload(name);
  w.h = h;
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
    w.procs.push(w.painter);
    return w;
  }
  const script = scripts[name];
  if (!script) throw new Error(`unknown workload ${name}`);
  // The shell writes its pid so quiesce can stop the output while xterm
  // (-hold) keeps showing the last screen.
  w.shellPidFile = join(h.dir, `shell-${name}.pid`);
  const sh = `echo $$ > ${w.shellPidFile}; ${script}`;
  const xterm = spawn('xterm', [...TERM, '-e', 'sh', '-c', sh], { env, stdio: 'ignore' });
  w.procs.push(xterm);
  w.textRect = await textArea(h, xterm.pid);
  await sleep(1500);
  if (name === 'typing') {
    await h.run('xdotool', ['mousemove', '600', '500']); // focus follows the pointer without a window manager
    w.typer = spawn('sh', ['-c', 'while :; do xdotool type --delay 100 "typing at ten characters a second "; done'], { env, stdio: 'ignore', detached: true });
    const t = w.typer;
    w.typer = { kill: () => { try { process.kill(-t.pid, 'SIGKILL'); } catch { /* gone */ } } };
  }
  return w;
}

// textArea returns the text area of xterm's window in screen pixels, where
// legibility is compared.
async function textArea(h, pid) {
  const id = await eventually('the terminal window', async () =>
    (await h.run('xdotool', ['search', '--onlyvisible', '--pid', String(pid)])).trim().split('\n')[0], 10000, 100);
  const g = Object.fromEntries((await h.run('xdotool', ['getwindowgeometry', '--shell', id])).trim().split('\n').map((l) => l.split('=')));
  const r = { x: Number(g.X) + BORDER, y: Number(g.Y) + BORDER, w: Number(g.WIDTH) - 2 * BORDER, h: Number(g.HEIGHT) - 2 * BORDER };
  if (!(r.w > 100 && r.h > 100 && r.x + r.w <= 1920 && r.y + r.h <= 1080)) throw new Error(`terminal window ${JSON.stringify(g)}`);
  return r;
}
