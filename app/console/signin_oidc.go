package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"time"

	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/wire"
)

// Sign-in with the organisation's provider: the app opens the system
// browser at the service's start address with its own state and PKCE
// challenge, waits on a loopback listener for the one-time code, and trades
// it (with the verifier) for the same sign-in token a password gives.

// oidcTimeout bounds the whole sign-in in the browser (the person may need
// to pass the provider's multi-factor check).
const oidcTimeout = 5 * time.Minute

// newAPI checks a server address against this machine's policy and returns
// a client for it, telling the page itself when it cannot.
func (c *Controller) newAPI(server string) (*client.Client, bool) {
	api, err := client.New(server, client.WithLogger(c.cfg.Logger))
	if errors.Is(err, client.ErrInsecureURL) {
		c.fail(wire.ReasonBadServerURL, client.MsgInsecureURL)
		return nil, false
	}
	if err != nil {
		c.fail(wire.ReasonBadServerURL, "The server address does not look right.")
		return nil, false
	}
	if c.cfg.Policy != nil {
		if err := c.cfg.Policy.CheckServer(server); err != nil {
			c.fail(wire.ReasonMachinePolicy, err.Error())
			return nil, false
		}
	}
	return api, true
}

func (c *Controller) serverOf(r wire.BridgeRequest) string {
	if r.Server != "" {
		return r.Server
	}
	return c.cfg.Server
}

// lookupSignIn asks the service how the e-mail's organisation signs in and
// tells the page; a failure leaves the page's password form as it is.
func (c *Controller) lookupSignIn(r wire.BridgeRequest) {
	if c.st.State != wire.UIStateSignedOut {
		return
	}
	api, err := client.New(c.serverOf(r), client.WithLogger(c.cfg.Logger))
	if err != nil || (c.cfg.Policy != nil && c.cfg.Policy.CheckServer(c.serverOf(r)) != nil) {
		return
	}
	email := r.Email
	c.async(func(ctx context.Context) func() {
		opts, err := api.SignInOptions(ctx, email)
		if err != nil {
			c.log.Debug("sign-in lookup failed", "err", err)
			return nil
		}
		return func() {
			c.cfg.Sink.Event(wire.BridgeEvent{Type: wire.BridgeSignInOptions, SignIn: &wire.BridgeSignIn{
				Email: email, Organization: opts.Organization, OIDC: opts.OIDC, Password: opts.Password}})
		}
	})
}

// loginOIDC starts a sign-in with the organisation's provider in the
// system browser.
func (c *Controller) loginOIDC(r wire.BridgeRequest) {
	if c.st.State != wire.UIStateSignedOut {
		c.notAllowed()
		return
	}
	server := c.serverOf(r)
	api, ok := c.newAPI(server)
	if !ok {
		return
	}
	state, verifier, err := randomToken(), randomToken(), error(nil)
	if state == "" || verifier == "" {
		err = errors.New("no randomness")
	}
	var recv *loopbackReceiver
	if err == nil {
		recv, err = listenLoopback(state)
	}
	if err != nil {
		c.log.Warn("sign-in with provider could not start", "err", err)
		c.fail(wire.ReasonSSOFailed, wire.ReasonSSOFailed.Text())
		return
	}
	c.st.Server = server
	c.setState(wire.UIStateSigningIn)
	ctx, cancel := context.WithTimeout(c.ctx, oidcTimeout)
	c.oidcCancel = cancel
	start := api.OIDCStartURL(r.Org, recv.RedirectURI(), challengeS256(verifier), state)
	c.wg.Go(func() {
		defer cancel()
		res, err := c.runOIDC(ctx, api, recv, start, verifier)
		c.post(func() { c.oidcDone(api, res, err, ctx) })
	})
}

// runOIDC opens the browser, waits for the code and trades it.
func (c *Controller) runOIDC(ctx context.Context, api *client.Client, recv *loopbackReceiver, start, verifier string) (wire.LoginResponse, error) {
	defer recv.Close()
	if err := c.cfg.Browser.Open(ctx, start); err != nil {
		return wire.LoginResponse{}, err
	}
	code, err := recv.Wait(ctx)
	if err != nil {
		return wire.LoginResponse{}, err
	}
	tctx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	defer cancel()
	return api.OIDCToken(tctx, code, verifier)
}

func (c *Controller) oidcDone(api *client.Client, res wire.LoginResponse, err error, ctx context.Context) {
	c.oidcCancel = nil
	if c.st.State != wire.UIStateSigningIn {
		return
	}
	if err != nil {
		c.setState(wire.UIStateSignedOut)
		if errors.Is(err, context.Canceled) && ctx.Err() != nil && c.ctx.Err() == nil {
			return // the person cancelled
		}
		c.log.Info("sign-in with provider failed", "err", err)
		reason, msg := oidcFailure(err)
		c.fail(reason, msg)
		return
	}
	c.api, c.bearer = api, res.Token
	c.st.UserName = displayName(res.User)
	c.goHome()
}

// cancelOIDC stops waiting for the browser.
func (c *Controller) cancelOIDC() {
	if c.oidcCancel != nil {
		c.oidcCancel()
	}
}

func oidcFailure(err error) (wire.Reason, string) {
	var refused refusal
	switch {
	case errors.As(err, &refused): // the service's callback said why
		return refused.reason, refused.reason.Text()
	case errors.Is(err, client.ErrOrgDisabled):
		return wire.ReasonOrgDisabled, wire.ReasonOrgDisabled.Text()
	case errors.Is(err, client.ErrHelperSuspended):
		return wire.ReasonHelperSuspended, client.UserMessage(err)
	case errors.Is(err, client.ErrRateLimited):
		return wire.ReasonRateLimited, client.UserMessage(err)
	case errors.Is(err, client.ErrUnreachable):
		return wire.ReasonServerUnreachable, "Could not reach the QuickHelp server."
	default:
		return wire.ReasonSSOFailed, wire.ReasonSSOFailed.Text()
	}
}

// randomToken is 256 random bits, base64url: a state, or a PKCE verifier
// (43 characters, RFC 7636).
func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func challengeS256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
