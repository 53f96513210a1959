// Command video measures the sharer's video pipeline on a private Xvfb:
// capture, colour conversion and VP8 encoding at 1080p, encoded size for a
// still and a scrolling screen, and the process CPU used by the capture
// loop while nothing changes. It writes the results as JSON.
//
//	go run ./bench/video -out bench/results/video.json
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/quickhelp/quickhelp/daemon/capture"
	"github.com/quickhelp/quickhelp/daemon/encode"
	"github.com/quickhelp/quickhelp/daemon/x11/xvfb"
)

// Stat summarises one measurement series.
type Stat struct {
	N      int     `json:"n"`
	Median float64 `json:"median"`
	P95    float64 `json:"p95"`
	Mean   float64 `json:"mean"`
	Unit   string  `json:"unit"`
}

// Report is the JSON document written to -out.
type Report struct {
	When      time.Time `json:"when"`
	GoVersion string    `json:"go_version"`
	CPUs      int       `json:"cpus"`
	Width     int       `json:"width"`
	Height    int       `json:"height"`
	LoadAvg   string    `json:"load_average"` // /proc/loadavg at the start: the machine may be shared
	CPUUsed   int       `json:"vp8_cpu_used"`
	Threads   int       `json:"vp8_threads"`
	Bitrate   int       `json:"vp8_bitrate_kbps"`

	CaptureMs         Stat `json:"capture_ms"`          // forced grab through MIT-SHM
	DamageToFrameMs   Stat `json:"damage_to_frame_ms"`  // paint finished → Next returns
	ConvertMs         Stat `json:"convert_ms"`          // libyuv BGRA → I420
	EncodeStaticMs    Stat `json:"encode_static_ms"`    // conversion + VP8, still screen
	EncodeScrollingMs Stat `json:"encode_scrolling_ms"` // conversion + VP8, scrolling text
	BytesStatic       Stat `json:"bytes_per_frame_static"`
	BytesScrolling    Stat `json:"bytes_per_frame_scrolling"`

	StaticScreen StaticCPU `json:"sharer_cpu_static_screen"`
}

// StaticCPU is the capture loop's cost while the screen does not change.
type StaticCPU struct {
	Seconds    float64 `json:"seconds"`
	CPUSeconds float64 `json:"cpu_seconds"` // user + system of this process
	CPUPercent float64 `json:"cpu_percent_of_one_core"`
	Frames     int     `json:"frames_produced"`
}

func main() {
	out := flag.String("out", "bench/results/video.json", "where to write the JSON report")
	display := flag.Int("display", 104, "Xvfb display number to use (must be free)")
	frames := flag.Int("frames", 120, "frames per series")
	cpuUsed := flag.Int("cpu-used", encode.DefaultCPUUsed, "VP8 cpu-used")
	threads := flag.Int("threads", encode.DefaultThreads, "VP8 encoder threads")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*out, *display, *frames, *cpuUsed, *threads, log); err != nil {
		log.Error("video bench failed", "err", err)
		os.Exit(1)
	}
}

const width, height = 1920, 1080

func run(out string, display, frames, cpuUsed, threads int, log *slog.Logger) error {
	if frames < 10 {
		return errors.New("need at least 10 frames")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	srv, err := xvfb.Start(ctx, display, width, height)
	if err != nil {
		return err
	}
	defer srv.Close()
	painter, err := xvfb.NewPainter(srv.Display)
	if err != nil {
		return err
	}
	defer painter.Close()
	doc := capture.TextPage(width, height*6, 1)
	if err := painter.Put(0, 0, width, height, doc); err != nil {
		return err
	}
	src, err := capture.New(capture.Config{Display: srv.Display, MaxFPS: 240, Logger: log})
	if err != nil {
		return err
	}
	defer src.Close()
	enc, err := encode.NewVP8(encode.Config{Width: width, Height: height, CPUUsed: cpuUsed, Threads: threads})
	if err != nil {
		return err
	}
	defer enc.Close()

	r := Report{When: time.Now().UTC(), GoVersion: runtime.Version(), CPUs: runtime.NumCPU(),
		Width: width, Height: height, CPUUsed: cpuUsed, Threads: threads, Bitrate: enc.Bitrate(),
		LoadAvg: loadAverage()}
	log.Info("measuring capture")
	if r.CaptureMs, err = measureCapture(ctx, src, frames); err != nil {
		return err
	}
	log.Info("measuring conversion")
	if r.ConvertMs, err = measureConvert(ctx, src, frames); err != nil {
		return err
	}
	log.Info("measuring still screen encoding")
	if r.EncodeStaticMs, r.BytesStatic, err = measureStatic(ctx, src, enc, frames); err != nil {
		return err
	}
	log.Info("measuring scrolling")
	if r.DamageToFrameMs, r.EncodeScrollingMs, r.BytesScrolling, err = measureScrolling(ctx, src, enc, painter, doc, frames); err != nil {
		return err
	}
	log.Info("measuring idle CPU for 5 s")
	if r.StaticScreen, err = measureIdle(ctx, srv.Display, 5*time.Second); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(out, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Println(string(b))
	return nil
}

// measureCapture times forced grabs of a still screen. The pause between
// grabs keeps the frame-rate cap from adding a wait.
func measureCapture(ctx context.Context, src capture.Source, n int) (Stat, error) {
	var ms []float64
	for range n {
		time.Sleep(6 * time.Millisecond)
		src.ForceNext()
		t0 := time.Now()
		if _, err := src.Next(ctx); err != nil {
			return Stat{}, err
		}
		ms = append(ms, millis(time.Since(t0)))
	}
	return summarise(ms, "ms"), nil
}

func measureConvert(ctx context.Context, src capture.Source, n int) (Stat, error) {
	src.ForceNext()
	img, err := src.Next(ctx)
	if err != nil {
		return Stat{}, err
	}
	dst := image.NewYCbCr(image.Rect(0, 0, img.Width, img.Height), image.YCbCrSubsampleRatio420)
	var ms []float64
	for range n {
		t0 := time.Now()
		if err := encode.BGRAToI420(dst, img.Pix, img.Stride); err != nil {
			return Stat{}, err
		}
		ms = append(ms, millis(time.Since(t0)))
	}
	return summarise(ms, "ms"), nil
}

// measureStatic encodes forced grabs of a still screen (what a keyframe
// request or a rate-limited refresh costs once quality has converged).
func measureStatic(ctx context.Context, src capture.Source, enc *encode.VP8, n int) (Stat, Stat, error) {
	var ms, size []float64
	for i := range n + 20 {
		time.Sleep(6 * time.Millisecond)
		src.ForceNext()
		img, err := src.Next(ctx)
		if err != nil {
			return Stat{}, Stat{}, err
		}
		t0 := time.Now()
		frame, _, err := enc.Encode(img, i == 0)
		if err != nil {
			return Stat{}, Stat{}, err
		}
		if i >= 20 { // skip the keyframe and the quality ramp
			ms = append(ms, millis(time.Since(t0)))
			size = append(size, float64(len(frame)))
		}
	}
	return summarise(ms, "ms"), summarise(size, "bytes"), nil
}

// measureScrolling scrolls the screen by 8 rows per frame, like a browser,
// and measures the damage-driven path end to end.
func measureScrolling(ctx context.Context, src capture.Source, enc *encode.VP8, p *xvfb.Painter, doc []byte, n int) (Stat, Stat, Stat, error) {
	const step = 8
	var latency, ms, size []float64
	top := height
	for i := range n {
		if err := p.Scroll(0, 0, width, height, step); err != nil {
			return Stat{}, Stat{}, Stat{}, err
		}
		row := top % (height*6 - step)
		if err := p.Put(0, height-step, width, step, doc[row*width*4:(row+step)*width*4]); err != nil {
			return Stat{}, Stat{}, Stat{}, err
		}
		top += step
		painted := time.Now()
		img, err := src.Next(ctx)
		if err != nil {
			return Stat{}, Stat{}, Stat{}, err
		}
		got := time.Now()
		frame, _, err := enc.Encode(img, false)
		if err != nil {
			return Stat{}, Stat{}, Stat{}, err
		}
		if i >= 5 {
			latency = append(latency, millis(got.Sub(painted)))
			ms = append(ms, millis(time.Since(got)))
			size = append(size, float64(len(frame)))
		}
		time.Sleep(33 * time.Millisecond) // about 30 fps of scrolling
	}
	return summarise(latency, "ms"), summarise(ms, "ms"), summarise(size, "bytes"), nil
}

// measureIdle runs a capture loop on the still screen and reports the CPU
// this process used: with damage-driven capture it should be about zero.
func measureIdle(ctx context.Context, display string, d time.Duration) (StaticCPU, error) {
	src, err := capture.New(capture.Config{Display: display})
	if err != nil {
		return StaticCPU{}, err
	}
	defer src.Close()
	if _, err := src.Next(ctx); err != nil { // the first frame is immediate
		return StaticCPU{}, err
	}
	runtime.GC()
	before, err := cpuTime()
	if err != nil {
		return StaticCPU{}, err
	}
	loopCtx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	frames := 0
	for {
		if _, err := src.Next(loopCtx); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				break
			}
			return StaticCPU{}, err
		}
		frames++
	}
	elapsed := time.Since(start)
	after, err := cpuTime()
	if err != nil {
		return StaticCPU{}, err
	}
	cpu := (after - before).Seconds()
	return StaticCPU{Seconds: elapsed.Seconds(), CPUSeconds: cpu,
		CPUPercent: 100 * cpu / elapsed.Seconds(), Frames: frames}, nil
}

func cpuTime() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, err
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func summarise(v []float64, unit string) Stat {
	if len(v) == 0 {
		return Stat{Unit: unit}
	}
	s := slices.Clone(v)
	slices.Sort(s)
	var sum float64
	for _, x := range s {
		sum += x
	}
	return Stat{N: len(s), Median: s[len(s)/2], P95: s[min(len(s)-1, len(s)*95/100)], Mean: sum / float64(len(s)), Unit: unit}
}
