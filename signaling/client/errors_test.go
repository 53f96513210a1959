package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

func TestNewValidatesURL(t *testing.T) {
	tests := []struct {
		in     string
		wantWS string
		ok     bool
	}{
		{"http://127.0.0.1:8080", "ws://127.0.0.1:8080/v1/sessions/s1/ws", true},
		{"https://help.example.org/", "wss://help.example.org/v1/sessions/s1/ws", true},
		{"https://help.example.org/qh/", "wss://help.example.org/qh/v1/sessions/s1/ws", true},
		{"ftp://help.example.org", "", false},
		{"help.example.org", "", false},
		{"http://", "", false},
		{"http://user:pw@host", "", false},
		{"http://localhost:7443", "ws://localhost:7443/v1/sessions/s1/ws", true},
		{"http://[::1]:7443", "ws://[::1]:7443/v1/sessions/s1/ws", true},
		{"http://help.example.org", "", false},
		{"http://203.0.113.10:7443", "", false},
		{"HTTP://192.168.1.10", "", false},
		{"http://host/?q=1", "", false},
		{"http://host/#frag", "", false},
		{"://bad", "", false},
	}
	for _, tt := range tests {
		c, err := New(tt.in)
		if !tt.ok {
			if err == nil || !errors.Is(err, ErrInvalidURL) {
				t.Errorf("New(%q) error = %v, want ErrInvalidURL", tt.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("New(%q) = %v, want success", tt.in, err)
			continue
		}
		if got := endpoint(c.wsBase, wire.PathSessionWS, "s1"); got != tt.wantWS {
			t.Errorf("ws endpoint for %q = %q, want %q", tt.in, got, tt.wantWS)
		}
	}
}

func TestEndpointEscapesID(t *testing.T) {
	c, err := New("http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	got := endpoint(c.base, wire.PathSessionCancel, "a/b?c")
	if want := "http://127.0.0.1:1/v1/sessions/a%2Fb%3Fc"; got != want {
		t.Errorf("endpoint = %q, want %q", got, want)
	}
}

func TestAPIErrorMapping(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c, err := New("http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	c.now = func() time.Time { return now }
	tests := []struct {
		name       string
		status     int
		body       string
		retryAfter string
		want       error
		wantMsg    string
		wantRetry  time.Duration
	}{
		{"wire not found", 404, `{"error":"not-found","message":"That code is not valid."}`, "", ErrNotFound, "That code is not valid.", 0},
		{"older service not found", 404, `{"error":"not_found","message":"That code is not valid."}`, "", ErrNotFound, "That code is not valid.", 0},
		{"older service suspended", 403, `{"error":"helper_suspended","message":"Off."}`, "", ErrHelperSuspended, "Off.", 0},
		{"suspended", 403, `{"error":"helper-suspended","message":"Off."}`, "", ErrHelperSuspended, "Off.", 0},
		{"rate limited seconds", 429, `{"error":"rate_limited","message":"Slow down."}`, "7", ErrRateLimited, "Slow down.", 7 * time.Second},
		{"rate limited date", 429, `{"error":"rate_limited"}`, now.Add(90 * time.Second).Format(http.TimeFormat), ErrRateLimited, wire.ReasonRateLimited.Text(), 90 * time.Second},
		{"org disabled", 403, `{"error":"org-disabled","message":"Off."}`, "", ErrOrgDisabled, "Off.", 0},
		{"older service org disabled", 403, `{"error":"org_disabled","message":"Off."}`, "", ErrOrgDisabled, "Off.", 0},
		{"proxy page", 502, `<html>bad gateway</html>`, "", ErrUnavailable, wire.ReasonUnavailable.Text(), 0},
		{"unknown code uses status", 401, `{"error":"brand_new","message":"x"}`, "", ErrUnauthorized, wire.ReasonUnauthorized.Text(), 0},
		{"empty body", 403, ``, "junk", ErrForbidden, wire.ReasonForbidden.Text(), 0},
		{"negative retry", 429, `{"error":"rate_limited"}`, "-3", ErrRateLimited, wire.ReasonRateLimited.Text(), 0},
		{"huge retry is capped", 503, `{"error":"unavailable"}`, "10000000000", ErrUnavailable, wire.ReasonUnavailable.Text(), maxRetryAfter},
		{"far date is capped", 429, `{"error":"rate_limited"}`, now.Add(48 * time.Hour).Format(http.TimeFormat), ErrRateLimited, wire.ReasonRateLimited.Text(), maxRetryAfter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.retryAfter != "" {
				h.Set("Retry-After", tt.retryAfter)
			}
			err := c.apiError(tt.status, h, strings.NewReader(tt.body))
			if !errors.Is(err, tt.want) {
				t.Errorf("apiError(%d, %q) = %v, want errors.Is %v", tt.status, tt.body, err, tt.want)
			}
			var api *APIError
			if !errors.As(err, &api) {
				t.Fatalf("apiError returned %T, want *APIError", err)
			}
			if api.Status != tt.status || api.Message != tt.wantMsg || api.RetryAfter != tt.wantRetry {
				t.Errorf("APIError = %+v, want status %d message %q retry %v", *api, tt.status, tt.wantMsg, tt.wantRetry)
			}
			if got := UserMessage(err); got != tt.wantMsg {
				t.Errorf("UserMessage = %q, want %q", got, tt.wantMsg)
			}
			for _, other := range []error{ErrInternal, ErrSessionFull} {
				if other != tt.want && errors.Is(err, other) {
					t.Errorf("apiError matched %v as well", other)
				}
			}
		})
	}
}

func TestUserMessageCoversSentinels(t *testing.T) {
	for _, err := range []error{context.DeadlineExceeded, ErrUnreachable, ErrResumeTimeout, ErrSessionEnded, ErrClosed, errors.New("other")} {
		if got := UserMessage(err); got == "" || strings.Contains(got, "client:") {
			t.Errorf("UserMessage(%v) = %q, want a plain sentence", err, got)
		}
	}
	for code := range sentinels {
		if !code.Known() {
			t.Errorf("sentinel code %q is not a wire.Reason constant", code)
		}
	}
}

func FuzzAPIError(f *testing.F) {
	f.Add(404, `{"error":"not_found","message":"x"}`, "")
	f.Add(404, `{"error":"not-found","message":"x"}`, "")
	f.Add(429, `{"error":"rate_limited"}`, "12")
	f.Add(503, `<html>`, "Wed, 21 Oct 2015 07:28:00 GMT")
	f.Add(418, `{"error":123}`, "-1")
	c, err := New("http://127.0.0.1:1")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, status int, body, retry string) {
		if status < 300 || status > 599 {
			return
		}
		h := http.Header{}
		h.Set("Retry-After", retry)
		err := c.apiError(status, h, strings.NewReader(body))
		var api *APIError
		if !errors.As(err, &api) {
			t.Fatalf("apiError returned %T", err)
		}
		if api.Message == "" || sentinelFor(api.Code) == nil || !errors.Is(err, sentinelFor(api.Code)) {
			t.Fatalf("apiError(%d, %q) = %+v: want a known code and a message", status, body, api)
		}
		if api.RetryAfter < 0 {
			t.Fatalf("negative RetryAfter %v", api.RetryAfter)
		}
	})
}

// TestNewRefusesPlainHTTP: http:// only to this computer, with a message
// fit to show.
func TestNewRefusesPlainHTTP(t *testing.T) {
	for _, in := range []string{"http://help.example.org", "http://203.0.113.10:7443", "HTTP://192.168.1.10/qh"} {
		_, err := New(in)
		if !errors.Is(err, ErrInsecureURL) || !errors.Is(err, ErrInvalidURL) || UserMessage(err) != MsgInsecureURL {
			t.Errorf("New(%q) = %v (%q), want ErrInsecureURL", in, err, UserMessage(err))
		}
	}
	for _, in := range []string{"http://127.0.0.1:7443", "http://localhost", "http://[::1]:1", "https://help.example.org"} {
		if _, err := New(in); err != nil {
			t.Errorf("New(%q) = %v, want success", in, err)
		}
	}
}

// TestOlderServiceCodes: during a rolling upgrade a service of the previous
// release answers with snake_case codes; this client still classifies them.
func TestOlderServiceCodes(t *testing.T) {
	tests := []struct {
		status int
		body   string
		want   error
		code   wire.Reason
	}{
		{http.StatusNotFound, `{"error":"not_found","message":"That code is not valid."}`, ErrNotFound, wire.ReasonNotFound},
		{http.StatusForbidden, `{"error":"org_disabled","message":"Off."}`, ErrOrgDisabled, wire.ReasonOrgDisabled},
		{http.StatusForbidden, `{"error":"helper_suspended","message":"Suspended."}`, ErrHelperSuspended, wire.ReasonHelperSuspended},
		{http.StatusTooManyRequests, `{"error":"rate_limited","message":"Slow down."}`, ErrRateLimited, wire.ReasonRateLimited},
		{http.StatusConflict, `{"error":"session_full","message":"Full."}`, ErrSessionFull, wire.ReasonSessionFull},
		{http.StatusBadRequest, `{"error":"bad_request","message":"Bad."}`, ErrBadRequest, wire.ReasonBadRequest},
	}
	for _, tt := range tests {
		t.Run(string(tt.code), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			c, err := New(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err = c.Join(ctx, "ABCD-EFGH")
			var api *APIError
			if !errors.Is(err, tt.want) || !errors.As(err, &api) || api.Code != tt.code {
				t.Errorf("Join against an older service answering %s = %v, want %v with code %q", tt.body, err, tt.want, tt.code)
			}
		})
	}
}
