package input

import (
	"fmt"
	"sync"
)

// recorder is a fake Injector for the OS boundary: it records every call.
type recorder struct {
	mu     sync.Mutex
	calls  []string
	keys   map[KeyCode]bool
	btns   map[int]bool
	failOn string // a call prefix that fails, for error paths
}

func newRecorder() *recorder {
	return &recorder{keys: map[KeyCode]bool{}, btns: map[int]bool{}}
}

func (r *recorder) add(c string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failOn != "" && len(c) >= len(r.failOn) && c[:len(r.failOn)] == r.failOn {
		return fmt.Errorf("%w: fake failure", ErrInject)
	}
	r.calls = append(r.calls, c)
	return nil
}

func (r *recorder) MoveAbs(x, y int) error { return r.add(fmt.Sprintf("move %d,%d", x, y)) }
func (r *recorder) Button(b int, down bool) error {
	if err := r.add(fmt.Sprintf("button %d %v", b, down)); err != nil {
		return err
	}
	r.mu.Lock()
	r.btns[b] = down
	r.mu.Unlock()
	return nil
}
func (r *recorder) Wheel(dx, dy int) error { return r.add(fmt.Sprintf("wheel %d,%d", dx, dy)) }
func (r *recorder) Key(code KeyCode, down bool) error {
	if err := r.add(fmt.Sprintf("key %d %v", code, down)); err != nil {
		return err
	}
	r.mu.Lock()
	r.keys[code] = down
	r.mu.Unlock()
	return nil
}
func (r *recorder) Text(s string) error { return r.add(fmt.Sprintf("text %q", s)) }
func (r *recorder) Close() error        { return nil }

func (r *recorder) Calls() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

// pressed returns what the fake believes is held down now.
func (r *recorder) pressed() (keys []KeyCode, btns []int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, d := range r.keys {
		if d {
			keys = append(keys, k)
		}
	}
	for b, d := range r.btns {
		if d {
			btns = append(btns, b)
		}
	}
	return keys, btns
}
