package server_test

import (
	"net/http"
	"testing"

	"github.com/quickhelp/quickhelp/signaling/server"
	"github.com/quickhelp/quickhelp/signaling/server/servertest"
	"github.com/quickhelp/quickhelp/wire"
)

// TestOrgRelayOnly: an admin makes the organisation relay-only; new
// sessions tell both participants so, and PUT changes only the fields it
// names.
func TestOrgRelayOnly(t *testing.T) {
	env := servertest.Start(t)
	admin := env.AdminToken(t)
	helper := env.HelperToken(t)
	if cr := env.CreateSession(t, helper); cr.ICETransportPolicy != wire.ICEPolicyAll {
		t.Errorf("default create policy %q, want all", cr.ICETransportPolicy)
	}
	yes := true
	var pol wire.OrgPolicy
	if st, werr := env.Do(t, http.MethodPut, wire.PathAdminOrg, admin, wire.OrgPolicyPatch{RelayOnly: &yes}, &pol); st != http.StatusOK || !pol.RelayOnly || pol.Disabled {
		t.Fatalf("PUT relayOnly: %d %+v %+v", st, werr, pol)
	}
	cr := env.CreateSession(t, helper)
	if cr.ICETransportPolicy != wire.ICEPolicyRelay {
		t.Errorf("create policy %q, want relay", cr.ICETransportPolicy)
	}
	if jr := env.Join(t, cr.Code); jr.ICETransportPolicy != wire.ICEPolicyRelay {
		t.Errorf("join policy %q, want relay", jr.ICETransportPolicy)
	}
	// Disabling and re-enabling leaves relay-only alone.
	no := false
	env.Do(t, http.MethodPut, wire.PathAdminOrg, admin, wire.OrgPolicyPatch{Disabled: &yes}, nil)
	env.Do(t, http.MethodPut, wire.PathAdminOrg, admin, wire.OrgPolicyPatch{Disabled: &no}, &pol)
	if !pol.RelayOnly || pol.Disabled {
		t.Errorf("after disable/enable: %+v, want relay-only kept", pol)
	}
	env.Do(t, http.MethodPut, wire.PathAdminOrg, admin, wire.OrgPolicyPatch{RelayOnly: &no}, &pol)
	if cr := env.CreateSession(t, helper); pol.RelayOnly || cr.ICETransportPolicy != wire.ICEPolicyAll {
		t.Errorf("relay-only off: %+v, create policy %q", pol, cr.ICETransportPolicy)
	}
}

// TestServiceRelayOnly: the service-wide flag wins over the organisation.
func TestServiceRelayOnly(t *testing.T) {
	env := servertest.StartWith(t, func(c *server.Config) { c.RelayOnly = true })
	cr := env.CreateSession(t, env.HelperToken(t))
	if cr.ICETransportPolicy != wire.ICEPolicyRelay {
		t.Errorf("create policy %q, want relay", cr.ICETransportPolicy)
	}
	if jr := env.Join(t, cr.Code); jr.ICETransportPolicy != wire.ICEPolicyRelay {
		t.Errorf("join policy %q, want relay", jr.ICETransportPolicy)
	}
}
