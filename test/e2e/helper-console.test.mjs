// The helper's whole assist session in the web console, against the real
// service and the real sharer daemon on an Xvfb desktop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, eventually, paintPattern, sleep } from './lib/harness.mjs';
import { pointOnCanvas, state } from './lib/sharer.mjs';

const DISPLAY = 121;
// An X client that records keys, placed over the white quadrant.
const REC = { x: 1440, y: 810, w: 400, h: 200 };

test('helper console: sign in, code, video, chat, control, revoke, end', async (t) => {
  const h = await new Harness(DISPLAY).start();
  t.after(() => h.stop());
  const fail = (msg) => assert.fail(`${msg}\n${h.logs()}`);
  try {
    await paintPattern(h);
    const recorder = h.spawn('xrecorder', h.xrecorder, ['-display', h.display, '-x', REC.x, '-y', REC.y, '-w', REC.w, '-h', REC.h].map(String));
    await recorder.waitFor(/"ready"/, 'the recording X client');
    const events = h.spawn('sharer-events', h.sharerBin, ['--socket', h.socket, 'events']);

    const page = await h.browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(h.consoleURL);

    // Sign in.
    await page.getByTestId('login-email').fill(h.email);
    await page.getByTestId('login-password').fill(h.password);
    await h.screenshot(page, '01-sign-in');
    await page.getByTestId('login-submit').click();
    await eventually('home', async () => (await state(page)) === 'home');
    await h.screenshot(page, '02-home');

    // Help someone: a code to read out.
    await page.getByTestId('help-someone').click();
    const code = (await page.getByTestId('session-code').textContent()).trim();
    assert.match(code, /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/, `code ${code}`);
    assert.ok((await page.getByTestId('code-expiry').textContent()).trim().length > 0, 'expiry shown');
    await h.screenshot(page, '03-code');

    // The sharer joins with the code as typed over the phone.
    await h.sharerCLI('join', code.toLowerCase().replace('-', ' '));
    await eventually('awaiting consent', async () => (await state(page)) === 'awaiting-consent');
    await h.screenshot(page, '04-awaiting-consent');
    await h.sharerCLI('allow');
    await eventually('live video', async () =>
      (await state(page)) === 'live' && Number(await page.getByTestId('remote-screen').getAttribute('data-decoded')) > 0, 30000);
    await h.screenshot(page, '05-live');

    // The known pattern is in the canvas pixels.
    const px = await page.getByTestId('remote-screen').evaluate((c) => {
      const ctx = c.getContext('2d');
      const at = (x, y) => Array.from(ctx.getImageData(Math.floor(x * c.width), Math.floor(y * c.height), 1, 1).data.slice(0, 3));
      return { w: c.width, h: c.height, tl: at(0.25, 0.25), tr: at(0.75, 0.25), bl: at(0.25, 0.75) };
    });
    assert.deepEqual([px.w, px.h], [1920, 1080], 'canvas has the sharer resolution');
    const near = (got, want) => got.every((v, i) => Math.abs(v - want[i]) < 60);
    assert.ok(near(px.tl, [255, 0, 0]), `top-left ${px.tl} is red`);
    assert.ok(near(px.tr, [0, 192, 0]), `top-right ${px.tr} is green`);
    assert.ok(near(px.bl, [0, 0, 255]), `bottom-left ${px.bl} is blue`);

    // Chat both ways.
    await page.getByTestId('chat-input').fill('hello from the helper <b>not bold</b>');
    await page.getByTestId('chat-send').click();
    await events.waitFor(/hello from the helper/, 'the sharer to get the chat');
    await h.sharerCLI('chat', 'hi from the sharer');
    await eventually('chat in the log', async () => (await page.getByTestId('chat-log').textContent()).includes('hi from the sharer'));
    assert.equal(await page.getByTestId('chat-log').locator('b').count(), 0, 'chat is text, never HTML');
    await h.screenshot(page, '06-chat');

    // Before control: a click on the canvas moves nothing.
    await h.run('xdotool', ['mousemove', '5', '5']);
    let p = await pointOnCanvas(page, 480, 540);
    await page.mouse.click(p.x, p.y);
    await sleep(500);
    assert.deepEqual(await h.mouse(), { x: 5, y: 5 }, 'pointer unchanged before control');

    // Request control; the sharer allows.
    await page.getByTestId('request-control').click();
    await eventually('control requested at the sharer', async () => (await h.sharerCLI('status')).includes('asks for control'));
    await h.sharerCLI('allow-control');
    await page.getByTestId('release-control').waitFor({ timeout: 15000 });
    await h.screenshot(page, '07-control');
    await page.mouse.click(p.x, p.y);
    await eventually('pointer at (480,540)', async () => {
      const m = await h.mouse();
      return Math.abs(m.x - 480) <= 2 && Math.abs(m.y - 540) <= 2;
    }, 10000);

    // Typed text reaches the X client under the pointer.
    p = await pointOnCanvas(page, REC.x + 100, REC.y + 100);
    await page.mouse.click(p.x, p.y);
    await recorder.waitFor(/"button"/, 'the click on the recording client');
    await page.keyboard.type('hello');
    await eventually('typed text at the X client', () => {
      const chars = recorder.out.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((r) => r.kind === 'key').map((r) => r.char).join('');
      return chars.includes('hello');
    }, 10000);

    // The sharer revokes: the UI says so and clicks do nothing any more.
    await h.sharerCLI('revoke-control');
    await page.getByTestId('request-control').waitFor({ timeout: 15000 });
    await eventually('revoked notice', async () => (await page.locator('[data-testid="notice"]').getAttribute('data-reason')) === 'control-revoked', 10000);
    await h.screenshot(page, '08-revoked');
    const before = await h.mouse();
    p = await pointOnCanvas(page, 100, 100);
    await page.mouse.click(p.x, p.y);
    await sleep(500);
    assert.deepEqual(await h.mouse(), before, 'pointer unchanged after revoke');

    // End: both sides show the session ended.
    await page.getByTestId('end-session').click();
    await eventually('ended in the console', async () => (await state(page)) === 'ended');
    await eventually('ended at the sharer', async () => (await h.sharerCLI('status')).includes('ended'));
    await h.screenshot(page, '09-ended');
    assert.deepEqual(pageErrors, [], 'no page errors');
  } catch (e) {
    fail(e.message);
  }
});
