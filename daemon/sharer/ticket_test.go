package sharer

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

func testTicket(id string, until time.Time) resumeTicket {
	return resumeTicket{
		V: ticketVersion, Server: "http://127.0.0.1:7443", SessionID: id, Token: "tok-" + id,
		Helper: wire.HelperInfo{DisplayName: "Alex P."}, Machine: machineBinding(id), Until: until.UnixMilli(),
	}
}

// A ticket is private (0600 in a 0700 directory), taken once, and refused
// when expired, dated too far ahead, written for another session or
// computer, damaged, or not a private regular file; each daemon socket
// has a ticket of its own.
func TestResumeTicket(t *testing.T) {
	now := time.Now()
	dir := filepath.Join(t.TempDir(), "state")
	const key = "/run/user/1000/quickhelp/sharer.sock"
	want := testTicket("s1", now.Add(ticketLife))
	if err := writeTicket(dir, key, want); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(ticketFile(dir, key))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("ticket mode = %v, %v; want 0600", fi.Mode().Perm(), err)
		}
		if di, err := os.Stat(dir); err != nil || di.Mode().Perm() != 0o700 {
			t.Fatalf("state directory mode = %v, %v; want 0700", di.Mode().Perm(), err)
		}
	}
	if _, err := takeTicket(dir, "another socket", now); !errors.Is(err, errNoTicket) {
		t.Errorf("another daemon's take = %v, want errNoTicket", err)
	}
	got, err := takeTicket(dir, key, now)
	if err != nil || got.SessionID != want.SessionID || got.Token != want.Token || got.Helper != want.Helper {
		t.Fatalf("takeTicket = %+v, %v; want %+v", got, err, want)
	}
	if _, err := takeTicket(dir, key, now); !errors.Is(err, errNoTicket) {
		t.Errorf("second take = %v, want errNoTicket (single use)", err)
	}

	tests := []struct {
		name  string
		write func(path string) error
	}{
		{"expired", func(p string) error { return writeTicket(dir, key, testTicket("s2", now.Add(-time.Second))) }},
		{"dated too far ahead", func(p string) error { return writeTicket(dir, key, testTicket("s2", now.Add(time.Hour))) }},
		{"another session", func(p string) error {
			tk := testTicket("s2", now.Add(time.Minute))
			tk.SessionID = "s3"
			return writeTicket(dir, key, tk)
		}},
		{"another computer", func(p string) error {
			tk := testTicket("s2", now.Add(time.Minute))
			tk.Machine = strings.Repeat("0", 64)
			return writeTicket(dir, key, tk)
		}},
		{"no token", func(p string) error {
			tk := testTicket("s2", now.Add(time.Minute))
			tk.Token = ""
			return writeTicket(dir, key, tk)
		}},
		{"damaged", func(p string) error { return os.WriteFile(p, []byte(`{"v":1,`), 0o600) }},
		{"unknown field", func(p string) error {
			b, _ := json.Marshal(testTicket("s2", now.Add(time.Minute)))
			return os.WriteFile(p, append(b[:len(b)-1], []byte(`,"control":"granted"}`)...), 0o600)
		}},
		{"readable by others", func(p string) error {
			b, _ := json.Marshal(testTicket("s2", now.Add(time.Minute)))
			if err := os.WriteFile(p, b, 0o600); err != nil {
				return err
			}
			return os.Chmod(p, 0o644)
		}},
		{"a symbolic link", func(p string) error {
			other := filepath.Join(t.TempDir(), "elsewhere.json")
			b, _ := json.Marshal(testTicket("s2", now.Add(time.Minute)))
			if err := os.WriteFile(other, b, 0o600); err != nil {
				return err
			}
			return os.Symlink(other, p)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ticketFile(dir, key)
			if err := tt.write(p); err != nil {
				t.Fatal(err)
			}
			if got, err := takeTicket(dir, key, now); !errors.Is(err, errNoTicket) {
				t.Errorf("takeTicket = %+v, %v; want errNoTicket", got, err)
			}
			if _, err := os.Lstat(p); !os.IsNotExist(err) {
				t.Errorf("a refused ticket was left behind: %v", err)
			}
		})
	}
}
