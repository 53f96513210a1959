// The markdown written next to each run's JSON: one row per run and
// workload, then a summary per workload over all runs.
import { q, r1 } from './measure.mjs';

const ratio = (a, b) => (a === null || b === null || a === undefined || b === undefined || b === 0 ? '–' : (a / b).toFixed(2) + '×');
const median = (xs) => {
  const s = xs.filter((v) => v !== null && v !== undefined).sort((a, b) => a - b);
  if (!s.length) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const minOf = (xs) => {
  const s = xs.filter((v) => v !== null && v !== undefined);
  return s.length ? Math.min(...s) : null;
};
const fmt = (v) => (v === null || v === undefined ? '–' : String(v));
// PSNR: null is identical pictures (infinite), undefined not measured.
const fmtPSNR = (v) => (v === null ? '∞' : v === Infinity ? '∞' : fmt(v));
const minPSNR = (xs) => {
  const s = xs.filter((v) => v !== undefined).map((v) => (v === null ? Infinity : v));
  return s.length ? Math.min(...s) : undefined;
};
const pair = (a, b) => `${fmt(a)} / ${fmt(b)}`;

export function rowsTable(rows) {
  const md = ['| run | workload | load | net kbit/s QH / VNC (ratio) | page kbit/s QH / VNC | updates/s QH / VNC | canvas frames/s QH / VNC | QH video frames/s | g2g p50 QH / VNC ms | g2g p95 QH / VNC ms | stalls > 200 ms QH / VNC | sharer CPU % QH / VNC | SSIM text QH / VNC | PSNR text dB QH / VNC |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    const a = r.quickhelp, b = r.vnc;
    md.push(`| ${r.run} | ${r.workload} | ${r.load_average_1m} | ${pair(a.net_kbps, b.net_kbps)} (${ratio(a.net_kbps, b.net_kbps)}) | ${pair(a.kbps, b.kbps)} | ${pair(a.updates_per_s, b.updates_per_s)} | ${pair(a.canvas_frames_per_s, b.canvas_frames_per_s)} | ${fmt(a.video_frames_per_s)} | ${pair(a.g2g_p50_ms, b.g2g_p50_ms)} | ${pair(a.g2g_p95_ms, b.g2g_p95_ms)} | ${pair(a.stalls_over_200ms, b.stalls_over_200ms)} | ${pair(a.sharer_cpu_pct_of_core, b.sharer_cpu_pct_of_core)} | ${pair(a.ssim_text, b.ssim_text)} | ${fmtPSNR(a.psnr_text_db)} / ${fmtPSNR(b.psnr_text_db)} |`);
  }
  return md;
}

// summarise gives each workload's figures over all its runs.
export function summarise(rows) {
  const out = {};
  for (const name of [...new Set(rows.map((r) => r.workload))]) {
    const rs = rows.filter((r) => r.workload === name);
    const sys = (k) => {
      const xs = rs.map((r) => r[k]);
      const g2g = xs.flatMap((x) => x.g2g_ms).sort((a, b) => a - b);
      const stalls = xs.map((x) => x.stalls_over_200ms);
      return {
        stalls_total: stalls.reduce((a, b) => a + b, 0), stalls_worst_run: Math.max(...stalls),
        probe_changes: xs.reduce((a, x) => a + x.probe_changes, 0), probe_missed: xs.reduce((a, x) => a + x.probe_missed, 0),
        g2g_p50_ms: r1(q(g2g, 0.5)), g2g_p95_ms: r1(q(g2g, 0.95)),
        median_net_kbps: r1(median(xs.map((x) => x.net_kbps))), median_page_kbps: r1(median(xs.map((x) => x.kbps))),
        median_updates_per_s: r1(median(xs.map((x) => x.updates_per_s))),
        median_video_frames_per_s: r1(median(xs.map((x) => x.video_frames_per_s))),
        median_canvas_frames_per_s: r1(median(xs.map((x) => x.canvas_frames_per_s))),
        median_sharer_cpu_pct: r1(median(xs.map((x) => x.sharer_cpu_pct_of_core))),
        ssim_text_min: minOf(xs.map((x) => x.ssim_text)), psnr_text_db_min: minPSNR(xs.map((x) => x.psnr_text_db)),
      };
    };
    const s = { runs: rs.length, quickhelp: sys('quickhelp'), vnc: sys('vnc') };
    s.net_kbps_ratio = s.vnc.median_net_kbps ? r1(s.quickhelp.median_net_kbps / s.vnc.median_net_kbps) : null;
    if (name === 'start') {
      const a = rs.map((r) => r.start.allow_to_first_frame_ms).sort((x, y) => x - y);
      const v = rs.map((r) => r.start.vnc_reload_to_first_update_ms).sort((x, y) => x - y);
      s.allow_to_first_frame_ms = { p50: r1(median(a)), max: r1(a.at(-1)) };
      s.vnc_reload_to_first_update_ms = { p50: r1(median(v)), max: r1(v.at(-1)) };
    }
    if (name === 'motion') {
      s.painter_cpu_pct_median = r1(median(rs.map((r) => r.motion.painter_cpu_pct_of_core)));
      s.painter_fps_median = r1(median(rs.map((r) => r.motion.painter_fps)));
    }
    out[name] = s;
  }
  return out;
}

export function summaryTable(summary) {
  const md = ['| workload | runs | stalls > 200 ms QH / VNC (total, worst run) | g2g p50 QH / VNC ms | g2g p95 QH / VNC ms | median net kbit/s QH / VNC (ratio) | median page kbit/s QH / VNC | median updates/s QH / VNC | median canvas frames/s QH / VNC | QH video frames/s | median sharer CPU % QH / VNC | min SSIM text QH / VNC | min PSNR text dB QH / VNC | other |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|'];
  for (const [name, s] of Object.entries(summary)) {
    const a = s.quickhelp, b = s.vnc;
    let other = '';
    if (s.allow_to_first_frame_ms) other = `Allow → first frame p50 ${s.allow_to_first_frame_ms.p50} ms (max ${s.allow_to_first_frame_ms.max}); noVNC reload → first update p50 ${s.vnc_reload_to_first_update_ms.p50} ms`;
    if (s.painter_fps_median !== undefined) other = `painter ${s.painter_fps_median} frames/s at ${s.painter_cpu_pct_median} % CPU`;
    md.push(`| ${name} | ${s.runs} | ${a.stalls_total}, ${a.stalls_worst_run} / ${b.stalls_total}, ${b.stalls_worst_run} | ${pair(a.g2g_p50_ms, b.g2g_p50_ms)} | ${pair(a.g2g_p95_ms, b.g2g_p95_ms)} | ${pair(a.median_net_kbps, b.median_net_kbps)} (${fmt(s.net_kbps_ratio)}×) | ${pair(a.median_page_kbps, b.median_page_kbps)} | ${pair(a.median_updates_per_s, b.median_updates_per_s)} | ${pair(a.median_canvas_frames_per_s, b.median_canvas_frames_per_s)} | ${fmt(a.median_video_frames_per_s)} | ${pair(a.median_sharer_cpu_pct, b.median_sharer_cpu_pct)} | ${pair(a.ssim_text_min, b.ssim_text_min)} | ${fmtPSNR(a.psnr_text_db_min)} / ${fmtPSNR(b.psnr_text_db_min)} | ${other} |`);
  }
  return md;
}
