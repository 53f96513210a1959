// Text legibility after the screen stops changing: the sharer's real screen
// (X GetImage) and each page's canvas over the terminal's text area,
// compared by bench/quality (SSIM and PSNR of luma, computed in Go).
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { canvasPixels } from './page.mjs';

const execFileP = promisify(execFile);

// legibility grabs rectangle r of the screen and both canvases now and
// returns { quickhelp: {ssim, psnr_db}, vnc: {...} }; files go to dir with
// prefix.
export async function legibility(h, quality, systems, r, dir, prefix) {
  const rect = `${r.x},${r.y},${r.w},${r.h}`;
  const sharer = join(dir, `${prefix}-sharer.png`);
  await execFileP(quality, ['-grab', sharer, '-display', h.display, '-rect', rect]);
  const out = {};
  for (const sys of systems) {
    const px = await sys.page.evaluate(canvasPixels, { selector: sys.selector, rect: r });
    if (px.width !== 1920 || px.height !== 1080) throw new Error(`${sys.name} canvas is ${px.width}x${px.height}, not the screen's 1920x1080`);
    const file = join(dir, `${prefix}-${sys.name}.png`);
    await writeFile(file, Buffer.from(px.url.slice(px.url.indexOf(',') + 1), 'base64'));
    const { stdout } = await execFileP(quality, ['-a', sharer, '-b', file]);
    const res = JSON.parse(stdout);
    out[sys.name] = { ssim_text: res.ssim, psnr_text_db: res.psnr_db };
  }
  return out;
}
