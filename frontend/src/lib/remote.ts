// RemoteInput turns the helper's pointer and keyboard on the remote-screen
// canvas into input events (while control is granted) or annotations (while
// a drawing tool is chosen), and draws the sharer's cursor and the helper's
// own drawings on an overlay canvas of the same intrinsic size. Keys are
// read from a transparent text box over the canvas (a canvas gets no input
// method or composition events): physical keys go as key codes, committed
// text (input methods, dead keys, emoji) as text (KeyRouter).

import { KeyRouter } from './keyboard';
import { clampPoint, isEscapeCombination, mouseButton, normalizePoint, unclampedPoint, wheelNotches } from './mapping';
import type { Annotation, BridgeRequest, Point } from './protocol';
import type { CursorState } from './store.svelte';

export type Tool = 'none' | 'pen' | 'laser';

export interface RemoteState {
  control: boolean;
  tool: Tool;
  color: string;
  cursor: CursorState;
}

const STROKE_WIDTH = 4;
const LASER_FADE_MS = 1000;
/** MAX_POINTS_PER_MESSAGE keeps stroke messages under the wire limit (512). */
const MAX_POINTS_PER_MESSAGE = 64;

interface LocalStroke {
  color: string;
  points: Point[];
}

export class RemoteInput {
  private videoW = 0;
  private videoH = 0;
  private pendingMove: Point | null = null;
  private pendingLaser: Point | null = null;
  private stroke: { id: number; color: string; unsent: Point[] } | null = null;
  private nextStrokeID = 1;
  private strokes: LocalStroke[] = [];
  private laser: { p: Point; at: number } | null = null;
  private keysDown = new Set<string>();
  private buttonsDown = new Set<number>();
  private raf = 0;
  private lastOverlay = '';
  private cursorImg: { serial: string; img: HTMLImageElement } | null = null;
  private readonly octx: CanvasRenderingContext2D;
  private readonly cleanup: (() => void)[] = [];
  private readonly router = new KeyRouter();
  /** captured is true while keys go to the sharer (control granted and the key box focused). */
  onCaptureChange: (captured: boolean) => void = () => {};

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly overlay: HTMLCanvasElement,
    private readonly keys: HTMLTextAreaElement,
    private readonly send: (r: BridgeRequest) => void,
    private readonly state: () => RemoteState,
  ) {
    const octx = overlay.getContext('2d');
    if (!octx) throw new Error('canvas 2d context unavailable');
    this.octx = octx;
    const on = <K extends keyof HTMLElementEventMap>(type: K, fn: (e: HTMLElementEventMap[K]) => void, opts?: AddEventListenerOptions) => {
      canvas.addEventListener(type, fn as EventListener, opts);
      this.cleanup.push(() => canvas.removeEventListener(type, fn as EventListener, opts));
    };
    on('pointermove', (e) => this.pointerMove(e));
    on('pointerdown', (e) => this.pointerDown(e));
    // A click on the canvas must not move the focus away from the key box.
    on('mousedown', (e) => {
      e.preventDefault();
      this.focusKeys();
    });
    on('pointerup', (e) => this.pointerUp(e));
    on('pointercancel', (e) => this.pointerUp(e));
    on('wheel', (e) => this.wheel(e), { passive: false });
    on('contextmenu', (e) => {
      if (this.state().control) e.preventDefault();
    });
    const onKeys = <K extends keyof HTMLElementEventMap>(type: K, fn: (e: HTMLElementEventMap[K]) => void) => {
      keys.addEventListener(type, fn as EventListener);
      this.cleanup.push(() => keys.removeEventListener(type, fn as EventListener));
    };
    onKeys('keydown', (e) => this.key(e, true));
    onKeys('keyup', (e) => this.key(e, false));
    onKeys('compositionstart', () => this.router.compositionStart());
    onKeys('compositionend', (e) => {
      this.sendText(this.router.compositionEnd(e.data));
      keys.value = '';
    });
    onKeys('beforeinput', (e) => {
      const d = this.router.beforeInput(e);
      if (!d.allow) e.preventDefault();
      this.sendText(d.text);
    });
    onKeys('input', (e) => {
      if (!(e as InputEvent).isComposing) keys.value = '';
    });
    onKeys('focus', () => this.onCaptureChange(this.captured));
    onKeys('blur', () => {
      this.router.reset();
      keys.value = '';
      this.releaseAll();
      this.onCaptureChange(false);
    });
    this.raf = requestAnimationFrame(this.tick);
  }

  get captured(): boolean {
    return this.state().control && document.activeElement === this.keys;
  }

  /** focusKeys sends the helper's keys to the sharer (while control is granted). */
  focusKeys(): void {
    this.keys.focus({ preventScroll: true });
  }

  setVideoSize(w: number, h: number): void {
    this.videoW = w;
    this.videoH = h;
    this.overlay.width = w;
    this.overlay.height = h;
  }

  private point(e: PointerEvent | WheelEvent): Point | null {
    return normalizePoint(e.clientX, e.clientY, this.canvas.getBoundingClientRect(), this.videoW, this.videoH);
  }

  private pointerMove(e: PointerEvent): void {
    const st = this.state();
    if (st.tool === 'pen' && this.stroke) {
      const p = clampPoint(unclampedPoint(e.clientX, e.clientY, this.canvas.getBoundingClientRect(), this.videoW, this.videoH));
      this.stroke.unsent.push(p);
      this.strokes[this.strokes.length - 1].points.push(p);
      return;
    }
    const p = this.point(e);
    if (!p) return;
    if (st.tool === 'laser') {
      this.pendingLaser = p;
      this.laser = { p, at: performance.now() };
    } else if (st.control && st.tool === 'none') {
      this.pendingMove = p; // coalesced to one move per animation frame
    }
  }

  private pointerDown(e: PointerEvent): void {
    const st = this.state();
    this.focusKeys();
    const p = this.point(e);
    if (!p) return;
    if (st.tool === 'pen') {
      e.preventDefault();
      this.canvas.setPointerCapture(e.pointerId);
      this.stroke = { id: this.nextStrokeID++ >>> 0, color: st.color, unsent: [p] };
      this.strokes.push({ color: st.color, points: [p] });
      return;
    }
    if (st.tool !== 'none' || !st.control) return;
    const b = mouseButton(e.button);
    if (b === null) return;
    e.preventDefault();
    this.canvas.setPointerCapture(e.pointerId);
    this.flushMove();
    this.buttonsDown.add(b);
    this.send({ type: 'input', input: { t: 'down', x: p.x, y: p.y, b } });
  }

  private pointerUp(e: PointerEvent): void {
    if (this.stroke) {
      this.flushStroke(true);
      this.stroke = null;
      return;
    }
    const b = mouseButton(e.button);
    if (b === null || !this.buttonsDown.has(b)) return;
    const p = clampPoint(unclampedPoint(e.clientX, e.clientY, this.canvas.getBoundingClientRect(), this.videoW, this.videoH));
    this.flushMove();
    this.buttonsDown.delete(b);
    this.send({ type: 'input', input: { t: 'up', x: p.x, y: p.y, b } });
  }

  private wheel(e: WheelEvent): void {
    if (!this.state().control || this.state().tool !== 'none') return;
    e.preventDefault();
    const dx = wheelNotches(e.deltaX, e.deltaMode);
    const dy = wheelNotches(e.deltaY, e.deltaMode);
    if (dx === 0 && dy === 0) return;
    this.send({ type: 'input', input: { t: 'wheel', dx, dy } });
  }

  private key(e: KeyboardEvent, down: boolean): void {
    if (!this.captured) return;
    if (down && isEscapeCombination(e)) {
      e.preventDefault();
      this.keys.blur(); // blur releases every held key
      return;
    }
    if (!down) {
      e.preventDefault();
      // Only keys whose press was sent are released: a key of a composition
      // or one pressed before capture started was never pressed remotely.
      if (this.keysDown.delete(e.code)) this.send({ type: 'input', input: { t: 'keyup', c: e.code } });
      return;
    }
    const d = this.router.keydown(e);
    if (d.kind === 'browser') return; // the text follows in composition or beforeinput
    e.preventDefault();
    // The sharer's system repeats held keys itself.
    if (d.kind === 'ignore' || e.repeat) return;
    this.keysDown.add(d.code);
    this.send({ type: 'input', input: { t: 'keydown', c: d.code } });
  }

  private sendText(text: string | null): void {
    if (!text || !this.captured) return;
    this.send({ type: 'input', input: { t: 'text', s: text } });
  }

  /** releaseAll lets go of every key and button the sharer may still think is held. */
  releaseAll(): void {
    if (this.keysDown.size === 0 && this.buttonsDown.size === 0) return;
    this.keysDown.clear();
    this.buttonsDown.clear();
    this.send({ type: 'input', input: { t: 'release-all' } });
  }

  clearDrawings(): void {
    this.strokes = [];
    this.send({ type: 'annotate', annotation: { t: 'clear' } });
  }

  private flushMove(): void {
    if (!this.pendingMove) return;
    const p = this.pendingMove;
    this.pendingMove = null;
    if (this.state().control) this.send({ type: 'input', input: { t: 'move', x: p.x, y: p.y } });
  }

  private flushStroke(done: boolean): void {
    const s = this.stroke;
    if (!s) return;
    while (s.unsent.length > 0 || done) {
      const batch = s.unsent.splice(0, MAX_POINTS_PER_MESSAGE);
      const last = s.unsent.length === 0;
      const a: Annotation = { t: 'stroke', id: s.id, color: s.color, width: STROKE_WIDTH, points: batch };
      if (done && last) a.done = true;
      this.send({ type: 'annotate', annotation: a });
      if (last) break;
    }
  }

  private tick = (): void => {
    this.flushMove();
    if (this.pendingLaser) {
      const p = this.pendingLaser;
      this.pendingLaser = null;
      this.send({ type: 'annotate', annotation: { t: 'laser', x: p.x, y: p.y } });
    }
    if (this.stroke && this.stroke.unsent.length > 0) this.flushStroke(false);
    this.drawOverlay();
    this.raf = requestAnimationFrame(this.tick);
  };

  /** overlayKey summarises what the overlay shows, so unchanged frames are not redrawn. */
  private overlayKey(): string {
    const c = this.state().cursor;
    const points = this.strokes.reduce((n, s) => n + s.points.length, 0);
    return `${this.overlay.width}x${this.overlay.height}|${c.visible}|${c.x}|${c.y}|${c.shape?.serial}|${this.cursorImg?.img.complete}|${this.strokes.length}|${points}`;
  }

  private drawOverlay(): void {
    const key = this.overlayKey();
    if (key === this.lastOverlay && !this.laser) return;
    this.lastOverlay = key;
    const ctx = this.octx;
    const w = this.overlay.width;
    const h = this.overlay.height;
    ctx.clearRect(0, 0, w, h);
    if (w === 0 || h === 0) return;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.lineWidth = STROKE_WIDTH;
    for (const s of this.strokes) {
      ctx.strokeStyle = s.color;
      ctx.beginPath();
      s.points.forEach((p, i) => (i === 0 ? ctx.moveTo(p.x * w, p.y * h) : ctx.lineTo(p.x * w, p.y * h)));
      if (s.points.length === 1) ctx.lineTo(s.points[0].x * w + 0.1, s.points[0].y * h);
      ctx.stroke();
    }
    if (this.laser) {
      const age = performance.now() - this.laser.at;
      if (age > LASER_FADE_MS) {
        this.laser = null;
      } else {
        ctx.globalAlpha = 1 - age / LASER_FADE_MS;
        ctx.fillStyle = '#ff2d2d';
        ctx.beginPath();
        ctx.arc(this.laser.p.x * w, this.laser.p.y * h, 8, 0, Math.PI * 2);
        ctx.fill();
        ctx.globalAlpha = 1;
      }
    }
    this.drawCursor(ctx, w, h);
  }

  private drawCursor(ctx: CanvasRenderingContext2D, w: number, h: number): void {
    const c = this.state().cursor;
    if (!c.visible) return;
    const x = c.x * w;
    const y = c.y * h;
    if (c.shape) {
      const key = `${c.shape.serial}:${c.shape.png.length}`;
      if (!this.cursorImg || this.cursorImg.serial !== key) {
        const img = new Image();
        img.src = `data:image/png;base64,${c.shape.png}`;
        this.cursorImg = { serial: key, img };
      }
      if (this.cursorImg.img.complete && this.cursorImg.img.naturalWidth > 0) {
        ctx.drawImage(this.cursorImg.img, x - c.shape.hotX, y - c.shape.hotY, c.shape.w, c.shape.h);
        return;
      }
    }
    // Default arrow when no shape is known yet.
    ctx.fillStyle = '#ffffff';
    ctx.strokeStyle = '#000000';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x, y + 18);
    ctx.lineTo(x + 5, y + 13);
    ctx.lineTo(x + 12, y + 13);
    ctx.closePath();
    ctx.fill();
    ctx.stroke();
  }

  destroy(): void {
    cancelAnimationFrame(this.raf);
    this.releaseAll();
    for (const f of this.cleanup) f();
  }
}
