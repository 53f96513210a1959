// Machine policy: with QuickHelp turned off by the organisation, the app
// shows that in plain words and offers neither "Help someone" nor "Get help".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { artifacts, eventually, testBin } from './lib/harness.mjs';

test('policy: QuickHelp turned off by the organisation', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'qh-policy-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'policy.json');
  await writeFile(file, JSON.stringify({ Disabled: true }));
  let out = '';
  const console_ = spawn(testBin('quickhelp'), ['console', '--listen', '127.0.0.1:0', '--sharer-socket', join(dir, 's.sock')], {
    env: { ...process.env, QUICKHELP_POLICY_FILE: file },
  });
  console_.stdout.on('data', (d) => (out += d));
  console_.stderr.on('data', (d) => (out += d));
  t.after(() => console_.kill('SIGTERM'));
  const url = (await eventually('the console URL', () => out.match(/http:\/\/127\.0\.0\.1:\d+\/\S*/)))[0];
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.goto(url);
  await page.getByTestId('disabled').waitFor({ timeout: 15000 });
  assert.match(await page.getByTestId('disabled').textContent(), /turned off by your organisation/);
  assert.equal(await page.getByTestId('session-state').getAttribute('data-state'), 'disabled');
  assert.equal(await page.getByTestId('login-submit').count(), 0, 'no sign-in');
  assert.equal(await page.getByTestId('get-help-submit').count(), 0, 'no Get help');
  await page.screenshot({ path: join(artifacts, 'policy-disabled.png') });
});
