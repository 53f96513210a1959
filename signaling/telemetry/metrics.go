// Package telemetry counts what the service does for Prometheus and runs the
// retention job that deletes session records after at most 72 hours.
package telemetry

import (
	"github.com/quickhelp/quickhelp/wire"

	"fmt"
	"io"
	"sort"
	"sync"
	"sync/atomic"
)

// Metrics are the service's counters and gauges. The zero value is not
// usable; call NewMetrics.
type Metrics struct {
	SessionsCreated atomic.Int64
	SessionsActive  atomic.Int64 // sessions with a live room (someone connected)
	JoinsOK         atomic.Int64
	JoinsFailed     atomic.Int64
	JoinLookups     atomic.Int64 // joins that reached the database lookup of a code
	RateLimited     atomic.Int64
	BreakerTrips    atomic.Int64
	LoginsFailed    atomic.Int64
	Reports         atomic.Int64
	WSConnections   atomic.Int64
	SlowConsumers   atomic.Int64

	// TURNAllocations reads the TURN relay's current allocations; optional.
	turnAllocations func() int64

	// edge reads the shared TLS port's counters; nil without one.
	edge atomic.Pointer[func() EdgeStats]

	// mu guards endedByReason.
	mu            sync.Mutex
	endedByReason map[string]int64
}

// EdgeStats are the shared TLS port's numbers (package edge).
type EdgeStats struct {
	Open     int64 // connections open now
	Refused  int64 // closed at once for a connection cap, since start
	TimedOut int64 // closed for a slow handshake or first bytes, since start
	ACME     int64 // ACME TLS-ALPN-01 validation handshakes answered, since start
}

// SetEdgeStats makes the metrics include the shared TLS port, read through f
// at every scrape.
func (m *Metrics) SetEdgeStats(f func() EdgeStats) { m.edge.Store(&f) }

// NewMetrics returns empty Metrics. turnAllocations may be nil.
func NewMetrics(turnAllocations func() int64) *Metrics {
	return &Metrics{turnAllocations: turnAllocations, endedByReason: map[string]int64{}}
}

// SessionEnded counts a session that ended with reason.
func (m *Metrics) SessionEnded(reason wire.Reason) {
	m.mu.Lock()
	m.endedByReason[string(reason)]++
	m.mu.Unlock()
}

// EndedByReason returns a copy of the ended-session counts.
func (m *Metrics) EndedByReason() map[string]int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]int64, len(m.endedByReason))
	for k, v := range m.endedByReason {
		out[k] = v
	}
	return out
}

// WritePrometheus writes the metrics in the Prometheus text format 0.0.4.
func (m *Metrics) WritePrometheus(w io.Writer) error {
	var err error
	p := func(format string, args ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, args...)
		}
	}
	metric := func(name, kind, help string, v int64) {
		p("# HELP %s %s\n# TYPE %s %s\n%s %d\n", name, help, name, kind, name, v)
	}
	metric("quickhelp_sessions_created_total", "counter", "Sessions (codes) created.", m.SessionsCreated.Load())
	metric("quickhelp_sessions_active", "gauge", "Sessions with at least one participant connected.", m.SessionsActive.Load())
	p("# HELP quickhelp_sessions_ended_total Sessions ended, by reason.\n# TYPE quickhelp_sessions_ended_total counter\n")
	ended := m.EndedByReason()
	reasons := make([]string, 0, len(ended))
	for r := range ended {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		p("quickhelp_sessions_ended_total{reason=%q} %d\n", r, ended[r])
	}
	metric("quickhelp_joins_total", "counter", "Successful joins.", m.JoinsOK.Load())
	metric("quickhelp_joins_failed_total", "counter", "Joins with an unknown, used or expired code.", m.JoinsFailed.Load())
	metric("quickhelp_join_lookups_total", "counter", "Joins that reached the database lookup of a code.", m.JoinLookups.Load())
	metric("quickhelp_rate_limited_total", "counter", "Requests refused by a rate limit or the global breaker.", m.RateLimited.Load())
	metric("quickhelp_breaker_trips_total", "counter", "Joins refused from a failing network while the join breaker was tripped.", m.BreakerTrips.Load())
	metric("quickhelp_logins_failed_total", "counter", "Failed sign-ins.", m.LoginsFailed.Load())
	metric("quickhelp_reports_total", "counter", "Abuse reports received.", m.Reports.Load())
	metric("quickhelp_websocket_connections", "gauge", "Open session WebSockets.", m.WSConnections.Load())
	metric("quickhelp_slow_consumers_total", "counter", "Session WebSockets closed for not reading.", m.SlowConsumers.Load())
	var turn int64
	if m.turnAllocations != nil {
		turn = m.turnAllocations()
	}
	metric("quickhelp_turn_allocations", "gauge", "Current TURN relay allocations.", turn)
	if f := m.edge.Load(); f != nil {
		e := (*f)()
		metric("quickhelp_tls_connections", "gauge", "Open connections on the shared TLS port (HTTPS and TURN over TLS).", e.Open)
		metric("quickhelp_tls_refused_total", "counter", "TLS port connections closed at once for a connection cap.", e.Refused)
		metric("quickhelp_tls_timeouts_total", "counter", "TLS port connections closed for a slow handshake or first bytes.", e.TimedOut)
		metric("quickhelp_tls_acme_validations_total", "counter", "ACME TLS-ALPN-01 validation handshakes answered on the TLS port.", e.ACME)
	}
	return err
}
