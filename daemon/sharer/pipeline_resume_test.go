//go:build !darwin

package sharer

import (
	"bytes"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/daemon/capture"
	"github.com/quickhelp/quickhelp/daemon/encode"
)

// gateOnEncode is an encoder that closes the gate while it encodes the
// frame numbered closeAt, as a pause that lands during encoding does.
type gateOnEncode struct {
	VideoEncoder
	n       int
	closeAt int
	close   func()
	last    []byte // the frame encoded when the gate closed
}

func (g *gateOnEncode) Encode(img *capture.Image, key bool) ([]byte, bool, error) {
	data, isKey, err := g.VideoEncoder.Encode(img, key)
	if g.n++; g.n == g.closeAt {
		g.last = data
		g.close()
	}
	return data, isKey, err
}

// A frame encoded while the gate closes is in the encoder's reference:
// it goes first when the gate opens again, and the frames after it are
// deltas that decode on top of the picture the helper kept, with no
// keyframe (a resume used to send a blurry whole picture).
func TestPipelineResumesFromTheHelpersPicture(t *testing.T) {
	var allowed atomic.Bool
	allowed.Store(true)
	var enc *gateOnEncode
	newEnc := func(w, h, kbps, fps int) (VideoEncoder, error) {
		e, err := newVP8Encoder(w, h, kbps, fps)
		if err != nil {
			return nil, err
		}
		enc = &gateOnEncode{VideoEncoder: e, closeAt: 5, close: func() { allowed.Store(false) }}
		return enc, nil
	}
	sink := &recordingSink{}
	p := newPipeline(capture.NewPattern(320, 240), newEnc, sink.write, allowed.Load, 30, 500, slog.New(slog.DiscardHandler))
	startPipeline(t, p)

	waitFor(t, "4 frames", func() bool { return len(sink.snapshot()) >= 4 })
	time.Sleep(200 * time.Millisecond)
	if n := len(sink.snapshot()); n != 4 {
		t.Fatalf("%d frames sent; want the 4 before the gate closed", n)
	}
	allowed.Store(true)
	p.poke()
	waitFor(t, "frames after reopening", func() bool { return len(sink.snapshot()) >= 10 })
	frames := sink.snapshot()
	if !bytes.Equal(frames[4].data, enc.last) {
		t.Error("the first frame after reopening is not the one encoded as the gate closed")
	}
	dec, err := encode.NewVP8Decoder()
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	for i, f := range frames {
		if f.key != (i == 0) {
			t.Errorf("frame %d keyframe = %v; want only the first", i, f.key)
		}
		if _, err := dec.Decode(f.data); err != nil {
			t.Fatalf("frame %d does not decode after the ones before: %v", i, err)
		}
	}
}
