package console

import (
	"context"
	"errors"

	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/wire"
)

// Signing the helper in and out of the service.

func (c *Controller) login(r wire.BridgeRequest) {
	if c.st.State != wire.UIStateSignedOut {
		c.notAllowed()
		return
	}
	server := r.Server
	if server == "" {
		server = c.cfg.Server
	}
	api, err := client.New(server, client.WithLogger(c.cfg.Logger))
	if errors.Is(err, client.ErrInsecureURL) {
		c.fail(wire.ReasonBadServerURL, client.MsgInsecureURL)
		return
	}
	if err != nil {
		c.fail(wire.ReasonBadServerURL, "The server address does not look right.")
		return
	}
	if c.cfg.Policy != nil {
		if err := c.cfg.Policy.CheckServer(server); err != nil {
			c.fail(wire.ReasonMachinePolicy, err.Error())
			return
		}
	}
	c.st.Server = server
	c.setState(wire.UIStateSigningIn)
	email, password := r.Email, r.Password
	c.async(func(ctx context.Context) func() {
		res, err := api.Login(ctx, email, password)
		return func() {
			if c.st.State != wire.UIStateSigningIn {
				return
			}
			if err != nil {
				c.log.Info("sign-in failed", "err", err)
				c.setState(wire.UIStateSignedOut)
				reason, msg := loginFailure(err)
				c.fail(reason, msg)
				return
			}
			c.api, c.bearer = api, res.Token
			c.st.UserName = displayName(res.User)
			c.goHome()
		}
	})
}

// loginFailure turns a sign-in error into a reason and a plain sentence.
func loginFailure(err error) (reason wire.Reason, message string) {
	switch {
	case errors.Is(err, client.ErrUnauthorized), errors.Is(err, client.ErrBadRequest), errors.Is(err, client.ErrNotFound):
		return wire.ReasonBadCredentials, "The email or password is not right."
	case errors.Is(err, client.ErrSSORequired):
		return wire.ReasonSSORequired, wire.ReasonSSORequired.Text()
	case errors.Is(err, client.ErrOrgDisabled):
		return wire.ReasonOrgDisabled, wire.ReasonOrgDisabled.Text()
	case errors.Is(err, client.ErrHelperSuspended), errors.Is(err, client.ErrForbidden):
		return wire.ReasonHelperSuspended, client.UserMessage(err)
	case errors.Is(err, client.ErrRateLimited):
		return wire.ReasonRateLimited, client.UserMessage(err)
	case errors.Is(err, client.ErrUnreachable), errors.Is(err, context.DeadlineExceeded), errors.Is(err, client.ErrBadResponse):
		return wire.ReasonServerUnreachable, "Could not reach the QuickHelp server."
	default:
		return wire.ReasonInternal, client.UserMessage(err)
	}
}

func displayName(u wire.User) string {
	name := u.FirstName
	if u.LastName != "" {
		r := []rune(u.LastName)
		name += " " + string(r[0]) + "."
	}
	if name == "" {
		name = u.Email
	}
	return name
}

func (c *Controller) logout() {
	if c.bearer == "" {
		return
	}
	c.teardown()
	c.chat.Reset()
	api, bearer := c.api, c.bearer
	c.api, c.bearer, c.st.UserName = nil, "", ""
	c.async(func(ctx context.Context) func() {
		if err := api.Logout(ctx, bearer); err != nil {
			c.log.Debug("sign-out call failed", "err", err)
		}
		return nil
	})
	c.setState(wire.UIStateSignedOut)
}
