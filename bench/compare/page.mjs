// Functions that run inside the watching pages (page.evaluate and init
// scripts): byte counting, the probe watcher, first-picture timing and the
// canvas snapshot for legibility.

// countBytes runs in each page before its scripts: every byte the page
// receives on a WebSocket is counted (QuickHelp: the encoded frames from the
// console backend; noVNC: the RFB stream from websockify).
export function countBytes({ frames }) {
  window.__qhBytes = 0;
  // Draws on a canvas in the document (both viewers draw each new picture
  // on their visible canvas with drawImage or putImageData; their back
  // buffers and the watcher's own canvases are not in the document).
  window.__qhDraws = 0;
  for (const m of ['drawImage', 'putImageData']) {
    const native = CanvasRenderingContext2D.prototype[m];
    CanvasRenderingContext2D.prototype[m] = function (...a) {
      if (this.canvas.isConnected) window.__qhDraws++;
      return native.apply(this, a);
    };
  }
  // QuickHelp's frames (wire/frame.go: version 1, flags bit 0 keyframe,
  // codec, capture time, sequence number): keyframes and frames the
  // console backend skipped for a slow page (gaps in the sequence).
  window.__qhKeys = 0;
  window.__qhFrames = 0;
  window.__qhFrameBytes = 0;
  window.__qhKeyBytes = 0;
  window.__qhSkipped = 0;
  let seq = -1;
  const Native = window.WebSocket;
  // A function returning the native socket, not a subclass: noVNC does not
  // work with a subclassed WebSocket.
  function Counting(...a) {
    const ws = new Native(...a);
    ws.addEventListener('message', (ev) => {
      const d = ev.data;
      window.__qhBytes += typeof d === 'string' ? d.length : (d.byteLength ?? d.size ?? 0);
      if (frames && d instanceof ArrayBuffer && d.byteLength >= 16) {
        const v = new DataView(d);
        if (v.getUint8(0) === 1 && v.getUint8(2) >= 1 && v.getUint8(2) <= 3) {
          window.__qhFrames++;
          window.__qhFrameBytes += d.byteLength;
          if (v.getUint8(1) & 1) {
            window.__qhKeys++;
            window.__qhKeyBytes += d.byteLength;
          }
          const n = v.getUint32(12);
          if (seq >= 0 && n > seq + 1) window.__qhSkipped += n - seq - 1;
          seq = n;
        }
      }
    });
    return ws;
  }
  Counting.prototype = Native.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Counting[k] = Native[k];
  window.WebSocket = Counting;
}

// watch runs in the page: every animation frame it reads the probe's pixel
// and a 192x108 thumbnail of the canvas, and records when the probe showed
// each colour, when the picture changed (picture updates) and in how many
// animation frames the viewer drew on its canvas (canvas frames).
export function watch({ selector, probe }) {
  const canvas = document.querySelector(selector);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const thumb = new OffscreenCanvas(192, 108).getContext('2d', { willReadFrequently: true });
  const st = {
    colours: [], updates: [], drawn: 0, bytes0: window.__qhBytes, keys0: window.__qhKeys, keyBytes0: window.__qhKeyBytes,
    skipped0: window.__qhSkipped, frames0: window.__qhFrames, frameBytes0: window.__qhFrameBytes, t0: performance.timeOrigin + performance.now(),
  };
  window.__qhWatch = st;
  let last = '', lastHash = 0, lastDraws = window.__qhDraws;
  const tick = () => {
    if (st.stop) return;
    const now = performance.timeOrigin + performance.now();
    if (window.__qhDraws !== lastDraws) {
      st.drawn++;
      lastDraws = window.__qhDraws;
    }
    const d = ctx.getImageData(probe.x + probe.w / 2, probe.y + probe.h / 2, 1, 1).data;
    const rgb = [d[0], d[1], d[2]].map((v) => v.toString(16).padStart(2, '0')).join('');
    if (rgb !== last) {
      st.colours.push([now, d[0], d[1], d[2]]);
      last = rgb;
    }
    thumb.drawImage(canvas, 0, 0, 192, 108);
    const px = thumb.getImageData(0, 0, 192, 108).data;
    let h = 0;
    for (let i = 0; i < px.length; i += 4) h = (Math.imul(h, 31) + px[i] + (px[i + 1] << 8) + (px[i + 2] << 16)) | 0;
    if (h !== lastHash) {
      st.updates.push(now);
      lastHash = h;
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

// whenDecoded runs in the QuickHelp page before Allow: it records the time
// the remote screen first reports a decoded frame (data-decoded > 0).
export function whenDecoded() {
  window.__qhFirstDecoded = null;
  const check = () => {
    const el = document.querySelector('[data-testid="remote-screen"]');
    if (window.__qhFirstDecoded === null && el && Number(el.getAttribute('data-decoded')) > 0) {
      window.__qhFirstDecoded = performance.timeOrigin + performance.now();
      obs.disconnect();
    }
  };
  const obs = new MutationObserver(check);
  obs.observe(document.documentElement, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-decoded'] });
  check();
}

// canvasPixels returns the rectangle of the canvas as a PNG data URL.
export function canvasPixels({ selector, rect }) {
  const src = document.querySelector(selector);
  const c = document.createElement('canvas');
  c.width = rect.w;
  c.height = rect.h;
  c.getContext('2d').drawImage(src, rect.x, rect.y, rect.w, rect.h, 0, 0, rect.w, rect.h);
  return { url: c.toDataURL('image/png'), width: src.width, height: src.height };
}
