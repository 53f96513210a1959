package console

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// loopbackPath is where the service sends the browser back to the app.
const loopbackPath = "/quickhelp/signed-in"

// errProviderRefused means the browser came back with an error instead of
// a code.
var errProviderRefused = errors.New("console: sign-in refused")

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
		fmt.Fprint(w, loopbackPage("This sign-in did not come from QuickHelp on this computer. Close this page and sign in from QuickHelp.",
			"このサインインはこのコンピューターの QuickHelp から開始されたものではありません。このページを閉じて、QuickHelp からサインインしてください。"))
		return
	}
	code := q.Get("code")
	first := false
	l.once.Do(func() {
		first = true
		if code == "" {
			l.errs <- errProviderRefused
			return
		}
		l.codes <- code
	})
	if !first || code == "" {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, loopbackPage("This sign-in has already been used. Return to QuickHelp.", "このサインインはすでに使われています。QuickHelp に戻ってください。"))
		return
	}
	fmt.Fprint(w, loopbackPage("You are signed in. Close this tab and return to QuickHelp.", "サインインしました。このタブを閉じて QuickHelp に戻ってください。"))
}

func loopbackPage(en, ja string) string {
	return `<!doctype html><html><head><meta charset="utf-8"><title>QuickHelp</title></head><body>` +
		`<main data-testid="app-signed-in"><h1>QuickHelp</h1><p lang="en">` + en + `</p><p lang="ja">` + ja + `</p></main></body></html>`
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
