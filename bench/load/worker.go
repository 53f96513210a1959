package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/wire"
)

// workerConfig is what one load worker does.
type workerConfig struct {
	Server      string
	Sharer      string   // where sharers join and connect; "": Server (cluster mode: another node)
	Nodes       []string // cluster mode: every node, to spread workers and sample gauges
	Email       string
	Helpers     int // cluster mode: Email is a pattern with %d, helpers 1..Helpers take turns
	Password    string
	Sessions    int
	Interval    time.Duration // per session, alternating direction
	Parallel    int           // concurrent session setups
	SetupLimit  time.Duration // bound on the whole setup phase
	Duration    time.Duration
	Ready       func()          // called once every session is set up
	Go          <-chan struct{} // closed when the exchange may start; nil: at once
	PingEvery   time.Duration
	DialTimeout time.Duration
}

// workerResult is what one worker reports (one JSON line in worker mode).
type workerResult struct {
	SessionsUp    int           `json:"sessions_up"`
	SessionsHeld  int           `json:"sessions_held"` // up for the whole exchange, no drop
	SetupErrors   int           `json:"setup_errors"`
	FirstError    string        `json:"first_error,omitempty"`
	Sent          int64         `json:"sent"`
	Received      int64         `json:"received"`
	SendErrors    int64         `json:"send_errors"`
	Drops         int64         `json:"drops"` // reconnecting or closed events during the exchange
	Hist          map[int]int64 `json:"hist"`
	RSSBeforeKB   int64         `json:"rss_before_kb"`
	RSSAfterKB    int64         `json:"rss_after_kb"`
	SetupSeconds  float64       `json:"setup_seconds"`
	SessionsTried int           `json:"sessions_tried"`
}

type loadSession struct {
	helper, sharer *client.Session
	dropped        atomic.Bool
}

// chatPrefix marks the benchmark's messages; the send time follows it.
const chatPrefix = "t:"

// runWorker sets up cfg.Sessions sessions, exchanges chat for cfg.Duration
// and closes everything. Every loop is bounded by ctx, SetupLimit or
// Duration.
func runWorker(ctx context.Context, cfg workerConfig) (workerResult, error) {
	res := workerResult{RSSBeforeKB: rssKB("self"), SessionsTried: cfg.Sessions}
	var rt http.RoundTripper = &http.Transport{MaxIdleConnsPerHost: cfg.Parallel, IdleConnTimeout: 30 * time.Second}
	if cfg.Helpers > 0 {
		rt = forwardedFor{rt}
	}
	hc := &http.Client{Timeout: 30 * time.Second, Transport: rt}
	defer hc.CloseIdleConnections()
	c, err := client.New(cfg.Server, client.WithHTTPClient(hc), client.WithUserAgent("quickhelp-load"))
	if err != nil {
		return res, err
	}
	sc := c
	if cfg.Sharer != "" && cfg.Sharer != cfg.Server {
		if sc, err = client.New(cfg.Sharer, client.WithHTTPClient(hc), client.WithUserAgent("quickhelp-load")); err != nil {
			return res, err
		}
	}
	tokens, err := loginAll(ctx, c, cfg)
	if err != nil {
		return res, err
	}

	start := time.Now()
	sctx, cancel := context.WithTimeout(ctx, cfg.SetupLimit)
	sessions, errs, firstErr := setupAll(sctx, c, sc, tokens, cfg)
	cancel()
	res.SetupSeconds = time.Since(start).Seconds()
	res.SessionsUp, res.SetupErrors = len(sessions), errs
	if firstErr != nil {
		res.FirstError = client.UserMessage(firstErr) + " (" + firstErr.Error() + ")"
	}
	defer func() {
		var wg sync.WaitGroup
		for _, s := range sessions {
			wg.Add(1)
			go func() { defer wg.Done(); _ = s.helper.Close(); _ = s.sharer.Close() }()
		}
		wg.Wait()
	}()
	res.RSSAfterKB = rssKB("self")
	if cfg.Ready != nil {
		cfg.Ready()
	}
	if cfg.Go != nil {
		select {
		case <-cfg.Go:
		case <-ctx.Done():
			return res, ctx.Err()
		}
	}
	exchange(ctx, sessions, cfg, &res)
	for _, s := range sessions {
		if !s.dropped.Load() {
			res.SessionsHeld++
		}
	}
	return res, nil
}

// setupAll creates, joins and connects sessions with cfg.Parallel workers.
func setupAll(ctx context.Context, c, sc *client.Client, tokens []string, cfg workerConfig) ([]*loadSession, int, error) {
	var (
		mu       sync.Mutex
		out      []*loadSession
		errs     int
		firstErr error
		wg       sync.WaitGroup
	)
	jobs := make(chan int)
	for range cfg.Parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				s, err := setupOne(ctx, c, sc, tokens[i%len(tokens)], cfg)
				mu.Lock()
				if err != nil {
					errs++
					if firstErr == nil {
						firstErr = err
					}
				} else {
					out = append(out, s)
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < cfg.Sessions && ctx.Err() == nil; i++ {
		select {
		case jobs <- i:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
	if ctx.Err() != nil {
		errs += cfg.Sessions - len(out) - errs
	}
	return out, errs, firstErr
}

// setupOne creates a session through c and joins it through sc (in
// cluster mode another node, so every chat crosses the bus).
func setupOne(ctx context.Context, c, sc *client.Client, helperToken string, cfg workerConfig) (*loadSession, error) {
	cr, err := c.CreateSession(ctx, helperToken)
	if err != nil {
		return nil, fmt.Errorf("create: %w", err)
	}
	jr, err := sc.Join(ctx, cr.Code)
	if err != nil {
		return nil, fmt.Errorf("join: %w", err)
	}
	opts := client.ConnectOptions{
		PingInterval: cfg.PingEvery, DialTimeout: cfg.DialTimeout,
		SendQueue: 4, EventBuffer: 16,
	}
	h, err := c.Connect(ctx, cr.SessionID, cr.Token, opts)
	if err != nil {
		return nil, fmt.Errorf("connect helper: %w", err)
	}
	s, err := sc.Connect(ctx, jr.SessionID, jr.Token, opts)
	if err != nil {
		_ = h.Close()
		return nil, fmt.Errorf("connect sharer: %w", err)
	}
	ls := &loadSession{helper: h, sharer: s}
	// Both sides must know the other is there before relayed chat can flow.
	for _, sess := range []*client.Session{h, s} {
		if err := waitPeer(ctx, sess); err != nil {
			_ = h.Close()
			_ = s.Close()
			return nil, err
		}
	}
	// One warm-up message: the service records the chat feature on a
	// session's first chat (a database write), which belongs to setup, not
	// to steady-state relay latency.
	if err := h.Send(ctx, wire.Envelope{Type: wire.TypeChat, Text: "warm-up"}); err != nil {
		_ = h.Close()
		_ = s.Close()
		return nil, fmt.Errorf("warm-up: %w", err)
	}
	if err := waitType(ctx, s, wire.TypeChat); err != nil {
		_ = h.Close()
		_ = s.Close()
		return nil, fmt.Errorf("warm-up: %w", err)
	}
	return ls, nil
}

func waitType(ctx context.Context, s *client.Session, typ string) error {
	for {
		select {
		case ev, ok := <-s.Events():
			if !ok || ev.Kind == client.EventClosed {
				return errors.New("closed during setup")
			}
			if ev.Kind == client.EventMessage && ev.Envelope.Type == typ {
				return nil
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func waitPeer(ctx context.Context, s *client.Session) error {
	for {
		select {
		case ev, ok := <-s.Events():
			if !ok || ev.Kind == client.EventClosed {
				return errors.New("closed during setup")
			}
			if ev.Kind != client.EventMessage {
				continue
			}
			if (ev.Envelope.Type == wire.TypeHello && ev.Envelope.Peer) || ev.Envelope.Type == wire.TypePeerJoined {
				return nil
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// exchange runs one sender and two receivers per session for Duration.
func exchange(ctx context.Context, sessions []*loadSession, cfg workerConfig, res *workerResult) {
	var hist histogram
	var sent, received, sendErrs, drops atomic.Int64
	ectx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	var wg sync.WaitGroup
	recv := func(ls *loadSession, s *client.Session) {
		defer wg.Done()
		for {
			select {
			case <-ectx.Done():
				return
			case ev, ok := <-s.Events():
				if !ok {
					return
				}
				switch ev.Kind {
				case client.EventReconnecting, client.EventClosed:
					if ls.dropped.CompareAndSwap(false, true) {
						drops.Add(1)
					}
				case client.EventMessage:
					if ev.Envelope.Type != wire.TypeChat {
						continue
					}
					ts, ok := strings.CutPrefix(ev.Envelope.Text, chatPrefix)
					if !ok {
						continue
					}
					if n, err := strconv.ParseInt(ts, 10, 64); err == nil {
						hist.Add(time.Since(time.Unix(0, n)))
						received.Add(1)
					}
				}
			}
		}
	}
	send := func(ls *loadSession) {
		defer wg.Done()
		// A random phase spreads the sessions' sends over the interval.
		phase := time.NewTimer(rand.N(cfg.Interval))
		select {
		case <-phase.C:
		case <-ectx.Done():
			phase.Stop()
			return
		}
		t := time.NewTicker(cfg.Interval)
		defer t.Stop()
		for i := 0; ; i++ {
			from := ls.helper
			if i%2 == 1 {
				from = ls.sharer
			}
			text := chatPrefix + strconv.FormatInt(time.Now().UnixNano(), 10)
			sctx, c := context.WithTimeout(ectx, 5*time.Second)
			err := from.Send(sctx, wire.Envelope{Type: wire.TypeChat, Text: text})
			c()
			if err != nil {
				if ectx.Err() != nil {
					return
				}
				sendErrs.Add(1)
			} else {
				sent.Add(1)
			}
			select {
			case <-t.C:
			case <-ectx.Done():
				return
			}
		}
	}
	for _, ls := range sessions {
		wg.Add(3)
		go recv(ls, ls.helper)
		go recv(ls, ls.sharer)
		go send(ls)
	}
	wg.Wait()
	res.Sent, res.Received, res.SendErrors, res.Drops = sent.Load(), received.Load(), sendErrs.Load(), drops.Load()
	res.Hist = hist.Sparse()
}

// servers are the bases whose gauges describe the whole service.
func (c workerConfig) servers() []string {
	if len(c.Nodes) > 0 {
		return c.Nodes
	}
	return []string{c.Server}
}

// loginAll signs the worker's helpers in: one, or in cluster mode
// cfg.Helpers of them, whose session-creation limits are then shared by
// every node (each helper creates at most 20 a minute).
func loginAll(ctx context.Context, c *client.Client, cfg workerConfig) ([]string, error) {
	emails := []string{cfg.Email}
	if cfg.Helpers > 0 {
		emails = emails[:0]
		for i := 1; i <= cfg.Helpers; i++ {
			emails = append(emails, fmt.Sprintf(cfg.Email, i))
		}
	}
	var tokens []string
	for _, e := range emails {
		lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		login, err := c.Login(lctx, e, cfg.Password)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("login: %w", err)
		}
		tokens = append(tokens, login.Token)
	}
	return tokens, nil
}

// forwardedFor makes every request of a cluster run come from another
// client address (the nodes run with --trust-proxy-header), as the sessions
// of a real deployment do: the per-address join and sign-in limits, shared
// by the nodes, would otherwise refuse a benchmark that joins thousands of
// sessions from one address.
type forwardedFor struct{ next http.RoundTripper }

func (f forwardedFor) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", rand.IntN(256), rand.IntN(256), 1+rand.IntN(254)))
	return f.next.RoundTrip(r)
}
