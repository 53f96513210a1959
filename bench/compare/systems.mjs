// The two systems under comparison and how a page watches each: QuickHelp's
// helper console in a live session, and x11vnc behind websockify with
// noVNC's vnc_lite.html.
import { connect } from 'node:net';
import { eventually, freePort, liveSession } from '../../test/e2e/lib/harness.mjs';
import { countBytes, whenDecoded } from './page.mjs';

const CTX = { viewport: { width: 1920, height: 1200 } };

// startQuickHelp opens the console page in a live session.
export async function startQuickHelp(h, net) {
  const ctx = await h.browser.newContext(CTX);
  await ctx.addInitScript(countBytes, { frames: true });
  const page = await ctx.newPage();
  // QH_COMPARE_CONSOLE=1 shows the console page's warnings (decoder errors).
  if (process.env.QH_COMPARE_CONSOLE) page.on('console', (m) => console.error('page:', m.type(), m.text().slice(0, 200)));
  await liveSession(h, page);
  const pid = h.sharer.child.pid;
  if (!(await net.member('qh', pid))) throw new Error(`byte counting: quickhelp-sharer (pid ${pid}) is not in its cgroup`);
  return { name: 'quickhelp', page, pid, selector: '[data-testid="remote-screen"]', netBytes: () => net.bytes('qh') };
}

// restartQuickHelp ends the live session at the sharer and starts a new
// one from the console; it returns Allow → first decoded frame in ms
// (from just before the sharer's allow command is started) and how long
// that command took to return.
export async function restartQuickHelp(h, qh) {
  const { page } = qh;
  await h.sharerCLI('stop');
  await eventually('the session ended', async () =>
    (await page.getByTestId('session-state').getAttribute('data-state')) === 'ended', 15000);
  // The console keeps its state: the ended screen leads back home.
  await page.getByTestId('back-home').click();
  await page.getByTestId('help-someone').click();
  const code = (await page.getByTestId('session-code').textContent()).trim();
  // The daemon takes a moment to let go of the ended session.
  await eventually('the sharer ended', async () => (await h.sharerCLI('status')).includes('ended'), 15000, 50);
  await eventually('the sharer joining', async () => (await h.sharerCLI('join', code), true), 15000, 200);
  await eventually('awaiting consent', async () =>
    (await page.getByTestId('session-state').getAttribute('data-state')) === 'awaiting-consent', 15000, 20);
  await page.evaluate(whenDecoded);
  const t0 = Date.now();
  await h.sharerCLI('allow');
  const command = Date.now() - t0;
  const first = await eventually('the first decoded frame', () => page.evaluate(() => window.__qhFirstDecoded), 30000, 10);
  return { allow_to_first_frame_ms: Math.round(first - t0), allow_command_ms: command };
}

// startVNC starts x11vnc (in its byte-counting group) and websockify, and
// opens noVNC once it shows the screen.
export async function startVNC(h, net) {
  const rfb = await freePort();
  const web = await freePort();
  const cmd = await net.wrapper('vnc', '/usr/bin/x11vnc');
  const x11vnc = h.spawn('x11vnc', cmd, ['-display', h.display, '-rfbport', String(rfb), '-localhost', '-nopw', '-forever', '-shared', '-quiet']);
  await eventually('x11vnc', () => new Promise((res, rej) => {
    const c = connect(rfb, '127.0.0.1', () => { c.destroy(); res(true); });
    c.on('error', rej);
  }), 15000, 200);
  if (!(await net.member('vnc', x11vnc.child.pid))) throw new Error('byte counting: x11vnc is not in its cgroup');
  const ws = h.spawn('websockify', 'websockify', ['--web', '/usr/share/novnc', `127.0.0.1:${web}`, `127.0.0.1:${rfb}`]);
  await eventually('websockify', async () => (await fetch(`http://127.0.0.1:${web}/vnc_lite.html`)).ok, 15000, 200);
  const ctx = await h.browser.newContext(CTX);
  await ctx.addInitScript(countBytes, { frames: false });
  const page = await ctx.newPage();
  const vnc = {
    name: 'vnc', page, pid: x11vnc.child.pid, selector: '#screen canvas', netBytes: () => net.bytes('vnc'),
    url: `http://127.0.0.1:${web}/vnc_lite.html?host=127.0.0.1&port=${web}&scale=false`,
    logs: () => `${x11vnc.out.slice(-300)} ${ws.out.slice(-500)}`,
  };
  await page.goto(vnc.url);
  await firstVNCUpdate(vnc);
  return vnc;
}

// firstVNCUpdate waits until noVNC's canvas is the screen's size and shows
// a picture (the probe's pixel is opaque): its first update.
async function firstVNCUpdate(vnc) {
  await eventually('noVNC showing the screen', async () => {
    const st = await vnc.page.evaluate(() => {
      const c = document.querySelector('#screen canvas');
      if (!c || c.width !== 1920) return { w: c ? c.width : 0, status: document.getElementById('status')?.textContent };
      return { w: c.width, alpha: c.getContext('2d', { willReadFrequently: true }).getImageData(1820, 100, 1, 1).data[3] };
    });
    if (st.w !== 1920) throw new Error(`canvas ${st.w} px wide, status ${st.status}: ${vnc.logs()}`);
    return st.alpha > 0;
  }, 20000, 10);
}

// reloadVNC reloads the noVNC page and returns reload → first update in ms.
export async function reloadVNC(vnc) {
  const t0 = Date.now();
  await vnc.page.reload();
  await firstVNCUpdate(vnc);
  return Date.now() - t0;
}
