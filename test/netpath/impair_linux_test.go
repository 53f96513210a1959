//go:build linux

package netpath

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/test/netpath/delayline"
)

// The impaired path of scenario 4, all on the sharer's router: 75 ms of
// delay each way (150 ms round trip), a 2 Mbit/s cap each way and 5 %
// random loss each way.
const (
	impairDelay   = 75 * time.Millisecond
	impairRate    = "2mbit"
	impairLossPct = 5
	// What the helper must still get on the scrolling workload.
	minImpairFPS   = 10
	maxImpairG2G   = time.Second // p95
	maxImpairStall = time.Second
)

// envBenchJSON names a file the impaired-path test writes its figures to
// (make bench; relative to the repository's root); envWindow lengthens the
// measuring window.
const envBenchJSON = "QUICKHELP_BENCH_JSON"

// delayCable joins the sharer's router to the public namespace through a
// delay line (a TAP device at each end) instead of a veth pair.
func (n *network) delayCable(t *testing.T, pubName, pubAddr, rsName, rsAddr string) {
	t.Helper()
	c, err := delayline.New(delayline.Config{
		A:     delayline.End{NS: n.rs, Name: rsName},
		B:     delayline.End{NS: n.pub, Name: pubName},
		Delay: impairDelay,
	})
	if err != nil {
		t.Fatalf("delay line: %v", err)
	}
	// Cleanups run last-in first-out: the cable goes before the namespaces.
	t.Cleanup(func() { c.Close() })
	n.cable = c
	nsRun(t, n.pub, "ip", "addr", "add", pubAddr, "dev", pubName)
	nsRun(t, n.rs, "ip", "addr", "add", rsAddr, "dev", rsName)
	nsRun(t, n.pub, "ip", "link", "set", pubName, "up")
	nsRun(t, n.rs, "ip", "link", "set", rsName, "up")
}

// impair adds the loss and the rate cap on the sharer's router: a token
// bucket on each of its interfaces (uplink on wan, downlink on lan) with a
// 100 ms queue, and random loss on everything it forwards.
func (n *network) impair(t *testing.T) {
	t.Helper()
	for _, dev := range []string{"wan", "lan"} {
		nsRun(t, n.rs, "tc", "qdisc", "add", "dev", dev, "root", "tbf", "rate", impairRate, "burst", "16kb", "latency", "100ms")
	}
	nft(t, n.rs, fmt.Sprintf(`table inet qhloss {
	chain forward {
		type filter hook forward priority filter - 30; policy accept;
		numgen random mod 100 < %d counter drop
	}
}`, impairLossPct))
}

// lossDrops is how many packets the random-loss rule dropped.
func (n *network) lossDrops(t *testing.T) int {
	out, err := exec.Command("ip", "netns", "exec", n.rs, "nft", "list", "table", "inet", "qhloss").CombinedOutput()
	if err != nil {
		t.Fatalf("nft list: %v %s", err, out)
	}
	s := string(out)
	if i := strings.Index(s, "counter packets"); i >= 0 {
		var pkts, bytes int
		if _, err := fmt.Sscanf(s[i:], "counter packets %d bytes %d", &pkts, &bytes); err == nil {
			return pkts
		}
	}
	t.Fatalf("no loss counter in:\n%s", out)
	return 0
}

// scrollText runs the scrolling workload on display until the test ends:
// an xterm printing a long, changing line every 20 ms.
func scrollText(t *testing.T, display string) {
	t.Helper()
	line := strings.Repeat("The quick brown fox jumps over the lazy dog; ", 5)
	cmd := exec.Command("xterm", "-geometry", "200x52+0+0", "-e", "sh", "-c",
		`i=0; while :; do i=$((i+1)); echo "$i $LINE"; sleep 0.02; done`)
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "LINE="+line)
	if err := cmd.Start(); err != nil {
		t.Fatalf("xterm: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
}

// TestImpairedPath (scenario 4) shares a scrolling terminal across a path
// with 150 ms of round trip, a 2 Mbit/s cap and 5 % loss each way, with
// the real service and sharer and the helper's viewer across two NATs.
// The picture must stay usable: at least 10 frames a second, glass to
// glass p95 within 1 s, and never a second without a new frame.
// QUICKHELP_BENCH_JSON=file also writes the figures there (make bench).
func TestImpairedPath(t *testing.T) {
	requireTools(t)
	for _, tool := range []string{"tc", "xterm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing (scripts/deps.sh installs it): %v", tool, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	f := buildPrograms(t)
	x := startScreen(t, ctx, 1280, 720)
	scrollText(t, x.Display)
	n := buildNetwork(t, true)
	n.impair(t)

	helper, _ := impairSetup(t, f, n, x.Display)
	helper.waitLine(t, "VIDEO", 45*time.Second)
	window := impairWindow
	if s := os.Getenv(envWindow); s != "" {
		if d, err := time.ParseDuration(s + "s"); err == nil {
			window = d
		}
	}
	line := helper.waitLine(t, "RESULT ", impairWarmup+window+30*time.Second)
	var res impairResult
	if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "RESULT ")), &res); err != nil {
		t.Fatalf("helper result %q: %v", line, err)
	}
	if res.Error != "" {
		t.Fatalf("helper: %s", res.Error)
	}
	drops := n.lossDrops(t)
	t.Logf("impaired path (%v each way, %s, %d %% loss): %.1f fps, g2g p50 %.0f ms p95 %.0f ms max %.0f ms, longest gap %.0f ms, %.0f kbit/s, %d keyframes, %d frames dropped, %d PLIs, %d packets lost; path %+v; %d packets dropped by the loss rule, %d by the cable's queue",
		impairDelay, impairRate, impairLossPct, res.FPS, res.G2GP50Ms, res.G2GP95Ms, res.G2GMaxMs, res.MaxGapMs, res.Kbps,
		res.Keyframes, res.Dropped, res.KeyRequests, res.PacketsLost, res.Path, drops, n.cable.Dropped())
	if drops == 0 {
		t.Error("the loss rule dropped nothing: the path was not impaired")
	}
	for _, dev := range []string{"wan", "lan"} {
		out, _ := exec.Command("ip", "netns", "exec", n.rs, "tc", "-s", "qdisc", "show", "dev", dev).CombinedOutput()
		t.Logf("token bucket on the router's %s: %s", dev, strings.Join(strings.Fields(string(out)), " "))
	}
	if p := os.Getenv(envBenchJSON); p != "" {
		writeImpairJSON(t, p, res)
	}
	if res.FPS < minImpairFPS {
		t.Errorf("%.1f fps received, want at least %d", res.FPS, minImpairFPS)
	}
	if res.G2GP95Ms > ms(maxImpairG2G) {
		t.Errorf("glass-to-glass p95 %.0f ms, want at most %v", res.G2GP95Ms, maxImpairG2G)
	}
	if res.MaxGapMs > ms(maxImpairStall) {
		t.Errorf("longest time without a frame %.0f ms, want at most %v", res.MaxGapMs, maxImpairStall)
	}
}

// impairSetup starts the service, the measuring helper child and the
// sharer, and allows the screen (control is not needed here).
func impairSetup(t *testing.T, f fixture, n *network, display string) (helper, sharer *proc) {
	t.Helper()
	env := []string{envImpair + "=1"}
	if w := os.Getenv(envWindow); w != "" {
		env = append(env, envWindow+"="+w)
	}
	helper = startHelper(t, f, n, env)
	code := strings.TrimPrefix(helper.waitLine(t, "CODE ", 30*time.Second), "CODE ")
	sharer, _ = joinSharer(t, f, n, display, code)
	return helper, sharer
}

// writeImpairJSON records the run for make bench, with the conditions.
func writeImpairJSON(t *testing.T, path string, res impairResult) {
	t.Helper()
	out := struct {
		Scenario string       `json:"scenario"`
		Delay    string       `json:"delay_each_way"`
		Rate     string       `json:"rate_each_way"`
		LossPct  int          `json:"loss_pct_each_way"`
		Screen   string       `json:"screen"`
		Workload string       `json:"workload"`
		Result   impairResult `json:"result"`
		At       time.Time    `json:"measured_at"`
	}{"impaired path (test/netpath TestImpairedPath)", impairDelay.String(), impairRate, impairLossPct,
		"1280x720", "xterm printing a long line every 20 ms", res, time.Now().UTC()}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	// go test runs in the package's folder; a relative name is meant from
	// the repository's root, where make bench runs.
	if !filepath.IsAbs(path) {
		path = filepath.Join("..", "..", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
}
