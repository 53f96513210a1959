// Helpers for the sharer's side of the end-to-end tests: a second console
// process for the sharer's page (the bridge admits one page per backend),
// an admin account for the abuse-report check, and small page helpers.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { bin, eventually } from './harness.mjs';

// startSharerConsole runs "quickhelp console" bound to the sharer daemon's
// socket and returns its page address.
export async function startSharerConsole(h, socket, name = 'sharer-console') {
  const p = h.spawn(name, bin('quickhelp'), [
    'console', '--listen', '127.0.0.1:0', '--server', h.serverURL, '--sharer-socket', socket,
  ]);
  const m = await p.waitFor(/http:\/\/127\.0\.0\.1:\d+\/\S*/, `the ${name} URL`);
  return m[0];
}

// addAdmin creates an admin of the demo organisation through the server's
// CLI (the service keeps running; SQLite serialises the two writers) and
// returns a bearer token for the admin API.
export async function addAdmin(h) {
  const email = 'robin.admin@example.com';
  const password = 'admin-password-for-e2e';
  const data = join(h.dir, 'server');
  await new Promise((resolve, reject) => {
    const c = spawn(bin('quickhelp-server'), ['user', 'add', '--data', data, '--email', email, '--first', 'Robin',
      '--last', 'Admin', '--org', 'Contoso', '--role', 'admin', '--password-stdin'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (out += d));
    c.on('error', reject);
    c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`user add exited ${code}: ${out}`))));
    c.stdin.end(`${password}\n`);
  });
  const res = await fetch(`${h.serverURL}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!res.ok) throw new Error(`admin login: ${res.status} ${await res.text()}`);
  return (await res.json()).token;
}

export async function adminReports(h, token) {
  const res = await fetch(`${h.serverURL}/v1/admin/reports`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET /v1/admin/reports: ${res.status}`);
  return res.text();
}


export async function state(page) {
  return page.getByTestId('session-state').getAttribute('data-state');
}

export async function decoded(page) {
  return Number(await page.getByTestId('remote-screen').getAttribute('data-decoded'));
}

// screenPixel reads the helper canvas's pixel at a point of the 1920×1080
// shared screen, as [r, g, b].
export async function screenPixel(page, sx, sy) {
  return page.getByTestId('remote-screen').evaluate((c, [x, y]) => {
    const px = c.getContext('2d').getImageData(Math.floor((x / 1920) * c.width), Math.floor((y / 1080) * c.height), 1, 1).data;
    return [px[0], px[1], px[2]];
  }, [sx, sy]);
}

// nearColour says whether a pixel is within a video codec's error of want.
export function nearColour(got, want, tolerance = 24) {
  return got.every((v, i) => Math.abs(v - want[i]) <= tolerance);
}

// pointOnCanvas maps a point of the 1920×1080 shared screen to page
// coordinates inside the letterboxed canvas.
export async function pointOnCanvas(page, sx, sy) {
  const box = await page.getByTestId('remote-screen').boundingBox();
  const scale = Math.min(box.width / 1920, box.height / 1080);
  const w = 1920 * scale;
  const hgt = 1080 * scale;
  const left = box.x + (box.width - w) / 2;
  const top = box.y + (box.height - hgt) / 2;
  return { x: left + ((sx + 0.5) / 1920) * w, y: top + ((sy + 0.5) / 1080) * hgt };
}

// helperCode signs the helper in (once) and asks for a new code.
export async function helperCode(page, h) {
  if ((await state(page)) === 'signed-out') {
    await page.getByTestId('login-email').fill(h.email);
    await page.getByTestId('login-password').fill(h.password);
    await page.getByTestId('login-submit').click();
  }
  if ((await state(page)) === 'ended') await page.getByTestId('back-home').click();
  await eventually('helper home', async () => (await state(page)) === 'home');
  await page.getByTestId('help-someone').click();
  const code = (await page.getByTestId('session-code').textContent()).trim();
  return code;
}

// getHelp types a code on the sharer's page the way a person might.
export async function getHelp(page, typed) {
  const close = page.getByTestId('sharer-ended-close');
  if (await close.isVisible()) await close.click();
  await page.getByTestId('get-help-code').fill(typed);
  await page.getByTestId('get-help-submit').click();
}
