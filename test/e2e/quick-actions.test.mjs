// The helper's quick actions in the web console, against the real service
// and the real sharer daemon on an Xvfb desktop: Task Manager opens the
// system monitor on the sharer's screen; Restart is confirmed by both
// people, the daemon restarts the computer (the OS call behind a fake, a
// test build's knob) and, started again by its autostart entry, takes the
// session up once the sharer allows again, without control.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Harness, eventually, liveSession, paintPattern, testBin } from './lib/harness.mjs';
import { startSharerConsole, state } from './lib/sharer.mjs';

const DISPLAY = 186;

// desktopExec reads the Exec line of the daemon's autostart entry.
async function desktopExec(path) {
  const text = await readFile(path, 'utf8');
  const line = text.split('\n').find((l) => l.startsWith('Exec='));
  assert.ok(line, `Exec line in ${text}`);
  return line.slice(5).split('" "').map((w) => w.replace(/^"|"$/g, ''));
}

test('quick actions: task manager and restart with resume', async (t) => {
  const dir = await import('node:fs/promises').then((fs) => fs.mkdtemp(join((process.env.TMPDIR ?? '/tmp'), 'qh-quick-')));
  const rebootLog = join(dir, 'reboot.log');
  const sharerEnv = { QUICKHELP_TEST_REBOOT: rebootLog, XDG_STATE_HOME: join(dir, 'state'), XDG_CONFIG_HOME: join(dir, 'config') };
  const h = await new Harness(DISPLAY, { sharerBin: testBin('quickhelp-sharer'), sharerEnv }).start();
  t.after(async () => {
    await h.stop();
    await import('node:fs/promises').then((fs) => fs.rm(dir, { recursive: true, force: true }));
  });
  const fail = (msg) => assert.fail(`${msg}\n${h.logs()}`);
  try {
    await paintPattern(h);
    const page = await h.browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await liveSession(h, page);
    // The sharer's own window (Get help), on the same daemon.
    const sp = await h.browser.newPage({ viewport: { width: 900, height: 800 } });
    sp.on('pageerror', (e) => pageErrors.push(`sharer page: ${e.message}`));
    await sp.goto(await startSharerConsole(h, h.socket));

    // No buttons without control.
    assert.equal(await page.getByTestId('quick-task-manager').count(), 0, 'no Task Manager before control');
    await page.getByTestId('request-control').click();
    await eventually('control requested', async () => (await h.sharerCLI('status')).includes('asks for control'));
    await h.sharerCLI('allow-control');
    await page.getByTestId('quick-task-manager').waitFor({ timeout: 15000 });
    await page.getByTestId('quick-restart').waitFor({ timeout: 5000 });
    await h.screenshot(page, 'quick-01-actions');

    // Task Manager: the system monitor's window appears on the sharer's screen.
    await page.getByTestId('quick-task-manager').click();
    await eventually('the system monitor window', async () =>
      (await h.run('xdotool', ['search', '--onlyvisible', '--class', 'lxtask']).catch(() => '')).trim() !== '', 20000);

    // Restart: the helper confirms, then the sharer is asked.
    await page.getByTestId('quick-restart').click();
    await page.getByTestId('quick-restart-confirm').waitFor();
    await h.screenshot(page, 'quick-02-restart-confirm');
    await page.getByTestId('quick-restart-yes').click();
    await eventually('the sharer is asked', async () => (await h.sharerCLI('status')).includes('restart your computer'));
    await sp.getByTestId('restart-question').waitFor({ timeout: 15000 });
    await h.screenshot(sp, 'quick-02b-sharer-restart-question');
    await sp.getByTestId('restart-allow').click();
    await eventually('restarting at the sharer', async () => (await h.sharerCLI('status')).includes('is restarting'));
    await eventually('the system was asked to restart', async () => (await readFile(rebootLog, 'utf8').catch(() => '')).includes('reboot'));
    await eventually('control ended on the page', async () => (await page.getByTestId('quick-task-manager').count()) === 0, 15000);

    // The system stops the daemon (SIGTERM); the next sign-in starts the
    // autostart entry's command.
    h.sharer.child.kill('SIGTERM');
    await eventually('the daemon stopped', async () => h.sharer.child.exitCode !== null, 10000);
    await eventually('the page says the computer restarts', async () =>
      (await state(page)) === 'reconnecting' && (await page.getByTestId('session-state').textContent()).includes('restarting'), 15000);
    await h.screenshot(page, 'quick-03-restarting');
    const [exe, ...args] = await desktopExec(join(dir, 'config', 'autostart', 'quickhelp-resume.desktop'));
    assert.equal(exe, testBin('quickhelp-sharer'));
    const again = h.spawn('sharer-after-restart', exe, args, { ...sharerEnv, DISPLAY: h.display });
    await eventually('the sharer is asked again', async () =>
      (await h.run(exe, ['--socket', h.socket, 'status']).catch(() => '')).includes('going on sharing'), 20000);
    assert.notEqual(await state(page), 'live', 'nothing shown before the sharer allows again');
    // The sharer's window asks again, saying the session goes on.
    await sp.getByTestId('prompt-resumed').waitFor({ timeout: 20000 });
    await h.screenshot(sp, 'quick-03b-sharer-resumed-prompt');
    await eventually('allowed again in the sharer\'s window', async () => {
      await sp.getByTestId('consent-allow').click({ timeout: 1000 }).catch(() => {});
      return !(await h.run(exe, ['--socket', h.socket, 'status'])).includes('going on sharing');
    }, 20000);
    await eventually('live again with video', async () =>
      (await state(page)) === 'live' && Number(await page.getByTestId('remote-screen').getAttribute('data-decoded')) > 0, 30000);
    assert.equal(await page.getByTestId('request-control').count(), 1, 'control is not carried over');
    assert.ok(again.child.exitCode === null, 'the resumed daemon runs');
    await h.screenshot(page, 'quick-04-resumed');
    assert.deepEqual(pageErrors, [], 'no page errors');
  } catch (e) {
    fail(e.message);
  }
});
