// The admin console (/admin/ on quickhelp-server) against the real programs:
// the service, the sharer daemon on Xvfb and the helper console, each page in
// Chromium. An admin suspends a helper who is in a live session (the session
// ends for both people within 2 s and the helper cannot sign in), turns the
// organisation off (new codes are refused) and marks a sharer's report
// handled, and sets the identity provider; the audit log shows all of it.
// Last, an admin of the organisation's provider signs in with "Sign in with
// Contoso".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Harness, bin, eventually, liveSession, root, sleep } from './lib/harness.mjs';
import { addAdmin, helperCode, state } from './lib/sharer.mjs';

const DISPLAY = 165;
const execFileP = promisify(execFile);
const ADMIN = { email: 'robin.admin@example.com', password: 'admin-password-for-e2e' }; // lib/sharer.mjs addAdmin

// createCode signs the demo helper in through the REST API and asks for a
// code, returning the refusal's reason ('' when a code was given).
async function createCode(h) {
  const login = await fetch(`${h.serverURL}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: h.email, password: h.password }),
  });
  assert.equal(login.status, 200);
  const { token } = await login.json();
  const res = await fetch(`${h.serverURL}/v1/sessions`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  return res.ok ? '' : (await res.json()).error;
}

// sharerEnded polls the daemon's status until it says the session ended.
async function sharerEnded(h) {
  return (await h.sharerCLI('status')).includes('ended');
}

test('admin console: suspend a helper in a live session, turn the organisation off, handle a report', async (t) => {
  const h = await new Harness(DISPLAY).start();
  t.after(() => h.stop());
  const fail = (msg) => assert.fail(`${msg}\n${h.logs()}`);
  try {
    await addAdmin(h);
    const adminContext = await h.browser.newContext({ locale: 'en-GB' });
    const admin = await adminContext.newPage();
    const problems = [];
    admin.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    admin.on('console', (m) => {
      // A 401 answer (no session yet) is logged as a failed load; anything
      // else, such as a CSP violation, is a problem.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console error: ${m.text()}`);
    });
    admin.on('dialog', (d) => d.accept());

    // Sign in: a Secure, HttpOnly, SameSite=Strict cookie, kept by Chromium
    // on http://127.0.0.1 (a secure context).
    await admin.goto(`${h.serverURL}/admin/`);
    await admin.getByTestId('login-email').fill(ADMIN.email);
    await admin.getByTestId('login-password').fill(ADMIN.password);
    await admin.getByTestId('login-submit').click();
    await admin.getByTestId('signed-in').waitFor({ timeout: 15000 });
    const cookies = await adminContext.cookies(h.serverURL);
    const c = cookies.find((x) => x.name === '__Host-quickhelp-admin');
    assert.ok(c, `session cookie kept: ${JSON.stringify(cookies.map((x) => x.name))}`);
    assert.equal(c.secure, true);
    assert.equal(c.httpOnly, true);
    assert.equal(c.sameSite, 'Strict');
    assert.equal(await admin.evaluate(() => document.cookie), '', 'the page cannot read the cookie');
    await h.screenshot(admin, 'admin-01-helpers');

    // A live session of the demo helper.
    const helper = await h.browser.newPage();
    await liveSession(h, helper);
    await admin.getByTestId('nav-live').click();
    await admin.getByTestId('live-row').first().waitFor({ timeout: 15000 });
    await h.screenshot(admin, 'admin-02-live');

    // Suspend the helper: both people see the end within 2 s.
    await admin.getByTestId('nav-helpers').click();
    const row = admin.locator('[data-testid="user-row"][data-email="alex@example.com"]');
    await row.waitFor({ timeout: 10000 });
    const start = Date.now();
    await row.getByTestId('user-suspend').click();
    let helperAt = 0;
    let sharerAt = 0;
    await eventually('the session ended for both people', async () => {
      if (!helperAt && (await state(helper)) === 'ended') helperAt = Date.now() - start;
      if (!sharerAt && (await sharerEnded(h))) sharerAt = Date.now() - start;
      return helperAt && sharerAt;
    }, 10000, 50);
    assert.ok(helperAt <= 2000, `helper saw the end after ${helperAt} ms, want ≤ 2000`);
    assert.ok(sharerAt <= 2000, `sharer saw the end after ${sharerAt} ms, want ≤ 2000`);
    assert.equal(await helper.getByTestId('ended-reason').getAttribute('data-reason'), 'policy');
    await eventually('shown as suspended', async () => (await row.getAttribute('data-disabled')) === 'true');
    await h.screenshot(admin, 'admin-03-suspended');

    // The suspended helper cannot sign in again.
    await helper.getByTestId('back-home').click();
    await helper.getByTestId('sign-out').click();
    await eventually('helper signed out', async () => (await state(helper)) === 'signed-out');
    await helper.getByTestId('login-email').fill(h.email);
    await helper.getByTestId('login-password').fill(h.password);
    await helper.getByTestId('login-submit').click();
    await eventually('sign-in refused as suspended', async () =>
      (await helper.locator('[data-testid="notice"]').getAttribute('data-reason')) === 'helper-suspended', 15000);
    assert.equal(await state(helper), 'signed-out');
    await h.screenshot(helper, 'admin-04-helper-refused');

    // Restored, the helper signs in again.
    await row.getByTestId('user-restore').click();
    await eventually('shown as active', async () => (await row.getAttribute('data-disabled')) === 'false');
    await helper.getByTestId('login-submit').click();
    await eventually('helper home', async () => (await state(helper)) === 'home', 15000);

    // The organisation turned off: a new code is refused.
    await admin.getByTestId('nav-org').click();
    const enabled = admin.getByTestId('org-enabled');
    await enabled.waitFor({ timeout: 10000 });
    assert.equal(await enabled.isChecked(), true);
    await enabled.uncheck();
    await eventually('organisation off', async () => !(await enabled.isChecked()));
    await h.screenshot(admin, 'admin-05-org-off');
    await helper.getByTestId('help-someone').click();
    // The console shows a refusal (it words an organisation that is off
    // like a suspension) and no code; the service's answer names the cause.
    await eventually('code refused', async () => (await helper.locator('[data-testid="notice"]').count()) === 1, 15000);
    assert.equal(await helper.getByTestId('session-code').count(), 0, 'no code shown');
    assert.equal(await state(helper), 'home');
    await h.screenshot(helper, 'admin-06-code-refused');
    assert.equal(await createCode(h), 'org-disabled');
    await enabled.check();
    await sleep(300);

    // A report filed by the sharer appears and is marked handled.
    await eventually('helper home again', async () => (await state(helper)) === 'home', 15000);
    const code = await helperCode(helper, h);
    await h.sharerCLI('join', code);
    await eventually('awaiting consent', async () => (await state(helper)) === 'awaiting-consent');
    await h.sharerCLI('allow');
    await eventually('live', async () => (await state(helper)) === 'live', 30000);
    const comment = 'He asked me to install <b>another</b> program.';
    await h.sharerCLI('report', comment);
    await eventually('ended by the report', async () => (await state(helper)) === 'ended');
    await admin.getByTestId('nav-reports').click();
    const report = admin.locator('[data-testid="report-row"]').first();
    await report.waitFor({ timeout: 10000 });
    assert.equal(await report.getByTestId('report-comment').textContent(), comment, 'the comment is shown as text');
    assert.equal(await report.getAttribute('data-handled'), 'false');
    await report.getByTestId('report-handle').click();
    await eventually('report handled', async () => (await report.getAttribute('data-handled')) === 'true');
    assert.match(await report.getByTestId('report-status').textContent(), /robin\.admin@example\.com/);
    await h.screenshot(admin, 'admin-07-report-handled');

    // The organisation's identity provider: the secret is write-only.
    await admin.getByTestId('nav-org').click();
    await admin.getByTestId('oidc-issuer').fill('https://login.example.com/contoso/v2.0');
    await admin.getByTestId('oidc-client-id').fill('quickhelp');
    await admin.getByTestId('oidc-secret').fill('e2e-client-secret');
    await admin.getByTestId('oidc-domain').fill('example.com');
    await admin.getByTestId('oidc-save').click();
    await admin.getByTestId('oidc-has-secret').waitFor({ timeout: 10000 });
    assert.equal(await admin.getByTestId('oidc-secret').inputValue(), '', 'the secret is not shown again');
    assert.equal(await admin.getByTestId('oidc-local').isChecked(), true, 'passwords still allowed');
    assert.ok(!(await admin.content()).includes('e2e-client-secret'));

    // The audit log has every action, newest first.
    await admin.getByTestId('nav-audit').click();
    await admin.getByTestId('audit-row').first().waitFor({ timeout: 10000 });
    const actions = await admin.locator('[data-testid="audit-row"]').evaluateAll((rows) => rows.map((r) => r.dataset.action));
    assert.deepEqual(actions, ['org-oidc', 'report-handled', 'org-enable', 'org-disable', 'user-restore', 'user-suspend', 'sign-in']);

    // In Japanese.
    await admin.getByTestId('lang').selectOption('ja');
    assert.equal(await admin.getByTestId('nav-audit').textContent(), '監査ログ');
    await h.screenshot(admin, 'admin-08-audit-ja');

    // Signed out, the cookie no longer opens the console.
    await admin.getByTestId('sign-out').click();
    await admin.getByTestId('login').waitFor({ timeout: 10000 });
    await admin.reload();
    await admin.getByTestId('login').waitFor({ timeout: 10000 });

    // "Sign in with Contoso": an admin named for the organisation's
    // provider (test/oidcprovider, a real OpenID Provider) signs in to the
    // console through the service's own callback.
    await execFileP('go', ['build', '-o', h.dir, './test/oidcprovider/cmd/oidcprovider'], { cwd: root });
    const idp = h.spawn('oidcprovider', join(h.dir, 'oidcprovider'), [
      '-client-id', 'quickhelp', '-client-secret', 'e2e-oidc-secret', '-redirect', `${h.serverURL}/v1/auth/oidc/callback`,
      '-username', 'kim', '-password', 'kim-password', '-first', 'Kim', '-last', 'Lee', '-email', 'kim@contoso.com',
    ]);
    const issuer = (await idp.waitFor(/issuer (\S+)/, 'the provider'))[1];
    await writeFile(join(h.dir, 'oidc-secret'), 'e2e-oidc-secret\n', { mode: 0o600 });
    const data = join(h.dir, 'server');
    await h.run(bin('quickhelp-server'), ['org', 'oidc', 'set', '--data', data, '--org', 'Contoso', '--issuer', issuer,
      '--client-id', 'quickhelp', '--client-secret-file', join(h.dir, 'oidc-secret'), '--allowed-domain', 'contoso.com']);
    await h.run(bin('quickhelp-server'), ['org', 'admin', 'add', '--data', data, '--org', 'Contoso', '--email', 'kim@contoso.com']);
    await admin.getByTestId('login-email').fill('kim@contoso.com');
    await admin.getByTestId('login-email').blur();
    const withOrg = admin.getByTestId('login-oidc');
    await withOrg.waitFor({ timeout: 10000 });
    assert.equal((await withOrg.textContent()).trim(), 'Sign in with Contoso');
    await h.screenshot(admin, 'admin-09-sign-in-with-contoso');
    await withOrg.click();
    await admin.locator('#username').waitFor({ timeout: 15000 });
    assert.ok(admin.url().startsWith(issuer), `the provider's login page, at ${admin.url()}`);
    await admin.locator('#username').fill('kim');
    await admin.locator('#password').fill('kim-password');
    await admin.locator('button[type="submit"]').click();
    await admin.getByTestId('signed-in').waitFor({ timeout: 20000 });
    assert.match(await admin.getByTestId('signed-in').textContent(), /kim@contoso\.com/);
    await admin.getByTestId('nav-audit').click();
    await eventually('the provider sign-in in the audit log', async () =>
      (await admin.locator('[data-testid="audit-row"]').first().getAttribute('data-action')) === 'sign-in');
    await h.screenshot(admin, 'admin-10-signed-in-with-contoso');
    assert.deepEqual(problems, [], 'no page errors or CSP violations');
  } catch (e) {
    fail(e.stack ?? e.message);
  }
});
