// The page's end of the UI bridge: one WebSocket to the app backend on
// loopback, JSON both ways plus binary video frames from the backend.

import { parseEvent, type BridgeEvent, type BridgeRequest } from './protocol';

export interface BridgeHandlers {
  onEvent(e: BridgeEvent): void;
  onFrame(data: ArrayBuffer): void;
  onOpen(): void;
  /** replaced is true when another page took over the bridge; no reconnect follows. */
  onClose(replaced: boolean): void;
}

/** STATUS_REPLACED is the close code the backend uses when another page took over. */
export const STATUS_REPLACED = 4001;

declare global {
  interface Window {
    go?: {
      app?: {
        Desktop?: { BridgeURL?: () => Promise<string>; Mode?: () => Promise<string>; GrabKeyboard?: (on: boolean) => Promise<boolean> };
      };
    };
  }
}

const TOKEN_KEY = 'quickhelp.bridge';

/**
 * bridgeURL finds where the backend listens: the desktop app's bound method,
 * or the token in the fragment of the URL the console printed (kept in
 * sessionStorage so a reload works, and removed from the address bar).
 */
export async function bridgeURL(loc: Location = window.location): Promise<string | null> {
  const desktop = window.go?.app?.Desktop?.BridgeURL;
  if (desktop) {
    return desktop();
  }
  const params = new URLSearchParams(loc.hash.replace(/^#/, ''));
  let token = params.get('token');
  if (token) {
    sessionStorage.setItem(TOKEN_KEY, token);
    history.replaceState(null, '', loc.pathname + loc.search);
  } else {
    token = sessionStorage.getItem(TOKEN_KEY);
  }
  if (!token) return null;
  return `ws://${loc.host}/bridge?token=${encodeURIComponent(token)}`;
}

/** Bridge keeps one WebSocket open, reconnecting after a second when it drops. */
export class Bridge {
  private ws: WebSocket | null = null;
  private closed = false;
  private retry: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly url: string,
    private readonly h: BridgeHandlers,
  ) {}

  connect(): void {
    if (this.closed) return;
    const ws = new WebSocket(this.url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => this.h.onOpen();
    ws.onmessage = (m: MessageEvent) => {
      if (typeof m.data === 'string') {
        try {
          this.h.onEvent(parseEvent(m.data));
        } catch (err) {
          console.warn('bridge: dropped a malformed event', err);
        }
      } else if (m.data instanceof ArrayBuffer) {
        this.h.onFrame(m.data);
      }
    };
    ws.onclose = (ev: CloseEvent) => {
      if (this.ws !== ws) return;
      this.ws = null;
      const replaced = ev.code === STATUS_REPLACED;
      if (replaced) this.closed = true;
      this.h.onClose(replaced);
      if (!this.closed) this.retry = setTimeout(() => this.connect(), 1000);
    };
  }

  /** send returns false when the bridge is not open (the message is dropped). */
  send(req: BridgeRequest): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(req));
    return true;
  }

  get open(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  close(): void {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.ws?.close();
  }
}
