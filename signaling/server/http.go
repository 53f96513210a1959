package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// maxBodyBytes bounds every request body; the largest legitimate one is a
// report comment of 2000 runes (8 KB at most).
const maxBodyBytes = 16 << 10

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+wire.PathLogin, s.handleLogin)
	mux.HandleFunc("POST "+wire.PathLogout, s.handleLogout)
	mux.HandleFunc("POST "+wire.PathSessions, s.handleCreateSession)
	mux.HandleFunc("DELETE "+wire.PathSessionCancel, s.handleCancelSession)
	mux.HandleFunc("POST "+wire.PathJoin, s.handleJoin)
	mux.HandleFunc("GET "+wire.PathSessionWS, s.handleWS)
	mux.HandleFunc("POST "+wire.PathReport, s.handleReport)
	mux.HandleFunc("GET "+wire.PathAdminSessions, s.handleAdminSessions)
	mux.HandleFunc("GET "+wire.PathAdminReports, s.handleAdminReports)
	mux.HandleFunc("GET "+wire.PathAdminOrg, s.handleGetOrg)
	mux.HandleFunc("PUT "+wire.PathAdminOrg, s.handlePutOrg)
	mux.HandleFunc("PATCH "+wire.PathAdminUsers, s.handlePatchUser)
	mux.HandleFunc("GET "+wire.PathAdminUserList, s.handleListUsers)
	mux.HandleFunc("GET "+wire.PathAdminLive, s.handleAdminLive)
	mux.HandleFunc("DELETE "+wire.PathAdminLiveEnd, s.handleAdminEndSession)
	mux.HandleFunc("PATCH "+wire.PathAdminReport, s.handleAdminPatchReport)
	mux.HandleFunc("GET "+wire.PathAdminAudit, s.handleAdminAudit)
	mux.HandleFunc("POST "+wire.PathAdminLogin, s.handleAdminLogin)
	mux.HandleFunc("GET "+wire.PathAdminSession, s.handleAdminSession)
	mux.HandleFunc("POST "+wire.PathAdminLogout, s.handleAdminLogout)
	mux.HandleFunc("GET "+wire.PathAdminConsole, s.handleAdminConsole)
	mux.Handle("GET /admin", http.RedirectHandler(wire.PathAdminConsole, http.StatusMovedPermanently))
	mux.HandleFunc("GET "+wire.PathAdminOIDC, s.handleGetOIDC)
	mux.HandleFunc("PUT "+wire.PathAdminOIDC, s.handlePutOIDC)
	mux.HandleFunc("GET "+wire.PathOIDCLookup, s.handleOIDCLookup)
	mux.HandleFunc("GET "+wire.PathOIDCStart, s.handleOIDCStart)
	mux.HandleFunc("GET "+wire.PathOIDCCallback, s.handleOIDCCallback)
	mux.HandleFunc("POST "+wire.PathOIDCToken, s.handleOIDCToken)
	mux.HandleFunc("GET "+wire.PathAdminOIDCStart, s.handleAdminOIDCStart)
	mux.HandleFunc("GET "+wire.PathHealth, s.handleHealth)
	mux.HandleFunc("GET "+wire.PathMetrics, s.handleMetrics)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, wire.ReasonNotFound, "There is nothing here.")
	})
	return s.withCommon(mux)
}

// statusRecorder remembers the status for the access log. It passes
// Hijack through (embedding would hide it) so WebSockets still work.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// withCommon sets security headers on every answer and logs requests at
// Debug without query strings or client addresses.
func (s *Server) withCommon(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		s.log.Debug("request", "method", r.Method, "route", r.Pattern, "status", rec.status,
			"duration_ms", time.Since(start).Milliseconds())
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code wire.Reason, message string) {
	writeJSON(w, status, wire.Error{Code: code, Message: message})
}

func writeRetry(w http.ResponseWriter, status int, code wire.Reason, message string, after time.Duration) {
	secs := int((after + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	writeError(w, status, code, message)
}

func (s *Server) internalError(w http.ResponseWriter, what string, err error) {
	s.log.Error(what, "err", err)
	writeError(w, http.StatusInternalServerError, wire.ReasonInternal, "Something went wrong on the server. Please try again.")
}

// errBadBody is returned by decodeJSON after it has answered 400.
var errBadBody = errors.New("bad body")

// decodeJSON reads exactly one JSON value with no unknown fields from a
// size-limited body, answering 400 itself on failure.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body := http.MaxBytesReader(w, r.Body, maxBodyBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if err2 := dec.Decode(&struct{}{}); !errors.Is(err2, io.EOF) {
			err = fmt.Errorf("trailing data after the JSON object")
		}
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, wire.ReasonBadRequest, "The request is too large.")
		} else {
			writeError(w, http.StatusBadRequest, wire.ReasonBadRequest, "The request is not valid JSON for this endpoint.")
		}
		return errBadBody
	}
	return nil
}

// bearer returns the token of an "Authorization: Bearer" header.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(h) > len(prefix) && strings.EqualFold(h[:len(prefix)], prefix) {
		return strings.TrimSpace(h[len(prefix):])
	}
	return ""
}

// clientAddr is the client's IP address: the peer address, or the last
// X-Forwarded-For entry behind a trusted proxy. It is never logged or
// stored; the zero Addr means unknown.
func (s *Server) clientAddr(r *http.Request) netip.Addr {
	if s.cfg.TrustProxyHeader {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			if a, err := netip.ParseAddr(strings.TrimSpace(parts[len(parts)-1])); err == nil {
				return a.Unmap()
			}
		}
	}
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap()
	}
	a, _ := netip.ParseAddr(r.RemoteAddr)
	return a.Unmap()
}

// clientKey is the rate-limit key of the client: its IP address, or the
// /64 prefix for IPv6 (one subscriber usually holds a whole /64).
func (s *Server) clientKey(r *http.Request) string { return addrKey(s.clientAddr(r), 32, 64) }

// breakerPrefix is the wider range the join breaker degrades while tripped:
// IPv4 /24, IPv6 /56 (a common subscriber allocation), so rotating through
// addresses of one network does not buy fresh attempts.
func (s *Server) breakerPrefix(r *http.Request) string { return addrKey(s.clientAddr(r), 24, 56) }

func addrKey(a netip.Addr, bits4, bits6 int) string {
	if !a.IsValid() {
		return "unknown"
	}
	bits := bits6
	if a.Is4() {
		bits = bits4
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return "unknown"
	}
	if p.Bits() == a.BitLen() {
		return a.String()
	}
	return p.String()
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		writeError(w, http.StatusServiceUnavailable, wire.ReasonUnavailable, "This node is stopping.")
		return
	}
	if err := s.store.Ping(r.Context()); err != nil {
		s.log.Error("health check failed", "err", err)
		writeError(w, http.StatusServiceUnavailable, wire.ReasonUnavailable, "The database does not answer.")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	if err := s.metrics.WritePrometheus(w); err != nil {
		s.log.Debug("metrics write failed", "err", err)
	}
}
