package main

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Histogram buckets latencies in 50 µs steps up to 2 s; slower samples land
// in the last bucket. Fixed buckets let workers merge by adding counts.
const (
	bucketWidth = 50 * time.Microsecond
	numBuckets  = int(2*time.Second/bucketWidth) + 1
)

// histogram is safe for concurrent Add.
type histogram struct{ counts [numBuckets]atomic.Int64 }

func (h *histogram) Add(d time.Duration) {
	i := int(d / bucketWidth)
	if i < 0 {
		i = 0
	}
	if i >= numBuckets {
		i = numBuckets - 1
	}
	h.counts[i].Add(1)
}

// Sparse returns the non-empty buckets, for sending between processes.
func (h *histogram) Sparse() map[int]int64 {
	out := map[int]int64{}
	for i := range h.counts {
		if n := h.counts[i].Load(); n > 0 {
			out[i] = n
		}
	}
	return out
}

// quantiles merges sparse histograms and returns the q-quantiles in ms
// (upper bucket edge, so results never flatter) and the sample count.
func quantiles(parts []map[int]int64, qs ...float64) ([]float64, int64) {
	var merged [numBuckets]int64
	var total int64
	for _, p := range parts {
		for i, n := range p {
			if i >= 0 && i < numBuckets {
				merged[i] += n
				total += n
			}
		}
	}
	out := make([]float64, len(qs))
	if total == 0 {
		return out, 0
	}
	for qi, q := range qs {
		want := int64(q*float64(total) + 0.5)
		if want < 1 {
			want = 1
		}
		var seen int64
		for i, n := range merged {
			seen += n
			if seen >= want {
				out[qi] = float64(time.Duration(i+1)*bucketWidth) / float64(time.Millisecond)
				break
			}
		}
	}
	return out, total
}

// rssKB reads VmRSS of a process ("self" or a pid) from /proc; 0 when
// unavailable (not Linux).
func rssKB(pid string) int64 {
	f, err := os.Open("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// raiseFileLimit lifts the soft open-files limit to the hard one: every
// session needs two sockets on each side.
func raiseFileLimit() uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0
	}
	if rl.Cur < rl.Max {
		rl.Cur = rl.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl)
		_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl)
	}
	return rl.Cur
}
