// Harness for end-to-end tests: starts the real programs (service, sharer
// daemon, helper console) against a private Xvfb desktop, and launches
// Debian's Chromium through playwright-core. Everything it starts is
// stopped by stop(); nothing is downloaded.
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, mkdir, writeFile, access } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const execFileP = promisify(execFile);
export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const bin = (name) => join(root, 'bin', name);
// testBin: the test build of a program (make build-test), with test-only
// knobs such as QUICKHELP_POLICY_FILE; shipped binaries ignore those.
export const testBin = (name) => join(root, 'bin', 'test', name);
export const artifacts = join(root, 'test', 'e2e', 'artifacts');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function eventually(what, fn, timeoutMs = 20000, stepMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await sleep(stepMs);
  }
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

// Proc is a child process whose output is kept for assertions and logs.
class Proc {
  constructor(name, cmd, args, env) {
    this.name = name;
    this.out = '';
    this.child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (d) => (this.out += d));
    this.child.stderr.on('data', (d) => (this.out += d));
    this.exited = new Promise((r) => this.child.on('exit', (code) => r(code)));
  }
  async waitFor(re, what, timeoutMs = 20000) {
    return eventually(what ?? `${this.name} to print ${re}`, () => this.out.match(re), timeoutMs);
  }
  async stop() {
    if (this.child.exitCode !== null) return;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(t);
  }
}

export class Harness {
  // opts.sharerBin runs another build of the sharer daemon (testBin for the
  // test-only knobs); opts.sharerEnv and opts.consoleEnv add to the sharer
  // daemon's and the helper console's environment.
  constructor(display, opts = {}) {
    this.display = `:${display}`;
    this.n = display;
    this.procs = [];
    this.opts = opts;
  }

  spawn(name, cmd, args, env = {}) {
    const p = new Proc(name, cmd, args, env);
    this.procs.push(p);
    return p;
  }

  async run(cmd, args, env = {}) {
    const { stdout } = await execFileP(cmd, args, { env: { ...process.env, DISPLAY: this.display, ...env } });
    return stdout;
  }

  async start() {
    this.dir = await mkdtemp(join(tmpdir(), 'qh-e2e-'));
    await mkdir(artifacts, { recursive: true });
    this.sharerBin = this.opts.sharerBin ?? bin('quickhelp-sharer');
    this.xrecorder = join(this.dir, 'xrecorder');
    this.xpattern = join(this.dir, 'xpattern');
    await execFileP('go', ['build', '-o', this.dir, './test/e2e/xrecorder', './test/e2e/xpattern'], { cwd: root });
    // Another X server on this display would answer in place of ours (ours
    // fails to start) and mix two runs on one screen: refuse it.
    if (await this.run('xdpyinfo', []).then(() => true, () => false)) {
      throw new Error(`display ${this.display} is already in use by another X server: stop it or wait for its run to end`);
    }
    this.xvfb = this.spawn('xvfb', 'Xvfb', [this.display, '-screen', '0', '1920x1080x24', '-nolisten', 'tcp', '-noreset']);
    await eventually('Xvfb', async () => {
      if (this.xvfb.child.exitCode !== null) throw new Error(`Xvfb exited: ${this.xvfb.out}`);
      await access(`/tmp/.X11-unix/X${this.n}`);
      await this.run('xdpyinfo', []);
      return true;
    }, 10000);
    await sleep(100);
    if (this.xvfb.child.exitCode !== null) throw new Error(`Xvfb exited: ${this.xvfb.out}`);

    this.port = await freePort();
    this.turnPort = await freePort();
    this.serverURL = `http://127.0.0.1:${this.port}`;
    const data = join(this.dir, 'server');
    const common = ['--data', data];
    await this.run(bin('quickhelp-server'), ['demo', ...common]);
    this.password = (await readFile(join(data, 'demo-password.txt'), 'utf8')).trim();
    this.email = 'alex@example.com';
    this.server = this.spawn('server', bin('quickhelp-server'), [
      'serve', ...common, '--listen', `127.0.0.1:${this.port}`, '--turn-listen', `127.0.0.1:${this.turnPort}`,
    ]);
    await eventually('the service', async () => (await fetch(`${this.serverURL}/healthz`)).ok, 20000);

    this.socket = join(this.dir, 'sharer.sock');
    // The daemon's resume ticket stays in this run's directory: stopped
    // with SIGTERM at the end, a daemon leaves its session resumable.
    this.sharer = this.spawn('sharer', this.sharerBin, [
      'daemon', '--server', this.serverURL, '--display', this.display, '--socket', this.socket,
    ], { XDG_STATE_HOME: join(this.dir, 'state'), ...(this.opts.sharerEnv ?? {}) });
    await this.sharer.waitFor(/ready/, 'the sharer daemon');

    this.console = this.spawn('console', bin('quickhelp'), ['console', '--listen', '127.0.0.1:0', '--server', this.serverURL],
      this.opts.consoleEnv ?? {});
    const m = await this.console.waitFor(/http:\/\/127\.0\.0\.1:\d+\/\S*/, 'the console URL');
    this.consoleURL = m[0];

    this.browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    return this;
  }

  // sharerCLI runs one quickhelp-sharer command against the daemon.
  async sharerCLI(...args) {
    return this.run(this.sharerBin, ['--socket', this.socket, ...args]);
  }

  async mouse() {
    const out = await this.run('xdotool', ['getmouselocation']);
    const [x, y] = out.trim().split(/\s+/).slice(0, 2).map((f) => Number(f.split(':')[1]));
    return { x, y };
  }

  async screenshot(page, name) {
    await page.screenshot({ path: join(artifacts, `${name}.png`) });
  }

  async stop() {
    if (this.browser) await this.browser.close().catch(() => {});
    for (const p of this.procs.reverse()) await p.stop();
    if (process.env.QH_E2E_KEEP_LOGS) {
      for (const p of this.procs) await writeFile(join(artifacts, `${p.name}.log`), p.out);
    }
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }

  logs() {
    return this.procs.map((p) => `--- ${p.name}\n${p.out.slice(-4000)}`).join('\n');
  }
}

// paintPattern shows four coloured quadrants on the root window.
export async function paintPattern(h) {
  await h.run(h.xpattern, ['-display', h.display]);
}

// liveSession signs in on page, creates a code, has the sharer join and
// allow, and waits until video is decoded in the page.
export async function liveSession(h, page) {
  await page.goto(h.consoleURL);
  await page.getByTestId('login-email').fill(h.email);
  await page.getByTestId('login-password').fill(h.password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('help-someone').click();
  const code = (await page.getByTestId('session-code').textContent()).trim();
  await h.sharerCLI('join', code);
  await eventually('awaiting consent', async () =>
    (await page.getByTestId('session-state').getAttribute('data-state')) === 'awaiting-consent');
  await h.sharerCLI('allow');
  await eventually('live video', async () =>
    Number(await page.getByTestId('remote-screen').getAttribute('data-decoded')) > 0, 30000);
  return code;
}
