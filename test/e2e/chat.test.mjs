// Chat for both people from the moment the sharer joins, through both
// questions (screen and control), with an unread badge while hidden and the
// session's chat back after a reload; then "Keep sharing?" asked by the
// daemon (test build, short interval), answered in the page, and stopping
// sharing when left unanswered. Real service, real sharer daemon (test
// build) on Xvfb, two console processes, Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, eventually, testBin } from './lib/harness.mjs';
import { getHelp, helperCode, startSharerConsole, state } from './lib/sharer.mjs';

const DISPLAY = 135;
// "Keep sharing?" after 20 s of sharing, 6 s to answer (test builds only).
const KEEP_SHARING = '20s,6s';

const logText = (page, id) => page.getByTestId(id).textContent();
async function sees(page, id, text) {
  await eventually(`"${text}" in ${id}`, async () => (await logText(page, id)).includes(text), 15000);
}

test('chat from the join through both questions, unread badge, history after a reload; keep sharing asked by the daemon', async (t) => {
  const h = await new Harness(DISPLAY, {
    sharerBin: testBin('quickhelp-sharer'),
    sharerEnv: { QUICKHELP_TEST_KEEP_SHARING: KEEP_SHARING },
  }).start();
  t.after(() => h.stop());
  const shot = (page, name) => h.screenshot(page, `chat-${name}`);
  try {
    const sharerURL = await startSharerConsole(h, h.socket);
    const helper = await h.browser.newPage({ viewport: { width: 1400, height: 900 } });
    const sharer = await h.browser.newPage({ viewport: { width: 900, height: 900 } });
    const pageErrors = [];
    for (const p of [helper, sharer]) p.on('pageerror', (e) => pageErrors.push(e.message));
    await helper.goto(h.consoleURL);
    await sharer.goto(sharerURL);

    // The sharer joins: the screen question shows, with the chat beside it.
    const code = await helperCode(helper, h);
    await getHelp(sharer, code);
    await sharer.getByTestId('consent-prompt').waitFor();
    await sharer.getByTestId('sharing-chat').waitFor();
    await eventually('helper awaiting consent', async () => (await state(helper)) === 'awaiting-consent');

    // Before Allow, both ways.
    await sharer.getByTestId('sharing-chat-input').fill('is this really my bank?');
    await sharer.getByTestId('sharing-chat-send').click();
    await sees(helper, 'chat-log', 'is this really my bank?');
    await helper.getByTestId('chat-input').fill('no, I am from your IT department');
    await helper.getByTestId('chat-send').click();
    await sees(sharer, 'sharing-chat-log', 'no, I am from your IT department');
    assert.equal(await sharer.getByTestId('consent-prompt').isVisible(), true, 'the question is still there');

    // Hidden, the chat counts the helper's new lines; opening it reads them.
    await sharer.getByTestId('sharing-chat-toggle').click();
    await helper.getByTestId('chat-input').fill('take your time');
    await helper.getByTestId('chat-send').click();
    await eventually('unread badge', async () => (await sharer.getByTestId('sharing-chat-unread').textContent()).trim() === '1');
    await shot(sharer, '01-unread-during-consent');
    await sharer.getByTestId('sharing-chat-toggle').click();
    await sees(sharer, 'sharing-chat-log', 'take your time');
    assert.equal(await sharer.getByTestId('sharing-chat-unread').count(), 0, 'no badge once the chat is open');

    // A reload of either page shows the chat so far.
    await sharer.reload();
    await sharer.getByTestId('consent-prompt').waitFor();
    for (const line of ['is this really my bank?', 'no, I am from your IT department', 'take your time']) {
      await sees(sharer, 'sharing-chat-log', line);
    }
    await helper.reload();
    await eventually('helper awaiting consent after reload', async () => (await state(helper)) === 'awaiting-consent');
    for (const line of ['is this really my bank?', 'no, I am from your IT department', 'take your time']) {
      await sees(helper, 'chat-log', line);
    }
    await shot(sharer, '02-consent-with-chat');

    // Allow: sharing starts; the chat goes on in the sharing bar.
    await sharer.getByTestId('consent-allow').click({ timeout: 20000 });
    await eventually('live', async () => (await state(helper)) === 'live', 30000);
    await sharer.getByTestId('sharing-bar').waitFor();
    await sees(sharer, 'sharing-chat-log', 'take your time');

    // The control question keeps the chat too, both ways.
    await helper.getByTestId('request-control').click();
    await sharer.getByTestId('control-allow').waitFor();
    await sharer.getByTestId('sharing-chat').waitFor();
    await sharer.getByTestId('sharing-chat-input').fill('why do you need my mouse?');
    await sharer.getByTestId('sharing-chat-send').click();
    await sees(helper, 'chat-log', 'why do you need my mouse?');
    await helper.getByTestId('chat-input').fill('to open the settings for you');
    await helper.getByTestId('chat-send').click();
    await sees(sharer, 'sharing-chat-log', 'to open the settings for you');
    await shot(sharer, '03-control-with-chat');
    await sharer.getByTestId('control-deny').click();
    await helper.getByTestId('request-control').waitFor();

    // The helper's hidden chat counts the sharer's lines too.
    await helper.getByTestId('toggle-chat').click();
    await sharer.getByTestId('sharing-chat-input').fill('ok, go on');
    await sharer.getByTestId('sharing-chat-send').click();
    await eventually('helper unread badge', async () => (await helper.getByTestId('chat-unread').textContent()).trim() === '1');
    await helper.getByTestId('toggle-chat').click();
    await sees(helper, 'chat-log', 'ok, go on');
    assert.equal(await helper.getByTestId('chat-unread').count(), 0);
    await helper.reload();
    await eventually('helper live after reload', async () => (await state(helper)) === 'live', 20000);
    await sees(helper, 'chat-log', 'why do you need my mouse?');
    await sees(helper, 'chat-log', 'ok, go on');

    // "Keep sharing?": asked by the daemon, answered in the sharing bar.
    await sharer.getByTestId('keep-sharing').waitFor({ timeout: 40000 });
    assert.match(await h.sharerCLI('status'), /Keep sharing\?/, 'the CLI sees the same question');
    await shot(sharer, '04-keep-sharing');
    await sharer.getByTestId('sharing-keep').click();
    await sharer.getByTestId('keep-sharing').waitFor({ state: 'detached', timeout: 10000 });
    assert.equal(await state(helper), 'live', 'sharing goes on after "yes"');
    // Asked again and left unanswered: sharing stops for both.
    await sharer.getByTestId('keep-sharing').waitFor({ timeout: 40000 });
    await eventually('the sharer told why', async () =>
      (await sharer.getByTestId('sharer-ended').getAttribute('data-reason')) === 'keep-sharing-timeout', 20000);
    await eventually('the helper told why', async () =>
      (await helper.getByTestId('ended-reason').getAttribute('data-reason')) === 'keep-sharing-timeout', 20000);
    assert.match(await sharer.getByTestId('sharer-ended').textContent(), /“Keep sharing\?” was not answered in time/);
    await shot(sharer, '05-keep-sharing-ended');
    assert.deepEqual(pageErrors, [], 'no page errors');
  } catch (e) {
    assert.fail(`${e.stack}\n${h.logs()}`);
  }
});
