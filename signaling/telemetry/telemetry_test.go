package telemetry

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/signaling/store"
	"github.com/quickhelp/quickhelp/wire"
)

func TestMetricsText(t *testing.T) {
	m := NewMetrics(func() int64 { return 7 })
	m.SessionsCreated.Add(3)
	m.SessionEnded(wire.ReasonTimeout)
	m.SessionEnded(wire.ReasonTimeout)
	m.SessionEnded(wire.ReasonReported)
	m.Reports.Add(1)
	var b strings.Builder
	if err := m.WritePrometheus(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"quickhelp_sessions_created_total 3\n",
		`quickhelp_sessions_ended_total{reason="timeout"} 2` + "\n",
		`quickhelp_sessions_ended_total{reason="reported"} 1` + "\n",
		"quickhelp_turn_allocations 7\n",
		"quickhelp_reports_total 1\n",
		"# TYPE quickhelp_joins_failed_total counter\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("metrics text lacks %q:\n%s", want, b.String())
		}
	}
}

// TestMetricsEdge: the shared TLS port's numbers appear once set, read at
// every scrape.
func TestMetricsEdge(t *testing.T) {
	m := NewMetrics(nil)
	var b strings.Builder
	if err := m.WritePrometheus(&b); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "quickhelp_tls_") {
		t.Errorf("TLS port metrics without a TLS port:\n%s", b.String())
	}
	open := int64(3)
	m.SetEdgeStats(func() EdgeStats { return EdgeStats{Open: open, Refused: 2, TimedOut: 1, ACME: 5} })
	open = 4
	b.Reset()
	if err := m.WritePrometheus(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"quickhelp_tls_connections 4\n", "quickhelp_tls_refused_total 2\n", "quickhelp_tls_timeouts_total 1\n", "quickhelp_tls_acme_validations_total 5\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("metrics text lacks %q:\n%s", want, b.String())
		}
	}
}

// TestRetentionFakeClock proves that records of 72 h + 1 s are purged and
// younger ones stay, using the janitor's injectable clock.
func TestRetentionFakeClock(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "q.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	base := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	st.CreateOrg(ctx, store.Org{ID: "o", Name: "O", CreatedAt: base})
	mk := func(id string, created time.Time) {
		if err := st.CreateSession(ctx, store.NewSession{ID: id, OrgID: "o", HelperID: "h", CodeHash: []byte(id),
			CodeExpiresAt: created.Add(10 * time.Minute), TokenExpiresAt: created.Add(time.Hour), CreatedAt: created}); err != nil {
			t.Fatal(err)
		}
	}
	now := base.Add(MaxRetention + time.Hour)
	mk("old", now.Add(-MaxRetention-time.Second))
	mk("young", now.Add(-MaxRetention+time.Second))
	var expired []string
	j, err := NewJanitor(JanitorConfig{Store: st, Now: func() time.Time { return now }, OnExpired: func(ids []string) { expired = ids }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Session(ctx, "old"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("record of 72h+1s still there: %v", err)
	}
	if _, err := st.Session(ctx, "young"); err != nil {
		t.Errorf("record of 72h-1s purged: %v", err)
	}
	if len(expired) != 2 {
		t.Errorf("OnExpired got %v, want both unused codes", expired)
	}
	// Configuration may only lower the retention.
	if _, err := NewJanitor(JanitorConfig{Store: st, Retention: MaxRetention + time.Second}); !errors.Is(err, ErrConfig) {
		t.Errorf("retention above 72h: error = %v, want ErrConfig", err)
	}
	// A lower retention purges the young record too.
	j2, _ := NewJanitor(JanitorConfig{Store: st, Retention: time.Hour, Now: func() time.Time { return now }})
	j2.RunOnce(ctx)
	if _, err := st.Session(ctx, "young"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("1h retention kept a 72h-old record: %v", err)
	}
}

func TestJanitorRunStops(t *testing.T) {
	st, _ := store.Open(filepath.Join(t.TempDir(), "q.db"))
	defer st.Close()
	j, _ := NewJanitor(JanitorConfig{Store: st, Interval: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { j.Run(ctx); close(done) }()
	time.Sleep(10 * time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

// TestAuditRetention: the retention job keeps the audit log of admin
// actions for AuditRetention (one year by default), not 72 h, and a
// configured retention changes it.
func TestAuditRetention(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "q.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	now := time.Date(2027, 5, 1, 0, 0, 0, 0, time.UTC)
	for id, age := range map[string]time.Duration{
		"week":      7 * 24 * time.Hour,
		"half-year": 180 * 24 * time.Hour,
		"old":       DefaultAuditRetention + time.Second,
	} {
		if err := st.AddAudit(ctx, store.AuditEntry{ID: id, OrgID: "o", ActorID: "a", ActorEmail: "a@example.com",
			Action: "user-suspend", CreatedAt: now.Add(-age)}); err != nil {
			t.Fatal(err)
		}
	}
	ids := func() []string {
		es, err := st.Audit(ctx, "o", 10)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	j, err := NewJanitor(JanitorConfig{Store: st, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got := ids(); len(got) != 2 || got[0] != "week" || got[1] != "half-year" {
		t.Errorf("after the default run: %v, want week and half-year kept", got)
	}
	j90, _ := NewJanitor(JanitorConfig{Store: st, AuditRetention: 90 * 24 * time.Hour, Now: func() time.Time { return now }})
	if _, err := j90.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got := ids(); len(got) != 1 || got[0] != "week" {
		t.Errorf("after a 90-day run: %v, want week only", got)
	}
	if _, err := NewJanitor(JanitorConfig{Store: st, AuditRetention: -time.Hour}); !errors.Is(err, ErrConfig) {
		t.Errorf("negative audit retention: error = %v, want ErrConfig", err)
	}
}
