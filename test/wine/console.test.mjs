// The helper's real console in Chromium watching the real Windows daemon
// under wine: scripts/wine-test.sh (make test-wine) runs it with the
// programs it built and the wine prefix on its Xvfb display. Go programs
// open no UDP socket under wine 8, so the service makes every session
// relay-only (--ice-policy relay): the daemon reaches its TURN relay over
// TCP, the console's Go peer over UDP, and the two relays meet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { eventually, freePort, sleep } from '../e2e/lib/harness.mjs';

const execFileP = promisify(execFile);
const env = process.env;
const need = ['QUICKHELP_WINE', 'QUICKHELP_WINE_SHARER', 'QUICKHELP_WINE_PATTERN', 'QUICKHELP_WINE_SCREEN',
  'QUICKHELP_WINE_SERVER', 'QUICKHELP_WINE_CONSOLE', 'WINEPREFIX', 'DISPLAY'];
const missing = need.filter((k) => !env[k]);
const [W, H] = (env.QUICKHELP_WINE_SCREEN ?? '0x0').split('x').map(Number);

// taskManagers lists the processes of this test's wine prefix that run
// taskmgr.exe.
async function taskManagers() {
  const pids = [];
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmdline = (await readFile(`/proc/${d}/cmdline`, 'latin1')).toLowerCase();
      if (!cmdline.includes('system32\\taskmgr.exe')) continue;
      const environ = (await readFile(`/proc/${d}/environ`, 'latin1')).split('\0');
      if (environ.includes(`WINEPREFIX=${env.WINEPREFIX}`)) pids.push(Number(d));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

// Proc keeps a program's output for assertions and failure logs.
class Proc {
  constructor(name, cmd, args) {
    this.name = name;
    this.out = '';
    this.child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (d) => (this.out += d));
    this.child.stderr.on('data', (d) => (this.out += d));
    this.exited = new Promise((r) => this.child.on('exit', r));
  }
  lines(prefix) {
    return this.out.split('\n').map((l) => l.trim()).filter((l) => l.startsWith(prefix));
  }
  async stop() {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(t);
    }
    // Programs wine started on the way (its server, the task manager the
    // daemon opened) keep the output pipes open: stop reading them.
    this.child.stdout.destroy();
    this.child.stderr.destroy();
  }
}

test('helper console in Chromium: the Windows daemon under wine', { skip: missing.length ? `runs under scripts/wine-test.sh (make test-wine), which sets ${missing.join(', ')}` : false }, async (t) => {
  const procs = [];
  const run = (name, cmd, args) => {
    const p = new Proc(name, cmd, args);
    procs.push(p);
    return p;
  };
  const sharer = (...args) => execFileP(env.QUICKHELP_WINE, [env.QUICKHELP_WINE_SHARER, ...args], { timeout: 30000 });
  // A command the daemon must take. Now and then a wine process ends at
  // start without running the program (exit code, no output): that one
  // is tried again, and said in the log.
  const command = async (...args) => {
    for (let i = 1; ; i++) {
      try {
        return await sharer(...args);
      } catch (e) {
        const silent = !e.stdout && !e.stderr && !e.killed;
        if (!silent || i === 3) throw new Error(`quickhelp-sharer ${args.join(' ')}: exit ${e.code} signal ${e.signal}: ${e.stderr}`);
        console.log(`# quickhelp-sharer ${args.join(' ')} ended with ${e.code} and no output; again`);
      }
    }
  };
  const dir = await mkdtemp(join(tmpdir(), 'qh-wine-console-'));
  let browser;
  t.after(async () => {
    if (browser) await browser.close().catch(() => {});
    await sharer('stop').catch(() => {});
    for (const p of procs.reverse()) await p.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const logs = () => procs.map((p) => `--- ${p.name}\n${p.out.slice(-4000)}`).join('\n');
  try {
    // The service, relay-only, with its TURN relay on loopback (dev mode).
    const port = await freePort();
    const turnPort = await freePort();
    const serverURL = `http://127.0.0.1:${port}`;
    const data = join(dir, 'server');
    await execFileP(env.QUICKHELP_WINE_SERVER, ['demo', '--data', data]);
    const password = (await readFile(join(data, 'demo-password.txt'), 'utf8')).trim();
    run('server', env.QUICKHELP_WINE_SERVER, ['serve', '--data', data, '--listen', `127.0.0.1:${port}`,
      '--turn-listen', `127.0.0.1:${turnPort}`, '--ice-policy', 'relay']);
    await eventually('the service', async () => (await fetch(`${serverURL}/healthz`)).ok, 20000);
    const consoleProc = run('console', env.QUICKHELP_WINE_CONSOLE, ['console', '--listen', '127.0.0.1:0', '--server', serverURL]);
    await eventually('the console URL', () => consoleProc.out.match(/http:\/\/127\.0\.0\.1:\d+\/\S*/), 20000);
    const consoleURL = consoleProc.out.match(/http:\/\/127\.0\.0\.1:\d+\/\S*/)[0];

    // The Windows test window: four colours over the whole screen; it logs
    // the WM_* messages it gets.
    const pattern = run('pattern', env.QUICKHELP_WINE, [env.QUICKHELP_WINE_PATTERN]);
    await eventually('the pattern window', () => pattern.lines('pattern window').length > 0, 30000);

    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const state = () => page.getByTestId('session-state').getAttribute('data-state');
    const decoded = async () => Number(await page.getByTestId('remote-screen').getAttribute('data-decoded') ?? 0);
    await page.goto(consoleURL);
    await page.getByTestId('login-email').fill('alex@example.com');
    await page.getByTestId('login-password').fill(password);
    await page.getByTestId('login-submit').click();
    await eventually('home', async () => (await state()) === 'home');
    await page.getByTestId('help-someone').click();
    const code = (await page.getByTestId('session-code').textContent()).trim();

    // The sharer joins with the real quickhelp-sharer.exe; nothing is
    // shown before Allow.
    const joined = run('sharer', env.QUICKHELP_WINE, [env.QUICKHELP_WINE_SHARER, '--server', serverURL, '--consent', 'local', 'join', code]);
    await eventually('awaiting consent', async () => (await state()) === 'awaiting-consent', 60000);
    // The daemon answers on its pipe (the first calls under wine may time
    // out while it starts).
    await eventually('the daemon to ask for consent', async () =>
      (await sharer('status').catch(() => ({ stdout: '' }))).stdout.toLowerCase().includes('allow'), 60000, 500);
    await sleep(1000);
    assert.equal(await state(), 'awaiting-consent', 'still waiting for Allow');
    assert.equal(await page.getByTestId('remote-screen').count(), 0, 'no picture before Allow');
    assert.equal(joined.lines('time=').filter((l) => l.includes('msg="capture method"')).length, 0, 'nothing captured before Allow');

    await command('allow');
    await eventually('live video', async () => (await state()) === 'live' && (await decoded()) > 0, 60000);
    assert.match(joined.out, /msg="media path" .*local=relay .*relay_protocol=tcp/, 'the daemon relays over TCP');

    // The picture is wine's desktop with the test window's quadrants.
    const px = await page.getByTestId('remote-screen').evaluate((c) => {
      const ctx = c.getContext('2d');
      const at = (x, y) => Array.from(ctx.getImageData(Math.floor(x * c.width), Math.floor(y * c.height), 1, 1).data.slice(0, 3));
      return { w: c.width, h: c.height, tl: at(0.25, 0.25), tr: at(0.75, 0.25), bl: at(0.25, 0.75), br: at(0.75, 0.75) };
    });
    assert.deepEqual([px.w, px.h], [W, H], 'the canvas has the wine desktop\'s size');
    const near = (got, want) => got.every((v, i) => Math.abs(v - want[i]) < 60);
    assert.ok(near(px.tl, [255, 0, 0]), `top left ${px.tl} is red`);
    assert.ok(near(px.tr, [0, 255, 0]), `top right ${px.tr} is green`);
    assert.ok(near(px.bl, [0, 0, 255]), `bottom left ${px.bl} is blue`);
    assert.ok(near(px.br, [255, 255, 255]), `bottom right ${px.br} is white`);

    // A point of the W×H desktop in page coordinates (the canvas is
    // letterboxed in its box), once the page's layout is still: notices
    // above the canvas come and go and move it.
    const onCanvas = async (sx, sy) => {
      const screenBox = () => page.getByTestId('remote-screen').boundingBox();
      let box = await screenBox();
      for (let i = 0; i < 20; i++) {
        await sleep(250);
        const again = await screenBox();
        if (JSON.stringify(again) === JSON.stringify(box)) break;
        box = again;
      }
      const scale = Math.min(box.width / W, box.height / H);
      const left = box.x + (box.width - W * scale) / 2;
      const top = box.y + (box.height - H * scale) / 2;
      return { x: left + (sx + 0.5) * scale, y: top + (sy + 0.5) * scale };
    };
    const clicks = () => pattern.lines('lbuttondown');
    const keys = () => pattern.lines('keydown');

    // Before control, clicks do not reach the window.
    let p = await onCanvas(W / 4, H / 4);
    await page.mouse.click(p.x, p.y);
    await sleep(1500);
    assert.deepEqual(clicks(), [], 'no click before control');

    // Control: asked in the console, allowed with the CLI.
    await page.getByTestId('request-control').click();
    await eventually('the control question', async () => (await sharer('status')).stdout.includes('asks for control'), 30000);
    await command('allow-control');
    await page.getByTestId('release-control').waitFor({ timeout: 30000 });
    await eventually('a click in the window', async () => {
      p = await onCanvas(W / 4, H / 4);
      await page.mouse.click(p.x, p.y);
      await sleep(300);
      return clicks().length > 0;
    }, 30000);
    const [, x, y] = clicks()[0].match(/lbuttondown (-?\d+) (-?\d+)/).map(Number);
    assert.ok(Math.abs(x - W / 4) <= 2 && Math.abs(y - H / 4) <= 2, `the click landed at (${x},${y}), want (${W / 4},${H / 4}) within 2 px`);

    // Keys travel by scan code and type in the sharer's layout: the
    // display's keyboard is German, so the key where US keyboards have Z
    // types "y".
    // The canvas has the keyboard focus since the clicks.
    await eventually('a key in the window', async () => {
      await page.keyboard.press('KeyZ');
      await sleep(300);
      return keys().length > 0;
    }, 30000);
    assert.equal(keys()[0], 'keydown scancode=44', 'KeyZ is scan code 0x2C');
    await eventually('the character typed', () => pattern.lines('char').length > 0, 5000);
    assert.equal(pattern.lines('char')[0], `char 'y'`, 'typed in the sharer\'s (German) layout');

    // The Task Manager quick action from the console's toolbar starts
    // Windows' own (wine's taskmgr.exe) in the sharer's session.
    assert.equal((await taskManagers()).length, 0, 'no task manager before the helper asks');
    await page.getByTestId('quick-task-manager').click();
    await eventually('taskmgr.exe running', async () => (await taskManagers()).length === 1, 30000);

    // After revoke nothing more arrives.
    await command('revoke-control');
    await page.getByTestId('request-control').waitFor({ timeout: 30000 });
    const [c0, k0] = [clicks().length, keys().length];
    p = await onCanvas((3 * W) / 4, (3 * H) / 4);
    for (let i = 0; i < 5; i++) {
      await page.mouse.click(p.x, p.y);
      await page.keyboard.press('KeyB');
      await sleep(200);
    }
    await sleep(1000);
    assert.deepEqual([clicks().length - c0, keys().length - k0], [0, 0], 'no click or key after revoke');

    // Pause stops the frames (the window keeps changing), resume brings
    // them back.
    await eventually('frames of the changing window', async () => {
      const n = await decoded();
      await sleep(600);
      return (await decoded()) > n;
    }, 30000);
    await command('pause');
    await page.getByTestId('paused').waitFor({ timeout: 15000 });
    await sleep(1000);
    const paused = await decoded();
    await sleep(2000);
    assert.equal(await decoded(), paused, 'no frame while paused');
    await command('resume');
    await eventually('frames after resume', async () => (await decoded()) > paused, 30000);
    assert.deepEqual(pageErrors, [], 'no page errors');
  } catch (e) {
    assert.fail(`${e.message}\n${logs()}`);
  }
});
