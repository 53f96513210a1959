import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CODEC_VP8, decodeFrame, encodeFrame, FrameError, FrameGate, type Frame } from './frame';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../../wire/testdata/${name}`, import.meta.url)));

describe('decodeFrame against wire/testdata (shared with the Go test)', () => {
  const cases = [
    { file: 'frame-vp8-key.bin', keyframe: true, captureUsec: 1700000000123456, seq: 1, size: 62 },
    { file: 'frame-vp8-delta.bin', keyframe: false, captureUsec: 1700000000156789, seq: 2, size: 25 },
  ];
  for (const c of cases) {
    it(c.file, () => {
      const raw = fixture(c.file);
      const f = decodeFrame(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
      expect(f.keyframe).toBe(c.keyframe);
      expect(f.codec).toBe(CODEC_VP8);
      expect(f.captureUsec).toBe(c.captureUsec);
      expect(f.seq).toBe(c.seq);
      expect(f.data.byteLength).toBe(c.size);
      if (c.keyframe) expect([...f.data.subarray(3, 6)]).toEqual([0x9d, 0x01, 0x2a]);
      expect(encodeFrame(f)).toEqual(raw);
    });
  }
});

describe('decodeFrame rejects', () => {
  const good = fixture('frame-vp8-key.bin');
  const mutate = (i: number, v: number) => {
    const b = good.slice();
    b[i] = v;
    return b;
  };
  const cases: [string, Uint8Array][] = [
    ['short', good.subarray(0, 15)],
    ['empty', new Uint8Array(0)],
    ['version 2', mutate(0, 2)],
    ['codec 0', mutate(2, 0)],
    ['codec 4', mutate(2, 4)],
  ];
  for (const [name, b] of cases) {
    it(name, () => expect(() => decodeFrame(b)).toThrow(FrameError));
  }
});

describe('FrameGate', () => {
  const f = (seq: number, keyframe = false): Frame => ({ seq, keyframe, codec: CODEC_VP8, captureUsec: 0, data: new Uint8Array() });

  it('drops deltas until the first keyframe and asks once', () => {
    const g = new FrameGate(3);
    expect(g.accept(f(10))).toEqual({ decode: false, requestKeyframe: true });
    expect(g.accept(f(11))).toEqual({ decode: false, requestKeyframe: false });
    expect(g.accept(f(12, true))).toEqual({ decode: true, requestKeyframe: false });
    expect(g.accept(f(13))).toEqual({ decode: true, requestKeyframe: false });
  });

  it('asks for a keyframe after a gap and waits for it', () => {
    const g = new FrameGate(3);
    g.accept(f(1, true));
    expect(g.accept(f(2)).decode).toBe(true);
    expect(g.accept(f(4))).toEqual({ decode: false, requestKeyframe: true });
    expect(g.accept(f(5))).toEqual({ decode: false, requestKeyframe: false });
    expect(g.waitingForKeyframe).toBe(true);
    expect(g.accept(f(6, true)).decode).toBe(true);
    expect(g.waitingForKeyframe).toBe(false);
  });

  it('asks again when the keyframe does not come', () => {
    const g = new FrameGate(2);
    const asked = [1, 2, 3, 4, 5, 6, 7].map((s) => g.accept(f(s)).requestKeyframe);
    expect(asked).toEqual([true, false, false, true, false, false, true]);
  });

  it('waits for a keyframe after a decoder error', () => {
    const g = new FrameGate();
    g.accept(f(1, true));
    g.lost();
    expect(g.accept(f(2))).toEqual({ decode: false, requestKeyframe: true });
  });

  it('treats sequence wrap-around as contiguous', () => {
    const g = new FrameGate();
    g.accept(f(0xffffffff, true));
    expect(g.accept(f(0)).decode).toBe(true);
  });
});
