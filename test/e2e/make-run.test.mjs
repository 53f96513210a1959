// The README's first command, as a newcomer meets it: scripts/run.sh (what
// `make run` starts after building) brings up the service, the sharer daemon
// on a virtual desktop and two windows; following its printed instructions
// in two browser pages completes a session with live video. Ctrl-C stops
// everything it started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { artifacts, eventually, root } from './lib/harness.mjs';
import { decoded, getHelp, state } from './lib/sharer.mjs';

test('make run: a newcomer completes two sessions by following the printed steps, the helper page stays the helper\'s', async (t) => {
  const home = await mkdtemp(join(tmpdir(), 'qh-run-'));
  t.after(() => rm(home, { recursive: true, force: true }));
  const env = { ...process.env, HOME: home, XDG_DATA_HOME: join(home, 'data'), XDG_CONFIG_HOME: join(home, 'config'),
    XDG_RUNTIME_DIR: '', DISPLAY: '' };
  let out = '';
  const run = spawn('bash', [join(root, 'scripts', 'run.sh')], { env, detached: true });
  run.stdout.on('data', (d) => (out += d));
  run.stderr.on('data', (d) => (out += d));
  const exited = new Promise((r) => run.on('exit', r));
  t.after(async () => {
    if (run.exitCode === null) {
      process.kill(-run.pid, 'SIGINT');
      await exited;
    }
  });
  const text = await eventually('the instructions', () => (/Press Ctrl-C/.test(out) ? out : null), 60000);
  const urls = [...text.matchAll(/http:\/\/127\.0\.0\.1:\d+\/#token=\S+/g)].map((m) => m[0]);
  const password = text.match(/Password: (\S+)/)?.[1];
  const email = text.match(/<([^>]+)>/)?.[1];
  assert.equal(urls.length, 2, `two addresses printed:\n${text}`);
  assert.ok(password && email, `demo account printed:\n${text}`);

  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
  t.after(() => browser.close());
  try {
    const helper = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const sharer = await browser.newPage({ viewport: { width: 900, height: 800 } });
    await helper.goto(urls[0]);
    await sharer.goto(urls[1]);
    // 1. The helper signs in.
    await helper.getByTestId('login-email').fill(email);
    await helper.getByTestId('login-password').fill(password);
    await helper.getByTestId('login-submit').click();
    // Two sessions in a row: the helper's page shows the helper's screens
    // only, also after the sharer's session ended and after a reload (the
    // sharer's end screen belongs to the sharer's window).
    for (const round of [1, 2]) {
      // 2. The helper asks for a code; the sharer types it in Get help and allows.
      await helper.getByTestId('help-someone').click();
      const code = (await helper.getByTestId('session-code').textContent()).trim();
      await getHelp(sharer, code);
      await sharer.getByTestId('consent-allow').click({ timeout: 20000 });
      // 3. The helper sees the virtual desktop.
      await eventually(`live video (session ${round})`, async () => (await state(helper)) === 'live' && (await decoded(helper)) > 0, 30000);
      if (round === 1) await helper.screenshot({ path: join(artifacts, 'make-run-helper-live.png') });
      await sharer.getByTestId('sharing-stop').click();
      await eventually(`ended (session ${round})`, async () => (await state(helper)) === 'ended', 20000);
      await sharer.getByTestId('sharer-ended').waitFor({ timeout: 10000 });
      for (const reloaded of [false, true]) {
        if (reloaded) await helper.reload();
        await helper.getByTestId('ended-reason').waitFor({ timeout: 10000 });
        assert.equal(await state(helper), 'ended', `helper state after session ${round} (reloaded: ${reloaded})`);
        assert.equal(await helper.getByTestId('sharer-screen').count(), 0,
          `the helper's page shows no sharer screen after session ${round} (reloaded: ${reloaded})`);
        assert.equal(await helper.getByTestId('sharer-ended').count(), 0);
      }
      await helper.getByTestId('back-home').click();
      await helper.getByTestId('help-someone').waitFor({ timeout: 10000 });
      assert.equal(await helper.getByTestId('sharer-screen').count(), 0, `home after session ${round} is the helper's`);
      await sharer.getByTestId('sharer-ended-close').click();
    }
  } catch (e) {
    const dir = out.match(/Logs are in (\S+)\./)?.[1];
    let logs = '';
    for (const f of ['server.log', 'sharer.log', 'console.log', 'sharer-console.log']) {
      logs += `--- ${f}\n${await readFile(join(dir, f), 'utf8').catch(() => '')}\n`;
    }
    assert.fail(`${e.stack}\n--- run.sh output\n${out}\n${logs}`);
  }
  process.kill(-run.pid, 'SIGINT');
  await exited;
  // Everything it started is gone: the service port is free again.
  await eventually('the service stopped', async () => {
    try {
      await fetch('http://127.0.0.1:7443/healthz');
      return false;
    } catch {
      return true;
    }
  }, 15000);
});
