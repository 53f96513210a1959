package desktop

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestSecure(t *testing.T) {
	tests := []struct {
		name string
		desk string
		err  error
		want bool
	}{
		{"the user's desktop", "Default", nil, false},
		{"case does not matter", "default", nil, false},
		{"a UAC prompt or Ctrl+Alt+Del", "Winlogon", nil, true},
		{"the lock screen's desktop", "Screen-saver", nil, true},
		{"no name", "", nil, true},
		{"access denied (the secure desktop)", "", ErrAccessDenied, true},
		{"any other failure fails closed", "", errors.New("the handle is invalid"), true},
		{"a name with an error counts as the error", "Default", ErrAccessDenied, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Secure(tt.desk, tt.err); got != tt.want {
				t.Errorf("Secure(%q, %v) = %v, want %v", tt.desk, tt.err, got, tt.want)
			}
		})
	}
}

// fakeProbe plays a script of desktops, one per probe, then repeats the
// last one.
type fakeProbe struct {
	mu     sync.Mutex
	script []result
	calls  int
}

type result struct {
	name string
	err  error
}

func (p *fakeProbe) InputDesktop() (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.script[min(p.calls, len(p.script)-1)]
	p.calls++
	return r.name, r.err
}

func (p *fakeProbe) probes() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls
}

// Watch reports each change once, never the user's desktop at the start,
// and a change the receiver could not take again at the next probe.
func TestWatch(t *testing.T) {
	def, uac := result{"Default", nil}, result{"", ErrAccessDenied}
	tests := []struct {
		name    string
		script  []result
		refuse  int // the receiver refuses this many changes first
		want    []bool
		atLeast int // probes to run before stopping
	}{
		{"the user's desktop throughout", []result{def}, 0, nil, 5},
		{"a prompt and back", []result{def, def, uac, uac, uac, def}, 0, []bool{true, false}, 8},
		{"a prompt from the start", []result{uac, uac, def}, 0, []bool{true, false}, 5},
		{"two prompts", []result{def, uac, def, {"Winlogon", nil}, def}, 0, []bool{true, false, true, false}, 7},
		{"a refused change comes again", []result{def, uac}, 2, []bool{true}, 6},
		{"an unknown failure holds input", []result{def, {"", errors.New("broken")}, def}, 0, []bool{true, false}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &fakeProbe{script: tt.script}
			var mu sync.Mutex
			var got []bool
			refuse := tt.refuse
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() {
				defer close(done)
				Watch(ctx, Config{Probe: p, Interval: time.Millisecond, OnChange: func(secure bool) bool {
					mu.Lock()
					defer mu.Unlock()
					if refuse > 0 {
						refuse--
						return false
					}
					got = append(got, secure)
					return true
				}})
			}()
			deadline := time.Now().Add(5 * time.Second)
			for p.probes() < tt.atLeast {
				if time.Now().After(deadline) {
					t.Fatal("Watch stopped probing")
				}
				time.Sleep(time.Millisecond)
			}
			cancel()
			<-done
			mu.Lock()
			defer mu.Unlock()
			if len(got) != len(tt.want) {
				t.Fatalf("changes = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("changes = %v, want %v", got, tt.want)
				}
			}
			if tt.refuse > 0 && refuse != 0 {
				t.Errorf("the refused change was offered %d times fewer than refused", refuse)
			}
		})
	}
}
