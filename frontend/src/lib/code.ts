// Session codes are 8 Crockford base32 characters, shown as ABCD-EFGH.

const crockford = /^[0-9A-HJKMNP-TV-Z]{8}$/;

/** Normalise what a person typed or the service sent to its 8 characters, or '' if it is not a code. */
export function normalizeCode(input: string): string {
  const s = input
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  return crockford.test(s) ? s : '';
}

/** formatCode renders a code as ABCD-EFGH; anything not a code comes back unchanged. */
export function formatCode(input: string): string {
  const s = normalizeCode(input);
  return s ? `${s.slice(0, 4)}-${s.slice(4)}` : input;
}

/** spokenCode spaces the characters so screen readers read them one by one. */
export function spokenCode(input: string): string {
  const s = normalizeCode(input) || input;
  return s.split('').join(' ');
}

/** MAX_CODE_MS is the longest a code lives (the service may only shorten it). */
export const MAX_CODE_MS = 10 * 60_000;

/**
 * codeMsLeft is how long a code has left. The page clock ticks every 250 ms,
 * so right after the code arrives "now" may lag: never show more than a
 * code's lifetime (10:00, not 10:01).
 */
export function codeMsLeft(expiresAt: number, now: number): number {
  return Math.min(expiresAt - now, MAX_CODE_MS);
}

/** formatCountdown renders the milliseconds left as m:ss, never negative. */
export function formatCountdown(msLeft: number): string {
  const total = Math.max(0, Math.ceil(msLeft / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${m}:${s.toString().padStart(2, '0')}`;
}
