// The sharer's experience in the QuickHelp app ("Get help", consent
// prompts, sharing bar) against the real service, the real sharer daemon
// on an Xvfb desktop and the helper's console, each page on its own
// console process (the bridge admits one page per backend).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, eventually, paintPattern, sleep } from './lib/harness.mjs';
import {
  addAdmin, adminReports, decoded, getHelp, helperCode, nearColour, pointOnCanvas, screenPixel, startSharerConsole, state,
} from './lib/sharer.mjs';

const DISPLAY = 130;

async function sharerView(page) {
  return page.getByTestId('sharer-screen').getAttribute('data-view').catch(() => 'none');
}

test('sharer: get help, consent, control, pause, revoke, chat, deny, report', async (t) => {
  const h = await new Harness(DISPLAY).start();
  t.after(() => h.stop());
  const shot = (page, name) => h.screenshot(page, `sharer-${name}`);
  try {
    await paintPattern(h);
    const adminToken = await addAdmin(h);
    const sharerURL = await startSharerConsole(h, h.socket);

    const helper = await h.browser.newPage({ viewport: { width: 1400, height: 900 } });
    const sharer = await h.browser.newPage({ viewport: { width: 900, height: 800 } });
    const pageErrors = [];
    for (const p of [helper, sharer]) p.on('pageerror', (e) => pageErrors.push(e.message));
    await helper.goto(h.consoleURL);
    await sharer.goto(sharerURL);

    // Get help needs no sign-in: it is on the first screen.
    await sharer.getByTestId('get-help-code').waitFor();
    await shot(sharer, '01-get-help');

    // A code of the wrong shape is caught in the page, in plain words.
    await getHelp(sharer, 'abc');
    await sharer.getByTestId('get-help-error').waitFor();
    // A well-formed but wrong code is refused by the service.
    await getHelp(sharer, 'zzzz-zzzz');
    await eventually('wrong code message', async () =>
      (await sharer.getByTestId('notice').getAttribute('data-reason')) === 'wrong-code');
    assert.match(await sharer.getByTestId('notice').textContent(), /not right or has expired/);
    await shot(sharer, '02-wrong-code');

    // The helper reads a code; the sharer types it loosely.
    let code = await helperCode(helper, h);
    await getHelp(sharer, code.toLowerCase().replace('-', ' '));

    // Prompt 1: who, which organisation, the scam warning; Allow is not
    // armed at first and does not have the focus, so Enter answers nothing.
    const title = sharer.getByTestId('prompt-title');
    await title.waitFor();
    assert.match(await title.textContent(), /Alex P\. \(Contoso\) wants to see your screen/);
    assert.match(await sharer.getByTestId('scam-warning').textContent(), /Only continue if you contacted this helper yourself/);
    assert.equal(await sharer.getByTestId('consent-allow').isDisabled(), true, 'Allow is not armed at first');
    const focused = await sharer.evaluate(() => document.activeElement?.getAttribute('data-testid'));
    assert.notEqual(focused, 'consent-allow', 'Allow does not start with the focus');
    await sharer.keyboard.press('Enter');
    await sleep(300);
    assert.equal(await sharerView(sharer), 'prompt', 'Enter did not answer the prompt');
    assert.equal(await state(helper), 'awaiting-consent');
    await shot(sharer, '03-consent-prompt');

    await sharer.getByTestId('consent-allow').click();
    await eventually('video at the helper', async () => (await state(helper)) === 'live' && (await decoded(helper)) > 0, 30000);
    await sharer.getByTestId('sharing-bar').waitFor();
    assert.match(await sharer.getByTestId('sharing-title').textContent(), /Sharing your screen with Alex P\./);
    // Both show the same security code of their DTLS connection.
    await helper.getByTestId('sas').waitFor();
    const sasHelper = (await helper.getByTestId('sas').textContent()).trim();
    await sharer.getByTestId('sas').waitFor();
    const sasSharer = (await sharer.getByTestId('sas').textContent()).trim();
    assert.match(sasHelper, /^[0-9]{3} [0-9]{3}$/, 'the helper shows a six-digit security code');
    assert.equal(sasSharer, sasHelper, 'both people see the same security code');
    await shot(sharer, '04-sharing-bar');
    await shot(helper, '04-helper-live');

    // Chat both ways, as text only.
    await sharer.getByTestId('sharing-chat-input').fill('hello <b>helper</b>');
    await sharer.getByTestId('sharing-chat-send').click();
    await eventually('chat at the helper', async () => (await helper.getByTestId('chat-log').textContent()).includes('hello <b>helper</b>'));
    await helper.getByTestId('chat-input').fill('hi <i>sharer</i>');
    await helper.getByTestId('chat-send').click();
    await eventually('chat at the sharer', async () => (await sharer.getByTestId('sharing-chat-log').textContent()).includes('hi <i>sharer</i>'));
    assert.equal(await sharer.getByTestId('sharing-chat-log').locator('i').count(), 0, 'chat is never HTML');

    // Prompt 2: control.
    await h.run('xdotool', ['mousemove', '5', '5']);
    await helper.getByTestId('request-control').click();
    const ctitle = sharer.getByTestId('prompt-title');
    await eventually('control prompt', async () => /wants to control your mouse and keyboard/.test(await ctitle.textContent()));
    assert.equal(await sharer.getByTestId('control-allow').isDisabled(), true, 'control Allow is not armed at first');
    assert.equal(
      (await sharer.getByTestId('prompt-sas').textContent()).trim(),
      `Ask Alex P. to read you the security code: ${sasHelper}. Allow only if it is the same.`,
    );
    await shot(sharer, '05-control-prompt');
    await sharer.getByTestId('control-allow').click();
    await helper.getByTestId('release-control').waitFor({ timeout: 15000 });
    await eventually('control indicator', async () => (await sharer.getByTestId('sharing-control').getAttribute('data-control')) === 'granted');
    let p = await pointOnCanvas(helper, 480, 540);
    await helper.mouse.click(p.x, p.y);
    await eventually('pointer moved by the helper', async () => {
      const m = await h.mouse();
      return Math.abs(m.x - 480) <= 2 && Math.abs(m.y - 540) <= 2;
    }, 10000);
    await shot(sharer, '06-control-granted');

    // Pause stops the picture even while the screen changes; Resume restarts it.
    await sharer.getByTestId('sharing-pause').click();
    await sharer.getByTestId('sharing-resume').waitFor();
    await sleep(700);
    const atPause = await decoded(helper);
    for (const c of ['#203040', '#405060', '#607080']) {
      await h.run('xsetroot', ['-solid', c]);
      await sleep(300);
    }
    await sleep(800);
    assert.ok((await decoded(helper)) <= atPause + 1, `no frames while paused (${atPause} → ${await decoded(helper)})`);
    const lastColour = [0x60, 0x70, 0x80];
    const pausedPixel = await screenPixel(helper, 960, 900);
    assert.ok(!nearColour(pausedPixel, lastColour), `the helper still sees the picture from before the pause (${pausedPixel})`);
    await shot(sharer, '07-paused');
    // After Resume the page's decoder goes on from the picture it kept:
    // what changed during the pause comes as one delta frame, so look for
    // that picture, not a frame count.
    await sharer.getByTestId('sharing-resume').click();
    await eventually('the screen as it is after resume', async () =>
      (await decoded(helper)) > atPause && nearColour(await screenPixel(helper, 960, 900), lastColour), 15000);
    await paintPattern(h);

    // Revoke: the helper's clicks move nothing any more.
    await sharer.getByTestId('sharing-revoke').click();
    await helper.getByTestId('request-control').waitFor({ timeout: 15000 });
    const before = await h.mouse();
    p = await pointOnCanvas(helper, 100, 100);
    await helper.mouse.click(p.x, p.y);
    await sleep(600);
    assert.deepEqual(await h.mouse(), before, 'pointer unchanged after revoke');
    await shot(sharer, '08-revoked');

    // Report abuse: the session ends at once and the admins see the report.
    await sharer.getByTestId('sharing-report').click();
    await sharer.getByTestId('sharing-report-comment').fill('He asked for my bank password.');
    await shot(sharer, '09-report');
    await sharer.getByTestId('sharing-report-send').click();
    await eventually('ended at the sharer', async () => (await sharerView(sharer)) === 'ended');
    await eventually('ended at the helper', async () => (await state(helper)) === 'ended');
    assert.match(await sharer.getByTestId('sharer-ended').textContent(), /reported/);
    assert.equal(await helper.getByTestId('ended-reason').getAttribute('data-reason'), 'reported');
    await eventually('report visible to admins', async () => (await adminReports(h, adminToken)).includes('He asked for my bank password.'));
    await shot(sharer, '10-reported');
    await shot(helper, '10-helper-reported');

    // Deny at the screen prompt: no video, and the helper is told.
    code = await helperCode(helper, h);
    await getHelp(sharer, code);
    await sharer.getByTestId('consent-deny').click();
    await eventually('helper told of the refusal', async () => (await state(helper)) === 'ended');
    assert.equal(await helper.getByTestId('ended-reason').getAttribute('data-reason'), 'sharer-denied');
    assert.match(await helper.getByTestId('ended-reason').textContent(), /chose not to share their screen/);
    assert.equal(await helper.getByTestId('remote-screen').count(), 0, 'no video view after deny');
    await shot(helper, '11-helper-denied');

    // Deny at the control prompt: view only, the helper is told; then Stop is one click.
    code = await helperCode(helper, h);
    await getHelp(sharer, code);
    await sharer.getByTestId('consent-allow').click();
    await eventually('video again', async () => (await state(helper)) === 'live' && (await decoded(helper)) > 0, 30000);
    await helper.getByTestId('request-control').click();
    await sharer.getByTestId('control-deny').click();
    await eventually('control denied notice', async () =>
      (await helper.locator('[data-testid="notice"]').getAttribute('data-reason')) === 'control-denied', 10000);
    await h.run('xdotool', ['mousemove', '7', '7']);
    p = await pointOnCanvas(helper, 900, 300);
    await helper.mouse.click(p.x, p.y);
    await sleep(600);
    assert.deepEqual(await h.mouse(), { x: 7, y: 7 }, 'no input after control was denied');
    await shot(helper, '12-helper-control-denied');
    await sharer.getByTestId('sharing-stop').click();
    await eventually('stopped', async () => (await state(helper)) === 'ended');
    assert.equal(await helper.getByTestId('ended-reason').getAttribute('data-reason'), 'sharer-ended');

    // After the session the sharer can still report it, from the ended screen.
    await sharer.getByTestId('ended-report').click();
    await sharer.getByTestId('ended-report-comment').fill('Only later I saw it was a scam.');
    await sharer.getByTestId('ended-report-send').click();
    await eventually('report after the end visible to admins', async () =>
      (await adminReports(h, adminToken)).includes('Only later I saw it was a scam.'));
    await eventually('ended screen says reported', async () =>
      (await sharer.getByTestId('sharer-ended').getAttribute('data-reason')) === 'reported');
    await shot(sharer, '12b-reported-after-end');

    // Japanese: the same screens are translated.
    await sharer.locator('select').selectOption('ja');
    await sharer.getByTestId('sharer-ended-close').click();
    assert.match(await sharer.getByTestId('get-help-submit').textContent(), /送信/);
    await shot(sharer, '13-get-help-ja');

    assert.deepEqual(pageErrors, [], 'no page errors');
  } catch (e) {
    assert.fail(`${e.stack}\n${h.logs()}`);
  }
});

test('sharer: an unanswered prompt leaves the helper without video', async (t) => {
  const h = await new Harness(DISPLAY + 1).start();
  t.after(() => h.stop());
  try {
    const socket = `${h.dir}/quick.sock`;
    const d = h.spawn('sharer-quick', h.sharerBin, ['daemon', '--server', h.serverURL, '--display', h.display,
      '--socket', socket, '--consent-timeout', '3s']);
    await d.waitFor(/ready/, 'the quick-timeout daemon');
    const sharerURL = await startSharerConsole(h, socket, 'sharer-console-quick');
    const helper = await h.browser.newPage({ viewport: { width: 1400, height: 900 } });
    const sharer = await h.browser.newPage({ viewport: { width: 900, height: 800 } });
    await helper.goto(h.consoleURL);
    await sharer.goto(sharerURL);
    const code = await helperCode(helper, h);
    await getHelp(sharer, code);
    await sharer.getByTestId('consent-allow').waitFor();
    await eventually('the helper told', async () => (await state(helper)) === 'ended', 20000);
    assert.equal(await helper.getByTestId('ended-reason').getAttribute('data-reason'), 'consent-timeout');
    assert.match(await helper.getByTestId('ended-reason').textContent(), /did not answer/);
    assert.equal(await helper.getByTestId('remote-screen').count(), 0, 'no video view');
    await eventually('the prompt gone', async () => (await sharerView(sharer)) === 'ended');
    await h.screenshot(helper, 'sharer-14-helper-unanswered');
    await h.screenshot(sharer, 'sharer-14-unanswered');
  } catch (e) {
    assert.fail(`${e.stack}\n${h.logs()}`);
  }
});
