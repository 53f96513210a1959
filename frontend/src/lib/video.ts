// VideoView decodes bridge frames with WebCodecs and draws them on a canvas.

import { DecodeRate } from './decoderate';
import { codecString, decodeFrame, FrameGate, type Frame } from './frame';

export interface VideoViewOptions {
  /** ask the backend for a keyframe (decoder lost sync) */
  requestKeyframe(): void;
  /** ask the sharer for at most fps frames a second (0: no limit); see DecodeRate */
  requestMaxFPS(fps: number): void;
  /** the picture size changed (new monitor, first frame) */
  onSize(width: number, height: number): void;
  /** a frame was drawn */
  onDrawn(f: { seq: number; captureUsec: number }): void;
  /** decoding is impossible (no WebCodecs, unsupported codec) */
  onFatal(message: string): void;
}

/** The decoder may hold this many frames before the view gives up on catching up and waits for a keyframe. */
const MAX_DECODE_QUEUE = 8;

export class VideoView {
  private decoder: VideoDecoder | null = null;
  private codec = 0;
  private readonly gate = new FrameGate();
  private readonly rate: DecodeRate;
  private readonly ctx: CanvasRenderingContext2D;
  private width = 0;
  private height = 0;
  private closed = false;
  /** the newest decoded picture not drawn yet, and whether a draw is scheduled */
  private pending: VideoFrame | null = null;
  private drawScheduled = false;
  decoded = 0;
  dropped = 0;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly opts: VideoViewOptions,
  ) {
    const ctx = canvas.getContext('2d', { alpha: false, desynchronized: true });
    if (!ctx) throw new Error('canvas 2d context unavailable');
    this.ctx = ctx;
    this.rate = new DecodeRate((fps) => this.opts.requestMaxFPS(fps));
  }

  push(buf: ArrayBuffer): void {
    if (this.closed) return;
    let f: Frame;
    try {
      f = decodeFrame(buf);
    } catch (err) {
      console.warn('video: malformed frame', err);
      return;
    }
    if (this.decoder && this.decoder.decodeQueueSize > MAX_DECODE_QUEUE && !f.keyframe) {
      this.gate.lost();
    }
    const verdict = this.gate.accept(f);
    if (verdict.requestKeyframe) this.opts.requestKeyframe();
    if (!verdict.decode) {
      this.dropped++;
      return;
    }
    if (!this.ensureDecoder(f)) return;
    this.rate.sample(this.decoder!.decodeQueueSize);
    try {
      this.decoder!.decode(
        new EncodedVideoChunk({ type: f.keyframe ? 'key' : 'delta', timestamp: f.captureUsec, data: f.data }),
      );
    } catch (err) {
      console.warn('video: decode refused', err);
      this.reset();
    }
  }

  private ensureDecoder(f: Frame): boolean {
    if (this.decoder && this.decoder.state === 'configured' && this.codec === f.codec) return true;
    if (typeof VideoDecoder === 'undefined') {
      this.opts.onFatal('This browser cannot decode video (no WebCodecs).');
      this.closed = true;
      return false;
    }
    if (this.decoder && this.decoder.state !== 'closed') this.decoder.close();
    this.decoder = new VideoDecoder({
      output: (frame) => this.present(frame),
      error: (err) => {
        console.warn('video: decoder error', err);
        this.reset();
      },
    });
    this.codec = f.codec;
    this.decoder.configure({ codec: codecString(f.codec), optimizeForLatency: true });
    return true;
  }

  /**
   * present draws a decoded picture at once, unless the decoder holds more
   * frames: then the picture would be superseded before anyone saw it, so
   * it is only kept (drawn at the next animation frame if nothing newer
   * comes). When the decoder falls behind (a busy machine) its output
   * callbacks stay cheap, so it catches up on its own instead of the view
   * dropping frames and waiting for a keyframe, the costliest frame to
   * send and to decode.
   */
  private present(frame: VideoFrame): void {
    this.rate.decoded();
    this.pending?.close();
    this.pending = null;
    if (this.closed) {
      frame.close();
      return;
    }
    if (!this.decoder || this.decoder.decodeQueueSize === 0) {
      this.draw(frame);
      return;
    }
    this.pending = frame;
    if (this.drawScheduled) return;
    this.drawScheduled = true;
    requestAnimationFrame(() => {
      this.drawScheduled = false;
      const f = this.pending;
      this.pending = null;
      if (f) this.draw(f);
    });
  }

  private draw(frame: VideoFrame): void {
    try {
      if (this.closed) return;
      const w = frame.displayWidth;
      const h = frame.displayHeight;
      if (w !== this.width || h !== this.height) {
        this.width = w;
        this.height = h;
        this.canvas.width = w;
        this.canvas.height = h;
        this.opts.onSize(w, h);
      }
      this.ctx.drawImage(frame, 0, 0, w, h);
      this.decoded++;
      this.opts.onDrawn({ seq: this.decoded, captureUsec: frame.timestamp });
    } finally {
      frame.close();
    }
  }

  /** reset drops the decoder after an error; the next keyframe builds a new one. */
  private reset(): void {
    if (this.decoder && this.decoder.state !== 'closed') {
      try {
        this.decoder.close();
      } catch {
        // already closed by the error
      }
    }
    this.decoder = null;
    this.gate.lost();
    this.opts.requestKeyframe();
  }

  close(): void {
    this.closed = true;
    this.pending?.close();
    this.pending = null;
    if (this.decoder && this.decoder.state !== 'closed') this.decoder.close();
    this.decoder = null;
  }
}
