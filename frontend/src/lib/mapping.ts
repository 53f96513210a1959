// Mapping the helper's pointer and keyboard to the sharer's monitor.

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * contentRect is where a video of videoW×videoH pixels is drawn inside a box
 * when scaled to fit with its aspect ratio kept (CSS object-fit: contain):
 * bars above and below, or left and right, are not part of the picture.
 */
export function contentRect(box: Rect, videoW: number, videoH: number): Rect {
  if (videoW <= 0 || videoH <= 0 || box.width <= 0 || box.height <= 0) {
    return { ...box };
  }
  const scale = Math.min(box.width / videoW, box.height / videoH);
  const width = videoW * scale;
  const height = videoH * scale;
  return {
    left: box.left + (box.width - width) / 2,
    top: box.top + (box.height - height) / 2,
    width,
    height,
  };
}

/**
 * normalizePoint maps a client position to [0,1]² of the picture, or null if
 * it falls on a letterbox bar (or outside). Edges map inside: 0 and 1 are
 * valid positions of the sharer's monitor.
 */
export function normalizePoint(
  clientX: number,
  clientY: number,
  box: Rect,
  videoW: number,
  videoH: number,
): { x: number; y: number } | null {
  const r = contentRect(box, videoW, videoH);
  if (r.width <= 0 || r.height <= 0) return null;
  const x = (clientX - r.left) / r.width;
  const y = (clientY - r.top) / r.height;
  if (!(x >= 0 && x <= 1 && y >= 0 && y <= 1)) return null;
  return { x, y };
}

/** clampUnit pins a position into [0,1] (pointer up outside still releases the button). */
export function clampPoint(p: { x: number; y: number }): { x: number; y: number } {
  const c = (v: number) => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0);
  return { x: c(p.x), y: c(p.y) };
}

/** unclampedPoint maps like normalizePoint but never returns null; the result may lie outside [0,1]. */
export function unclampedPoint(clientX: number, clientY: number, box: Rect, videoW: number, videoH: number) {
  const r = contentRect(box, videoW, videoH);
  return { x: (clientX - r.left) / (r.width || 1), y: (clientY - r.top) / (r.height || 1) };
}

export const MAX_WHEEL_NOTCHES = 50;

/**
 * wheelNotches turns a WheelEvent delta into notches: lines count as 1/3
 * notch, pages as 5, pixels as 1/100 (one notch of a common mouse is 100
 * pixels in Chromium). Clamped to the wire limit.
 */
export function wheelNotches(delta: number, deltaMode: number): number {
  let n: number;
  switch (deltaMode) {
    case 1:
      n = delta / 3;
      break;
    case 2:
      n = delta * 5;
      break;
    default:
      n = delta / 100;
  }
  if (!Number.isFinite(n)) return 0;
  return Math.max(-MAX_WHEEL_NOTCHES, Math.min(MAX_WHEEL_NOTCHES, Math.round(n * 100) / 100));
}

export interface KeyLike {
  code: string;
  key: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  altKey: boolean;
  metaKey: boolean;
}

/** isEscapeCombination: Shift+Escape leaves keyboard capture instead of going to the sharer. */
export function isEscapeCombination(e: KeyLike): boolean {
  return e.code === 'Escape' && e.shiftKey && !e.ctrlKey && !e.altKey && !e.metaKey;
}

const keyCodePattern = /^[A-Za-z][A-Za-z0-9]{0,31}$/;

/** sendableCode is the physical key to send, or null (unidentified keys, IME composition). */
export function sendableCode(e: KeyLike): string | null {
  if (!keyCodePattern.test(e.code)) return null;
  return e.code;
}

/** mouseButton maps a DOM button number to the wire's, or null for unknown buttons. */
export function mouseButton(b: number): number | null {
  return b >= 0 && b <= 4 ? b : null;
}
