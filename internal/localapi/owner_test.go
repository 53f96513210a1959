package localapi

import (
	"errors"
	"strings"
	"testing"
)

// fakeAccounts stands in for the process tokens of owner_windows.go.
type fakeAccounts struct {
	me      string
	meErr   error
	users   map[uint32]string // pid → SID
	userErr error             // e.g. access denied opening another user's process
}

func (f fakeAccounts) CurrentUser() (string, error) { return f.me, f.meErr }

func (f fakeAccounts) ProcessUser(pid uint32) (string, error) {
	if f.userErr != nil {
		return "", f.userErr
	}
	sid, ok := f.users[pid]
	if !ok {
		return "", errors.New("the parameter is incorrect")
	}
	return sid, nil
}

const (
	alice = "S-1-5-21-1004336348-1177238915-682003330-1001"
	bob   = "S-1-5-21-1004336348-1177238915-682003330-1002"
)

func TestCheckOwner(t *testing.T) {
	sys := fakeAccounts{me: alice, users: map[uint32]string{100: alice, 200: bob, 300: "S-1-5-18"}}
	tests := []struct {
		name   string
		sys    fakeAccounts
		pid    uint32
		pidErr error
		ok     bool
	}{
		{"same user", sys, 100, nil, true},
		{"another user created the pipe first", sys, 200, nil, false},
		{"a service running as SYSTEM", sys, 300, nil, false},
		{"process gone or unknown", sys, 400, nil, false},
		{"no process id", sys, 0, nil, false},
		{"the pipe cannot name its process", sys, 100, errors.New("not supported"), false},
		{"another user's process cannot be opened", fakeAccounts{me: alice, userErr: errors.New("Access is denied.")}, 200, nil, false},
		{"own user unknown", fakeAccounts{meErr: errors.New("no token"), users: sys.users}, 100, nil, false},
		{"own SID empty, theirs too", fakeAccounts{me: "", users: map[uint32]string{100: ""}}, 100, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkOwner(tt.sys, tt.pid, tt.pidErr)
			if tt.ok && err != nil {
				t.Fatalf("checkOwner(pid %d) = %v, want nil", tt.pid, err)
			}
			if !tt.ok && !errors.Is(err, ErrNotOwner) {
				t.Fatalf("checkOwner(pid %d) = %v, want ErrNotOwner", tt.pid, err)
			}
		})
	}
}

func TestPipeName(t *testing.T) {
	got, err := pipeName(alice)
	if err != nil || got != `\\.\pipe\quickhelp-sharer-`+alice {
		t.Fatalf("pipeName(%q) = %q, %v", alice, got, err)
	}
	a, _ := pipeName(alice)
	b, _ := pipeName(bob)
	if a == b {
		t.Fatalf("two users share the pipe name %q", a)
	}
	for _, bad := range []string{"", "alice", "S-1-", "S-1-5-", `S-1-5-21\..\x`, "S-1-5-21-1 ", "s-1-5-18", "S-1-5--18", "S-1-" + strings.Repeat("1-", 100) + "1"} {
		if name, err := pipeName(bad); err == nil {
			t.Errorf("pipeName(%q) = %q, want an error", bad, name)
		}
	}
}

func TestNotRunningKeepsOwnerRefusal(t *testing.T) {
	refused := checkOwner(fakeAccounts{me: alice, users: map[uint32]string{200: bob}}, 200, nil)
	if err := notRunning(refused); !errors.Is(err, ErrNotOwner) || errors.Is(err, ErrNotRunning) {
		t.Errorf("notRunning(owner refusal) = %v, want ErrNotOwner and not ErrNotRunning", err)
	}
	if err := notRunning(errors.New("the system cannot find the file specified")); !errors.Is(err, ErrNotRunning) {
		t.Errorf("notRunning(no pipe) = %v, want ErrNotRunning", err)
	}
}
