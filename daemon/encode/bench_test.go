package encode

import (
	"fmt"
	"image"
	"testing"

	"github.com/quickhelp/quickhelp/daemon/capture"
)

const benchW, benchH = 1920, 1080

func BenchmarkConvertLibyuv(b *testing.B) {
	src := patternFrame(benchW, benchH, 0)
	dst := image.NewYCbCr(image.Rect(0, 0, benchW, benchH), image.YCbCrSubsampleRatio420)
	b.SetBytes(int64(len(src.Pix)))
	for b.Loop() {
		if err := BGRAToI420(dst, src.Pix, src.Stride); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkConvertGo(b *testing.B) {
	src := patternFrame(benchW, benchH, 0)
	dst := image.NewYCbCr(image.Rect(0, 0, benchW, benchH), image.YCbCrSubsampleRatio420)
	b.SetBytes(int64(len(src.Pix)))
	for b.Loop() {
		bgraToI420Go(dst, src.Pix, src.Stride)
	}
}

// benchEncode encodes 1080p frames (conversion included) and reports the
// mean encoded size; frame(n) supplies the content.
func benchEncode(b *testing.B, cpuUsed, threads int, frame func(n int) []byte) {
	e, err := NewVP8(Config{Width: benchW, Height: benchH, CPUUsed: cpuUsed, Threads: threads})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	// Warm up past the first keyframe and the quality ramp.
	for n := range 20 {
		if _, _, err := e.EncodeBGRA(frame(n), benchW*4, frameTime(n), false); err != nil {
			b.Fatal(err)
		}
	}
	n, total := 20, 0
	for b.Loop() {
		out, _, err := e.EncodeBGRA(frame(n), benchW*4, frameTime(n), false)
		if err != nil {
			b.Fatal(err)
		}
		total += len(out)
		n++
	}
	b.ReportMetric(float64(total)/float64(n-20), "bytes/frame")
}

func BenchmarkEncodeStatic(b *testing.B) {
	doc := capture.TextPage(benchW, benchH, 1)
	benchEncode(b, DefaultCPUUsed, DefaultThreads, func(int) []byte { return doc })
}

func BenchmarkEncodeScrolling(b *testing.B) {
	doc := capture.TextPage(benchW, benchH*4, 1)
	for _, c := range []struct{ cpu, threads int }{{12, 1}, {16, 1}, {16, 2}} {
		b.Run(fmt.Sprintf("cpu-used=%d/threads=%d", c.cpu, c.threads), func(b *testing.B) {
			benchEncode(b, c.cpu, c.threads, func(n int) []byte {
				return scrolled(doc, benchW, benchH, (n*8)%(benchH*3)).Pix
			})
		})
	}
}

// BenchmarkConvertGoParallel measures the conversion Windows uses.
func BenchmarkConvertGoParallel(b *testing.B) {
	src := patternFrame(benchW, benchH, 0)
	dst := image.NewYCbCr(image.Rect(0, 0, benchW, benchH), image.YCbCrSubsampleRatio420)
	b.SetBytes(int64(len(src.Pix)))
	for b.Loop() {
		bgraToI420Parallel(dst, src.Pix, src.Stride)
	}
}
