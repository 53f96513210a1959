// Package client is the Go client of the QuickHelp service used by the
// desktop app and the sharer daemon: REST calls with typed errors, and the
// session WebSocket with reconnect inside the service's resume window.
package client

import (
	"bytes"
	"context"
	"encoding/json"

	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// maxResponseBytes bounds every REST response body read.
const maxResponseBytes = 4 << 20

// DefaultUserAgent is sent unless WithUserAgent overrides it.
const DefaultUserAgent = "quickhelp-client/1"

// Client talks to one QuickHelp service. It is safe for concurrent use.
type Client struct {
	// Options (set by New).
	http *http.Client
	ua   string
	log  *slog.Logger
	now  func() time.Time

	base   *url.URL // http or https, no trailing slash
	wsBase *url.URL // ws or wss
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client; nil keeps the default (30 s timeout
// for REST calls; WebSocket dials use the context instead).
func WithHTTPClient(h *http.Client) Option {
	return func(c *Client) {
		if h != nil {
			c.http = h
		}
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.ua = ua } }

// WithLogger sets the logger; nil discards.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) {
		if l != nil {
			c.log = l
		}
	}
}

// New validates baseURL (https, or http to this computer only; no query or
// fragment) and returns a client. The session WebSocket uses ws for http
// and wss for https. Plain http to another host is refused with
// ErrInsecureURL: sign-in passwords, tokens and signalling would cross the
// network in clear.
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidURL, err)
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w: want scheme://host[:port][/path]", ErrInvalidURL)
	}
	ws := *u
	switch u.Scheme {
	case "http":
		ws.Scheme = "ws"
	case "https":
		ws.Scheme = "wss"
	default:
		return nil, fmt.Errorf("%w: scheme %q is not http or https", ErrInvalidURL, u.Scheme)
	}
	if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		return nil, ErrInsecureURL
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	ws.Path = u.Path
	c := &Client{
		http:   &http.Client{Timeout: 30 * time.Second},
		ua:     DefaultUserAgent,
		log:    slog.New(slog.DiscardHandler),
		now:    time.Now,
		base:   u,
		wsBase: &ws,
	}
	for _, o := range opts {
		o(c)
	}
	c.log = c.log.With("component", "signaling-client")
	return c, nil
}

// isLoopbackHost reports whether host names this computer: "localhost" or
// a loopback IP literal.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// endpoint fills {id} in a wire path (escaped, so an ID cannot add path
// segments or a query) and joins it to base.
func endpoint(base *url.URL, path, id string) string {
	u := *base
	u.Path = base.Path + strings.Replace(path, "{id}", id, 1)
	u.RawPath = base.EscapedPath() + strings.Replace(path, "{id}", url.PathEscape(id), 1)
	return u.String()
}

// do sends one JSON request and decodes a JSON answer into out (nil: the
// body is discarded).
func (c *Client) do(ctx context.Context, method, path, id, bearer string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("client: encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, endpoint(c.base, path, id), body)
	if err != nil {
		return fmt.Errorf("client: build request: %w", err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.ua)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// Keep the context error visible: a cancelled call is not an outage.
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("client: %s %s: %w", method, path, ctxErr)
		}
		return fmt.Errorf("%w: %s %s: %w", ErrUnreachable, method, path, err)
	}
	defer resp.Body.Close()
	limited := io.LimitReader(resp.Body, maxResponseBytes)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return c.apiError(resp.StatusCode, resp.Header, limited)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, limited)
		return nil
	}
	if err := json.NewDecoder(limited).Decode(out); err != nil {
		return fmt.Errorf("%w: %s %s: %w", ErrBadResponse, method, path, err)
	}
	return nil
}

// apiError builds an *APIError from a non-2xx answer.
func (c *Client) apiError(status int, h http.Header, body io.Reader) error {
	var we wire.Error
	b, _ := io.ReadAll(io.LimitReader(body, 64<<10))
	if err := json.Unmarshal(b, &we); err != nil || we.Code == "" {
		we = wire.Error{Code: codeForStatus(status)}
	}
	if sentinelFor(we.Code) == nil {
		// An unknown code from a newer service: fall back on the status so
		// errors.Is still classifies it.
		we.Code = codeForStatus(status)
		we.Message = ""
	}
	if we.Message == "" {
		we.Message = we.Code.Text()
	}
	return &APIError{
		Status:     status,
		Code:       we.Code,
		Message:    we.Message,
		RetryAfter: parseRetryAfter(h.Get("Retry-After"), c.now()),
	}
}

// Login signs a helper or admin in.
func (c *Client) Login(ctx context.Context, email, password string) (wire.LoginResponse, error) {
	var out wire.LoginResponse
	err := c.do(ctx, http.MethodPost, wire.PathLogin, "", "", wire.LoginRequest{Email: email, Password: password}, &out)
	return out, err
}

// Logout revokes a bearer token.
func (c *Client) Logout(ctx context.Context, bearer string) error {
	return c.do(ctx, http.MethodPost, wire.PathLogout, "", bearer, nil, nil)
}

// CreateSession asks for a new code as the signed-in helper.
func (c *Client) CreateSession(ctx context.Context, bearer string) (wire.CreateSessionResponse, error) {
	var out wire.CreateSessionResponse
	err := c.do(ctx, http.MethodPost, wire.PathSessions, "", bearer, nil, &out)
	return out, err
}

// CancelSession cancels a code not yet used, or ends the session.
func (c *Client) CancelSession(ctx context.Context, bearer, sessionID string) error {
	if sessionID == "" {
		return fmt.Errorf("%w: empty session id", ErrBadRequest)
	}
	return c.do(ctx, http.MethodDelete, wire.PathSessionCancel, sessionID, bearer, nil, nil)
}

// Join joins a session with the code the helper read out. Spaces and
// dashes are the service's to normalise; the code is sent as typed.
func (c *Client) Join(ctx context.Context, code string) (wire.JoinResponse, error) {
	var out wire.JoinResponse
	err := c.do(ctx, http.MethodPost, wire.PathJoin, "", "", wire.JoinRequest{Code: code}, &out)
	return out, err
}

// Report files an abuse report as the sharer (participant token).
func (c *Client) Report(ctx context.Context, participantToken, sessionID, comment string) error {
	if sessionID == "" {
		return fmt.Errorf("%w: empty session id", ErrBadRequest)
	}
	return c.do(ctx, http.MethodPost, wire.PathReport, sessionID, participantToken, wire.ReportRequest{Comment: comment}, nil)
}
