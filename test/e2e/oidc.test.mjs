// Sign-in with the organisation's provider, end to end: a real OpenID
// Provider (test/oidcprovider: zitadel/oidc's op package with its example
// storage and login page), the real service, the helper console and the
// real sharer daemon on an Xvfb desktop. The console's system-browser
// launcher is pointed ($BROWSER) at a script that hands the URL to this
// test, which drives it in a separate browser context, as the person's own
// browser would. A first try, cancelled at the provider, comes back to the
// console with the reason. The same person, named the first administrator, then
// signs in to the admin console through the provider.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Harness, bin, eventually, paintPattern, root } from './lib/harness.mjs';
import { state } from './lib/sharer.mjs';

const DISPLAY = 160;
const execFileP = promisify(execFile);

test('sign in with Contoso through the provider, then help someone', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'qh-oidc-'));
  const opened = join(dir, 'opened');
  const launcher = join(dir, 'browser.sh');
  await writeFile(launcher, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${opened}'\n`, { mode: 0o755 });
  const h = await new Harness(DISPLAY, { consoleEnv: { BROWSER: launcher } }).start();
  t.after(async () => {
    await h.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const fail = (msg) => assert.fail(`${msg}\n${h.logs()}`);
  try {
    await paintPattern(h);
    // The provider knows the service as a client; the organisation is set
    // up with the command an operator runs.
    await execFileP('go', ['build', '-o', dir, './test/oidcprovider/cmd/oidcprovider'], { cwd: root });
    const secret = 'e2e-client-secret';
    const idp = h.spawn('oidcprovider', join(dir, 'oidcprovider'), [
      '-client-id', 'quickhelp', '-client-secret', secret, '-redirect', `${h.serverURL}/v1/auth/oidc/callback`,
      '-username', 'kim', '-password', 'kim-password', '-first', 'Kim', '-last', 'Lee', '-email', 'kim@contoso.com',
    ]);
    const issuer = (await idp.waitFor(/issuer (\S+)/, 'the provider'))[1];
    await writeFile(join(dir, 'secret'), `${secret}\n`, { mode: 0o600 });
    await h.run(bin('quickhelp-server'), ['org', 'oidc', 'set', '--data', join(h.dir, 'server'), '--org', 'Contoso',
      '--issuer', issuer, '--client-id', 'quickhelp', '--client-secret-file', join(dir, 'secret'), '--allowed-domain', 'contoso.com']);
    await h.run(bin('quickhelp-server'), ['org', 'admin', 'add', '--data', join(h.dir, 'server'), '--org', 'Contoso', '--email', 'kim@contoso.com']);

    const page = await h.browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(h.consoleURL);
    await page.getByTestId('login-email').fill('kim@contoso.com');
    const withOrg = page.getByTestId('login-org');
    await withOrg.waitFor({ timeout: 15000 });
    assert.equal((await withOrg.textContent()).trim(), 'Sign in with Contoso');
    await h.screenshot(page, 'oidc-01-sign-in');
    // The n-th address the app opened in the "system browser".
    const openedURL = (n) => eventually('the app to open the browser', async () =>
      (await readFile(opened, 'utf8').catch(() => '')).split('\n').filter(Boolean)[n - 1]);

    // A first try the person cancels at the provider. The provider's login
    // page has no Cancel button, so the test makes the redirect a provider
    // makes then: back to the service's callback with error=access_denied
    // and the state the service gave the provider. The service sends the
    // browser on to the app, and the console says why at once, without
    // anyone clicking Cancel.
    await withOrg.click();
    await page.getByTestId('login-org-busy').waitFor({ timeout: 15000 });
    const denied = await h.browser.newContext();
    const dp = await denied.newPage();
    let toProvider = '';
    dp.on('request', (r) => {
      if (!toProvider && r.url().startsWith(issuer) && new URL(r.url()).searchParams.get('state')) toProvider = r.url();
    });
    await dp.goto(await openedURL(1));
    await dp.locator('#username').waitFor({ timeout: 15000 });
    assert.ok(toProvider, 'the service sent the browser to the provider');
    const serviceState = new URL(toProvider).searchParams.get('state');
    await dp.goto(`${h.serverURL}/v1/auth/oidc/callback?error=access_denied&state=${encodeURIComponent(serviceState)}`);
    await dp.getByTestId('app-sign-in-refused').waitFor({ timeout: 15000 });
    assert.match(await dp.textContent('body'), /did not finish[\s\S]*You can close this tab/);
    await h.screenshot(dp, 'oidc-01b-refused-tab');
    const notice = page.getByTestId('notice');
    await notice.waitFor({ timeout: 1000 });
    assert.equal(await notice.getAttribute('data-reason'), 'sso-failed');
    assert.match(await notice.textContent(), /Sign-in with your organisation did not finish/);
    await withOrg.waitFor({ timeout: 1000 }); // no longer waiting: the button is back
    await h.screenshot(page, 'oidc-01c-refused');
    await denied.close();

    await withOrg.click();
    await page.getByTestId('login-org-busy').waitFor({ timeout: 15000 });

    // The "system browser": whatever the app opened, in its own context.
    const url = await openedURL(2);
    assert.ok(url.startsWith(`${h.serverURL}/v1/auth/oidc/start?`), `opened ${url}`);
    assert.match(new URL(url).searchParams.get('redirect_uri'), /^http:\/\/127\.0\.0\.1:\d+\//);
    const system = await h.browser.newContext();
    const bp = await system.newPage();
    let callback = '';
    bp.on('request', (r) => {
      if (r.url().startsWith(`${h.serverURL}/v1/auth/oidc/callback?`)) callback = r.url();
    });
    await bp.goto(url);
    await bp.locator('#username').waitFor({ timeout: 15000 });
    assert.ok(bp.url().startsWith(issuer), `the provider's login page, at ${bp.url()}`);
    await h.screenshot(bp, 'oidc-02-provider-login');
    await bp.locator('#username').fill('kim');
    await bp.locator('#password').fill('kim-password');
    await bp.locator('button[type="submit"]').click();
    await bp.getByTestId('app-signed-in').waitFor({ timeout: 15000 });
    assert.match(await bp.textContent('body'), /You are signed in/);
    await h.screenshot(bp, 'oidc-03-back-to-app');

    // The console is signed in as the provider's person.
    await eventually('home', async () => (await state(page)) === 'home');
    assert.match(await page.locator('main').textContent(), /Kim L\./);
    await h.screenshot(page, 'oidc-04-home');

    // And helps someone: a code, the real daemon joins and shares.
    await page.getByTestId('help-someone').click();
    const code = (await page.getByTestId('session-code').textContent()).trim();
    await h.sharerCLI('join', code);
    await eventually('awaiting consent', async () => (await state(page)) === 'awaiting-consent');
    await h.sharer.waitFor(/Kim L\. · Contoso wants to see your screen/, 'the sharer to be asked about the provider-signed-in helper');
    await h.sharerCLI('allow');
    await eventually('live video', async () =>
      (await state(page)) === 'live' && Number(await page.getByTestId('remote-screen').getAttribute('data-decoded')) > 0, 30000);
    await h.screenshot(page, 'oidc-05-live');
    await page.getByTestId('end-session').click();
    await eventually('ended', async () => (await state(page)) === 'ended');

    // The provider's return to the service, replayed, is refused in plain
    // words: its state was used up by the sign-in.
    assert.ok(callback, 'the provider returned the browser to the service');
    const replay = await system.newPage();
    const resp = await replay.goto(callback);
    assert.equal(resp.status(), 400);
    assert.match(await replay.getByTestId('oidc-refusal').textContent(), /This sign-in is no longer valid/);
    await h.screenshot(replay, 'oidc-06-replayed');

    // The admin console signs in through the provider too (Kim was named
    // the first administrator): its own "Sign in with Contoso", the
    // provider's page, back through the service's callback to /admin/.
    const admin = await system.newPage();
    await admin.goto(`${h.serverURL}/admin/`);
    await admin.getByTestId('login-email').fill('kim@contoso.com');
    await admin.getByTestId('login-email').blur();
    const adminWithOrg = admin.getByTestId('login-oidc');
    await adminWithOrg.waitFor({ timeout: 15000 });
    assert.equal((await adminWithOrg.textContent()).trim(), 'Sign in with Contoso');
    await adminWithOrg.click();
    await admin.locator('#username').waitFor({ timeout: 15000 });
    await admin.locator('#username').fill('kim');
    await admin.locator('#password').fill('kim-password');
    await admin.locator('button[type="submit"]').click();
    await admin.waitForURL(`${h.serverURL}/admin/**`, { timeout: 15000 });
    await admin.getByTestId('signed-in').waitFor({ timeout: 15000 });
    assert.match(await admin.getByTestId('signed-in').textContent(), /kim@contoso\.com/);
    assert.equal(await admin.getByTestId('login').count(), 0, 'no sign-in form once signed in');
    await h.screenshot(admin, 'oidc-07-admin-console');
    await system.close();
    assert.deepEqual(pageErrors, [], 'no page errors');
  } catch (e) {
    fail(e.message);
  }
});
