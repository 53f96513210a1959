//go:build linux

// Package delayline is a virtual Ethernet cable with a fixed one-way delay
// between two Linux network namespaces, for tests of impaired network paths
// on kernels without netem (no delay qdisc).
//
// Design: the cable is two TAP devices, one created in each namespace (the
// device belongs to the namespace the creating thread is in, so the opening
// thread joins it with setns for the moment of the open). A pair of
// goroutines per direction moves Ethernet frames from one TAP to the other:
// the reader stamps each frame with its due time (arrival + Delay) and puts
// it in a bounded FIFO; the writer sleeps until the head is due and writes
// it out. Every frame has the same delay, so FIFO order is due order. When
// the FIFO is full the new frame is dropped (a tail-drop queue, as a
// router's): memory stays bounded at QueueLen frames per direction, never
// more. Rate limits and loss are left to the kernel (tc tbf and nft on the
// TAP devices), so the cable does one thing.
//
// The devices replace a veth pair: address and route them with ip(8) as
// usual. They disappear when the cable is closed.
package delayline

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// maxFrame is the largest frame read from a TAP: a 1500-byte MTU plus the
// Ethernet header, with room to spare.
const maxFrame = 2048

// DefaultQueueLen is the per-direction FIFO length when Config.QueueLen is 0:
// at 1,500-byte frames about 1.5 MB, enough for 75 ms of a 100 Mbit/s burst.
const DefaultQueueLen = 1024

// End is one end of the cable: a TAP device Name created in the network
// namespace NS (a name under /var/run/netns, as ip-netns uses).
type End struct {
	NS, Name string
}

// Config describes a cable.
type Config struct {
	A, B     End
	Delay    time.Duration // one-way, the same both ways
	QueueLen int           // frames per direction; 0 means DefaultQueueLen
}

// Cable is a running delay line. Close it to remove its devices.
type Cable struct {
	a, b    *os.File
	wg      sync.WaitGroup
	dropped atomic.Uint64
	passed  atomic.Uint64
}

// New creates both devices and starts moving frames.
func New(cfg Config) (*Cable, error) {
	if cfg.Delay < 0 {
		return nil, errors.New("delayline: negative delay")
	}
	if cfg.QueueLen == 0 {
		cfg.QueueLen = DefaultQueueLen
	}
	if cfg.QueueLen < 0 {
		return nil, errors.New("delayline: negative queue length")
	}
	a, err := openTAP(cfg.A)
	if err != nil {
		return nil, err
	}
	b, err := openTAP(cfg.B)
	if err != nil {
		a.Close()
		return nil, err
	}
	c := &Cable{a: a, b: b}
	c.pipe(a, b, cfg)
	c.pipe(b, a, cfg)
	return c, nil
}

// Dropped is the number of frames dropped because a direction's FIFO was
// full.
func (c *Cable) Dropped() uint64 { return c.dropped.Load() }

// Passed is the number of frames delivered to the other end.
func (c *Cable) Passed() uint64 { return c.passed.Load() }

// Close removes the devices and waits for the goroutines; frames still in
// flight are lost, as on an unplugged cable.
func (c *Cable) Close() error {
	err := errors.Join(c.a.Close(), c.b.Close())
	c.wg.Wait()
	return err
}

type held struct {
	due  time.Time
	data []byte
}

// pipe moves frames from src to dst, each Delay after it was read.
func (c *Cable) pipe(src, dst *os.File, cfg Config) {
	fifo := make(chan held, cfg.QueueLen)
	c.wg.Go(func() {
		defer close(fifo)
		for {
			buf := make([]byte, maxFrame)
			n, err := src.Read(buf)
			if err != nil {
				return
			}
			select {
			case fifo <- held{due: time.Now().Add(cfg.Delay), data: buf[:n]}:
			default:
				c.dropped.Add(1)
			}
		}
	})
	c.wg.Go(func() {
		for h := range fifo {
			if d := time.Until(h.due); d > 0 {
				time.Sleep(d)
			}
			if _, err := dst.Write(h.data); err != nil {
				// The other end is closed (or the frame was refused,
				// e.g. the device is down): like a lost frame.
				if errors.Is(err, os.ErrClosed) {
					for range fifo { // let the reader finish
					}
					return
				}
				continue
			}
			c.passed.Add(1)
		}
	})
}

// ifReq is struct ifreq as TUNSETIFF reads it.
type ifReq struct {
	name  [unix.IFNAMSIZ]byte
	flags uint16
	_     [22]byte
}

// openTAP creates the TAP device e.Name inside namespace e.NS and returns
// its file (non-blocking, so Close interrupts a pending Read).
func openTAP(e End) (*os.File, error) {
	if len(e.Name) == 0 || len(e.Name) >= unix.IFNAMSIZ {
		return nil, fmt.Errorf("delayline: bad device name %q", e.Name)
	}
	var fd int
	err := InNamespace(e.NS, func() error {
		var err error
		fd, err = unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("open /dev/net/tun: %w", err)
		}
		var req ifReq
		copy(req.name[:], e.Name)
		req.flags = unix.IFF_TAP | unix.IFF_NO_PI
		if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.TUNSETIFF, uintptr(unsafe.Pointer(&req))); errno != 0 {
			unix.Close(fd)
			return fmt.Errorf("TUNSETIFF %s: %w", e.Name, errno)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("delayline: %s in %s: %w", e.Name, e.NS, err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), e.Name), nil
}

// InNamespace runs fn on an OS thread that has joined the network namespace
// ns (a name under /var/run/netns). Sockets and devices fn creates stay in
// ns. The thread returns to its own namespace afterwards; if it cannot, it
// is never reused (it ends with the goroutine).
func InNamespace(ns string, fn func() error) error {
	target, err := os.Open(filepath.Join("/var/run/netns", filepath.Base(ns)))
	if err != nil {
		return err
	}
	defer target.Close()
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		self, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			done <- err
			return
		}
		defer self.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			done <- fmt.Errorf("setns %s: %w", ns, err)
			return
		}
		ferr := fn()
		if err := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); err != nil {
			// Stay locked: the goroutine's exit ends this thread.
			done <- errors.Join(ferr, fmt.Errorf("setns back: %w", err))
			return
		}
		runtime.UnlockOSThread()
		done <- ferr
	}()
	return <-done
}
