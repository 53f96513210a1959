package console

import (
	"fmt"
	"testing"

	"github.com/quickhelp/quickhelp/signaling/client"
	"github.com/quickhelp/quickhelp/wire"
)

// A refusal because the organisation turned QuickHelp off must not be told
// to the helper as a suspension of their own account.
func TestFailureReasons(t *testing.T) {
	cases := []struct {
		err  error
		want wire.Reason
	}{
		{fmt.Errorf("create: %w", client.ErrOrgDisabled), wire.ReasonOrgDisabled},
		{fmt.Errorf("create: %w", client.ErrHelperSuspended), wire.ReasonHelperSuspended},
		{fmt.Errorf("login: %w", client.ErrRateLimited), wire.ReasonRateLimited},
	}
	for _, c := range cases {
		if got, _ := loginFailure(c.err); got != c.want {
			t.Errorf("loginFailure(%v) = %q, want %q", c.err, got, c.want)
		}
		if got, _ := oidcFailure(c.err); got != c.want {
			t.Errorf("oidcFailure(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}
