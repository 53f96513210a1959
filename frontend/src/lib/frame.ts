// The bridge's binary video frame: a 16-byte big-endian header followed by
// the encoded frame (wire/frame.go is the reference).

export const FRAME_VERSION = 1;
export const FRAME_HEADER_SIZE = 16;
export const MAX_FRAME_BYTES = 8 << 20;

export const CODEC_VP8 = 1;
export const CODEC_H264 = 2;
export const CODEC_VP9 = 3;

export interface Frame {
  keyframe: boolean;
  codec: number;
  /** capture time, microseconds since the Unix epoch (sharer clock) */
  captureUsec: number;
  seq: number;
  data: Uint8Array;
}

export class FrameError extends Error {}

/** decodeFrame parses one binary bridge message; data aliases the input. */
export function decodeFrame(buf: ArrayBuffer | Uint8Array): Frame {
  const bytes = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
  if (bytes.byteLength < FRAME_HEADER_SIZE) {
    throw new FrameError(`frame of ${bytes.byteLength} bytes is shorter than the header`);
  }
  if (bytes.byteLength > FRAME_HEADER_SIZE + MAX_FRAME_BYTES) {
    throw new FrameError('frame too large');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint8(0);
  if (version !== FRAME_VERSION) {
    throw new FrameError(`frame version ${version}`);
  }
  const codec = view.getUint8(2);
  if (codec < CODEC_VP8 || codec > CODEC_VP9) {
    throw new FrameError(`frame codec ${codec}`);
  }
  // Microseconds since 1970 fit a double exactly until the year 2255.
  const captureUsec = Number(view.getBigUint64(4, false));
  return {
    keyframe: (view.getUint8(1) & 1) !== 0,
    codec,
    captureUsec,
    seq: view.getUint32(12, false),
    data: bytes.subarray(FRAME_HEADER_SIZE),
  };
}

/** encodeFrame is the inverse of decodeFrame (tests and tools). */
export function encodeFrame(f: Frame): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_SIZE + f.data.byteLength);
  const view = new DataView(out.buffer);
  view.setUint8(0, FRAME_VERSION);
  view.setUint8(1, f.keyframe ? 1 : 0);
  view.setUint8(2, f.codec);
  view.setBigUint64(4, BigInt(f.captureUsec), false);
  view.setUint32(12, f.seq, false);
  out.set(f.data, FRAME_HEADER_SIZE);
  return out;
}

/** codecString is the WebCodecs codec name of a bridge codec. */
export function codecString(codec: number): string {
  switch (codec) {
    case CODEC_VP8:
      return 'vp8';
    case CODEC_VP9:
      return 'vp09.00.10.08';
    case CODEC_H264:
      return 'avc1.42E01F';
    default:
      throw new FrameError(`frame codec ${codec}`);
  }
}

/**
 * FrameGate decides which frames go to the decoder: at the start, after a gap
 * in sequence numbers or after a decoder error nothing but a keyframe can be
 * decoded, so deltas are dropped until one arrives. It asks for a keyframe
 * once on entering that state and again every retryAfter dropped frames in
 * case the request or the keyframe was lost.
 */
export class FrameGate {
  private lastSeq: number | null = null;
  private needKey = true;
  private dropsSinceRequest: number | null = null;

  constructor(private readonly retryAfter = 30) {}

  accept(f: Frame): { decode: boolean; requestKeyframe: boolean } {
    const gap = this.lastSeq !== null && f.seq !== ((this.lastSeq + 1) >>> 0);
    this.lastSeq = f.seq;
    if (f.keyframe) {
      this.needKey = false;
      this.dropsSinceRequest = null;
      return { decode: true, requestKeyframe: false };
    }
    if (gap) {
      this.lost();
    }
    if (!this.needKey) {
      return { decode: true, requestKeyframe: false };
    }
    if (this.dropsSinceRequest === null || this.dropsSinceRequest >= this.retryAfter) {
      this.dropsSinceRequest = 0;
      return { decode: false, requestKeyframe: true };
    }
    this.dropsSinceRequest++;
    return { decode: false, requestKeyframe: false };
  }

  /** lost is called on a decoder error: wait for (and ask for) the next keyframe. */
  lost(): void {
    if (!this.needKey) {
      this.needKey = true;
      this.dropsSinceRequest = null;
    }
  }

  get waitingForKeyframe(): boolean {
    return this.needKey;
  }
}
