package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"
)

// TestMigrateAddsRelayOnly opens a database made before orgs had
// relay_only: the column is added, existing organisations are not
// relay-only, and the setting can be changed.
func TestMigrateAddsRelayOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE orgs (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE,
		disabled INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL);
		INSERT INTO orgs(id, name, created_at) VALUES('o1', 'Old', 1)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open(old database) = %v", err)
	}
	ctx := context.Background()
	o, err := s.OrgByName(ctx, "Old")
	if err != nil || o.RelayOnly {
		t.Fatalf("OrgByName(Old) = %+v, %v; want not relay-only", o, err)
	}
	if err := s.SetOrgRelayOnly(ctx, o.ID, true); err != nil {
		t.Fatal(err)
	}
	if o, _ = s.Org(ctx, o.ID); !o.RelayOnly {
		t.Errorf("after SetOrgRelayOnly(true): %+v", o)
	}
	if err := s.CreateOrg(ctx, Org{ID: "o2", Name: "New", RelayOnly: true, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if o, _ = s.OrgByName(ctx, "New"); !o.RelayOnly {
		t.Errorf("CreateOrg(RelayOnly) read back %+v", o)
	}
	s.Close()
	s2, err := Open(path) // a second open finds the column already there
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	s2.Close()
}
