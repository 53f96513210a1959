// The desktop build's prompt window: when the sharer joins from the
// command line and no QuickHelp window is listening, the daemon opens the
// app in prompt mode at the bottom-right of the sharer's real (Xvfb)
// screen; it shows the consent question, then the sharing bar.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Harness, artifacts, eventually, paintPattern } from './lib/harness.mjs';

const DISPLAY = 123;

// regionStats crops the bottom-right corner of a screenshot and returns
// its colour count and standard deviation (a blank window has ~0).
async function regionStats(h, file) {
  const out = await h.run('convert', [file, '-gravity', 'SouthEast', '-crop', '480x460+0+0', '+repage',
    '-format', '%k %[fx:standard_deviation]', 'info:']);
  const [colours, sd] = out.trim().split(/\s+/).map(Number);
  return { colours, sd };
}

async function shot(h, name) {
  const file = join(artifacts, `${name}.png`);
  await h.run('import', ['-window', 'root', file]);
  return file;
}

test('desktop prompt window and sharing bar render on the sharer screen', async (t) => {
  const h = await new Harness(DISPLAY).start();
  t.after(() => h.stop());
  try {
    await paintPattern(h);
    // The helper asks for a code through the API, as the console does.
    const login = await (await fetch(`${h.serverURL}/v1/auth/login`, {
      method: 'POST', body: JSON.stringify({ email: h.email, password: h.password }),
    })).json();
    const created = await (await fetch(`${h.serverURL}/v1/sessions`, {
      method: 'POST', headers: { Authorization: `Bearer ${login.token}` },
    })).json();
    // Before the join the corner shows only the red/white pattern.
    const before = await regionStats(h, await shot(h, 'prompt-window-00-before'));

    await h.sharerCLI('join', created.code);
    const askFile = join(artifacts, 'prompt-window-01-consent.png');
    const asked = await eventually('the prompt window', async () => {
      await h.run('import', ['-window', 'root', askFile]);
      const s = await regionStats(h, askFile);
      return s.colours > before.colours + 16 && s.sd > 0.05 ? s : null;
    }, 30000, 500);
    assert.ok(asked.colours > 16, `prompt window rendered (${asked.colours} colours)`);

    await h.sharerCLI('allow');
    await eventually('sharing', async () => (await h.sharerCLI('status')).includes('Sharing your screen'));
    const barFile = join(artifacts, 'prompt-window-02-sharing-bar.png');
    const bar = await eventually('the sharing bar', async () => {
      await h.run('import', ['-window', 'root', barFile]);
      const s = await regionStats(h, barFile);
      return s.colours > 16 && s.sd > 0.05 ? s : null;
    }, 20000, 500);
    assert.ok(bar.colours > 16, `sharing bar rendered (${bar.colours} colours)`);
    await h.sharerCLI('stop');
  } catch (e) {
    assert.fail(`${e.stack}\n${h.logs()}`);
  }
});
