// The helper's keyboard beyond plain keys, through the real programs: the
// helper's console page and the sharer's Get help page, the service and the
// sharer daemon on an Xvfb desktop where an X client records what arrives.
// Input-method text goes through Chromium's real composition path (CDP
// Input.imeSetComposition / Input.insertText, not a synthetic DOM event).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Harness, eventually, paintPattern, sleep } from './lib/harness.mjs';
import { decoded, getHelp, helperCode, pointOnCanvas, startSharerConsole, state } from './lib/sharer.mjs';

const DISPLAY = 180;
// An X client that records keys, placed over the white quadrant.
const REC = { x: 1440, y: 810, w: 400, h: 200 };
const KEYSYM_PRINT = 0xff61;

// Recorder reads the X client's records from a given point on.
class Recorder {
  constructor(proc) {
    this.proc = proc;
    this.from = 0;
  }
  mark() {
    this.from = this.proc.out.length;
  }
  keys() {
    return this.proc.out.slice(this.from).split('\n').filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l)).filter((r) => r.kind === 'key');
  }
  text() {
    return this.keys().map((r) => r.char ?? '').join('');
  }
}

test('helper keyboard: input-method text, dead keys, paste as typing, special keys, fullscreen; Wayland refused', async (t) => {
  const h = await new Harness(DISPLAY).start();
  t.after(() => h.stop());
  const shot = (page, name) => h.screenshot(page, `keyboard-${name}`);
  try {
    await paintPattern(h);
    const proc = h.spawn('xrecorder', h.xrecorder, ['-display', h.display, '-x', REC.x, '-y', REC.y, '-w', REC.w, '-h', REC.h].map(String));
    await proc.waitFor(/"ready"/, 'the recording X client');
    const rec = new Recorder(proc);
    const sharerURL = await startSharerConsole(h, h.socket);

    const helper = await h.browser.newPage({ viewport: { width: 1400, height: 900 } });
    const sharer = await h.browser.newPage({ viewport: { width: 900, height: 800 } });
    const pageErrors = [];
    for (const p of [helper, sharer]) p.on('pageerror', (e) => pageErrors.push(e.message));
    await helper.goto(h.consoleURL);
    await sharer.goto(sharerURL);

    // A live session with control, allowed on the sharer's page.
    await sharer.getByTestId('get-help-code').waitFor();
    await getHelp(sharer, await helperCode(helper, h));
    await sharer.getByTestId('consent-allow').click({ timeout: 20000 });
    await eventually('video at the helper', async () => (await state(helper)) === 'live' && (await decoded(helper)) > 0, 30000);
    assert.equal(await helper.getByTestId('special-keys').count(), 0, 'no special keys before control');
    await helper.getByTestId('request-control').click();
    await sharer.getByTestId('control-allow').click({ timeout: 20000 });
    await helper.getByTestId('release-control').waitFor({ timeout: 15000 });

    // Click on the recording client: the pointer and the keyboard focus go there.
    const p = await pointOnCanvas(helper, REC.x + 100, REC.y + 100);
    await helper.mouse.click(p.x, p.y);
    await eventually('the click on the recording client', () => proc.out.includes('"button"'), 10000);
    assert.equal(await helper.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'remote-keys', 'the key box has the focus');

    // Plain keys still go as keys.
    rec.mark();
    await helper.keyboard.type('ok');
    await eventually('plain keys at the X client', () => rec.text() === 'ok', 10000);

    // Japanese through the input method: a key the IME processes (keyCode
    // 229) must not reach the sharer; the committed text arrives once.
    const cdp = await helper.context().newCDPSession(helper);
    rec.mark();
    await cdp.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', code: 'KeyN', key: 'Process', windowsVirtualKeyCode: 229, nativeVirtualKeyCode: 229 });
    await cdp.send('Input.imeSetComposition', { text: 'にほんご', selectionStart: 4, selectionEnd: 4 });
    await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', code: 'KeyN', key: 'Process', windowsVirtualKeyCode: 229, nativeVirtualKeyCode: 229 });
    await cdp.send('Input.insertText', { text: '日本語' });
    await eventually('Japanese text at the X client', () => rec.text() === '日本語', 10000);
    await sleep(500);
    assert.equal(rec.text(), '日本語', 'the composition typed once, and no key of it was sent');

    // A dead key and the letter after it: "é", not "e" and not the accent key.
    rec.mark();
    await cdp.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', code: 'BracketLeft', key: 'Dead', windowsVirtualKeyCode: 219 });
    await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', code: 'BracketLeft', key: 'Dead', windowsVirtualKeyCode: 219 });
    await cdp.send('Input.dispatchKeyEvent', { type: 'keyDown', code: 'KeyE', key: 'é', text: 'é', unmodifiedText: 'é', windowsVirtualKeyCode: 69 });
    await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', code: 'KeyE', key: 'é', windowsVirtualKeyCode: 69 });
    await eventually('the composed character at the X client', () => rec.text() === 'é', 10000);
    await sleep(300);
    assert.equal(rec.text(), 'é', 'only the composed character arrived');
    await shot(helper, '01-typed');

    // Paste as typing: shown first, over the limit refused, then typed with progress.
    rec.mark();
    await helper.getByTestId('paste-as-typing').click();
    await helper.getByTestId('paste-text').fill('x'.repeat(4001));
    assert.equal(await helper.getByTestId('paste-start').isDisabled(), true, 'more than 4,000 characters cannot be typed');
    const pasted = 'Grüße, 世界! 🙂\nline two';
    await helper.getByTestId('paste-text').fill(pasted);
    assert.match(await helper.getByTestId('paste-count').textContent(), new RegExp(`^${[...pasted].length} `));
    await shot(helper, '02-paste-confirm');
    assert.equal(rec.keys().length, 0, 'nothing is typed before the helper confirms');
    await helper.getByTestId('paste-start').click();
    await eventually('pasted text at the X client', () => rec.text() === pasted, 15000);
    await helper.getByTestId('paste-dialog').waitFor({ state: 'detached', timeout: 5000 });

    // A long paste stops when the helper presses Stop.
    rec.mark();
    await helper.getByTestId('paste-as-typing').click();
    await helper.getByTestId('paste-text').fill('s'.repeat(4000));
    await helper.getByTestId('paste-start').click();
    await eventually('progress', async () => Number(await helper.getByTestId('paste-progress').getAttribute('data-sent')) >= 200, 10000);
    await helper.getByTestId('paste-stop').click();
    const stoppedAt = Number(await helper.getByTestId('paste-progress').getAttribute('data-sent'));
    assert.ok(stoppedAt < 4000, `stopped at ${stoppedAt} of 4000`);
    await eventually('typed up to the stop', () => rec.text().length === stoppedAt, 10000);
    await sleep(1000);
    assert.equal(rec.text().length, stoppedAt, 'nothing typed after Stop');
    await shot(helper, '03-paste-stopped');
    await helper.getByTestId('paste-close').click();
    assert.equal(await helper.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'remote-keys', 'keys go to the sharer after the dialog');

    // Special keys: Print Screen arrives as its keysym; Ctrl+Alt+Del is explained, not offered.
    rec.mark();
    await helper.getByTestId('special-keys').click();
    await helper.keyboard.press('Escape');
    assert.equal(await helper.getByTestId('special-keys-menu').count(), 0, 'Escape closes the menu');
    assert.equal(rec.keys().length, 0, 'and is not sent to the sharer');
    await helper.getByTestId('special-keys').click();
    assert.match(await helper.getByTestId('special-key-ctrl-alt-del').textContent(), /only the person at the computer/);
    await shot(helper, '04-special-keys');
    await helper.getByTestId('special-key-print-screen').click();
    await eventually('Print Screen at the X client', () => rec.keys().some((r) => r.keysym === KEYSYM_PRINT), 10000);
    assert.equal(await helper.getByTestId('special-keys-menu').count(), 0, 'the menu closes');
    assert.equal(await helper.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'remote-keys', 'keys go to the sharer again');

    // Fullscreen view toggles (and holds the keyboard where the browser can).
    const fs = helper.getByTestId('fullscreen');
    await fs.click();
    await eventually('fullscreen', async () => (await helper.evaluate(() => document.fullscreenElement !== null)) && (await fs.getAttribute('aria-pressed')) === 'true', 5000);
    assert.equal(await fs.getAttribute('data-keyboard-locked'), 'true', 'Chromium holds the keyboard (Keyboard Lock API)');
    await shot(helper, '05-fullscreen');
    await fs.click();
    await eventually('fullscreen left', async () => (await helper.evaluate(() => document.fullscreenElement === null)) && (await fs.getAttribute('aria-pressed')) === 'false', 5000);

    await helper.getByTestId('end-session').click();
    await eventually('ended', async () => (await state(helper)) === 'ended');

    // A sharer in a Wayland session, where XWayland sets DISPLAY too: the
    // daemon says so when it starts, and Get help refuses the code in plain words.
    const waySocket = join(h.dir, 'wayland.sock');
    const way = h.spawn('sharer-wayland', h.sharerBin, ['daemon', '--server', h.serverURL, '--display', h.display, '--socket', waySocket],
      { XDG_SESSION_TYPE: 'wayland', WAYLAND_DISPLAY: 'wayland-0', DISPLAY: h.display, LANG: 'C.UTF-8' });
    await way.waitFor(/This desktop \(Wayland\) cannot be shared yet/, 'the daemon to say it cannot share Wayland');
    const wayPage = await h.browser.newPage({ viewport: { width: 900, height: 800 } });
    wayPage.on('pageerror', (e) => pageErrors.push(e.message));
    await wayPage.goto(await startSharerConsole(h, waySocket, 'sharer-console-wayland'));
    await wayPage.getByTestId('get-help-code').waitFor();
    await getHelp(wayPage, await helperCode(helper, h));
    await eventually('the Wayland notice', async () =>
      (await wayPage.getByTestId('notice').getAttribute('data-reason')) === 'wayland-unsupported', 15000);
    assert.match(await wayPage.getByTestId('notice').textContent(), /This desktop \(Wayland\) cannot be shared yet; choose an X11 session at sign-in/);
    await shot(wayPage, '06-wayland');
    assert.deepEqual(pageErrors, [], 'no page errors');
  } catch (e) {
    assert.fail(`${e.stack}\n${h.logs()}`);
  }
});
