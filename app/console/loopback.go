package console

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/quickhelp/quickhelp/wire"
)

// loopbackPath is where the service sends the browser back to the app.
const loopbackPath = "/quickhelp/signed-in"

// errProviderRefused means the browser came back with an error instead of
// a code.
var errProviderRefused = errors.New("console: sign-in refused")

// refusal is a sign-in the service refused at its callback, with the
// reason it sent back (errors.Is errProviderRefused).
type refusal struct{ reason wire.Reason }

func (r refusal) Error() string { return errProviderRefused.Error() + ": " + string(r.reason) }
func (r refusal) Unwrap() error { return errProviderRefused }

// signInReasons are the reasons the service sends back with a refused
// sign-in. Any other text in the browser's request (a newer service, or
// anything typed into the address bar) reads as sso-failed.
var signInReasons = []wire.Reason{wire.ReasonSSOFailed, wire.ReasonSSONotAllowed, wire.ReasonSSOEmailTaken,
	wire.ReasonHelperSuspended, wire.ReasonOrgDisabled, wire.ReasonRateLimited, wire.ReasonInternal}

func signInReason(s string) wire.Reason {
	if r := wire.Reason(s); slices.Contains(signInReasons, r) {
		return r
	}
	return wire.ReasonSSOFailed
}

// loopbackReceiver is the app's side of RFC 8252's loopback redirect: a
// listener on 127.0.0.1 that takes the one-time code, once, from a request
// that carries this sign-in's state.
type loopbackReceiver struct {
	state  string
	ln     net.Listener
	srv    *http.Server
	codes  chan string
	errs   chan error
	once   sync.Once
	served chan struct{}
}

func listenLoopback(state string) (*loopbackReceiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("console: loopback listener: %w", err)
	}
	l := &loopbackReceiver{state: state, ln: ln, codes: make(chan string, 1), errs: make(chan error, 1), served: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+loopbackPath, l.handle)
	l.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(l.served)
		_ = l.srv.Serve(ln)
	}()
	return l, nil
}

// RedirectURI is the address the service redirects the browser to.
func (l *loopbackReceiver) RedirectURI() string {
	return "http://" + l.ln.Addr().String() + loopbackPath
}

func (l *loopbackReceiver) handle(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Type", "text/html; charset=utf-8")
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(l.state)) != 1 {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, loopbackPage("app-signed-in", "This sign-in did not come from QuickHelp on this computer. Close this page and sign in from QuickHelp.",
			"このサインインはこのコンピューターの QuickHelp から開始されたものではありません。このページを閉じて、QuickHelp からサインインしてください。"))
		return
	}
	// The service sends either a code or, when it refused the sign-in at
	// its callback, a reason in "error".
	code, refused := q.Get("code"), q.Has("error") || q.Get("code") == ""
	reason := signInReason(q.Get("error"))
	first := false
	l.once.Do(func() {
		first = true
		if refused {
			l.errs <- refusal{reason}
			return
		}
		l.codes <- code
	})
	switch {
	case !first:
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, loopbackPage("app-signed-in", "This sign-in has already been used. Return to QuickHelp.", "このサインインはすでに使われています。QuickHelp に戻ってください。"))
	case refused:
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, loopbackPage("app-sign-in-refused", reason.Text()+" You can close this tab.", reason.TextJa()+" このタブは閉じてかまいません。"))
	default:
		fmt.Fprint(w, loopbackPage("app-signed-in", "You are signed in. Close this tab and return to QuickHelp.", "サインインしました。このタブを閉じて QuickHelp に戻ってください。"))
	}
}

// loopbackPage is the browser tab's last page. Its texts are this
// program's own (never from the request), so they need no escaping.
func loopbackPage(testID, en, ja string) string {
	return `<!doctype html><html><head><meta charset="utf-8"><title>QuickHelp</title></head><body>` +
		`<main data-testid="` + testID + `"><h1>QuickHelp</h1><p lang="en">` + en + `</p><p lang="ja">` + ja + `</p></main></body></html>`
}

// Wait returns the code once the browser brought it, or the context's error.
func (l *loopbackReceiver) Wait(ctx context.Context) (string, error) {
	select {
	case code := <-l.codes:
		return code, nil
	case err := <-l.errs:
		return "", err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// Close stops the listener and waits for its goroutine.
func (l *loopbackReceiver) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := l.srv.Shutdown(ctx); err != nil {
		l.srv.Close()
	}
	<-l.served
}
