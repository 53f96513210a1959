package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/quickhelp/quickhelp/wire"
)

// optionalBool is a flag that remembers whether it was given, so "org set"
// changes only what the command line names.
type optionalBool struct{ v *bool }

func (b *optionalBool) String() string {
	if b.v == nil {
		return ""
	}
	return strconv.FormatBool(*b.v)
}

func (b *optionalBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	b.v = &v
	return nil
}

func (b *optionalBool) IsBoolFlag() bool { return true }

var _ flag.Value = (*optionalBool)(nil)

// orgSet changes an organisation's policy: relay-only makes its new
// sessions relay all media through TURN; sign-in names the allowed
// sign-in methods.
func orgSet(ctx context.Context, args []string, e env) error {
	var data, name, signIn string
	var relayOnly optionalBool
	fs := newFlagSet("org set", e, &data)
	fs.StringVar(&name, "name", "", "organisation name")
	fs.Var(&relayOnly, "relay-only", "new sessions relay all media through TURN (no direct connection); --relay-only=false undoes it")
	fs.StringVar(&signIn, "sign-in", "", "allowed sign-in methods, comma-separated: password, oidc")
	st, _, err := parseAndOpen(fs, args, &data, e)
	if err != nil {
		return err
	}
	defer st.Close()
	if name == "" {
		return fmt.Errorf("org set: --name is required")
	}
	if relayOnly.v == nil && signIn == "" {
		return fmt.Errorf("org set: nothing to change: give --relay-only[=false] or --sign-in")
	}
	var methods []string
	if signIn != "" {
		methods = strings.Split(signIn, ",")
		if !validMethods(methods) {
			return fmt.Errorf("org set: --sign-in takes password, oidc or both, comma-separated")
		}
	}
	o, err := st.OrgByName(ctx, name)
	if err != nil {
		return fmt.Errorf("no organisation %q: %w", name, err)
	}
	if relayOnly.v != nil {
		if err := st.SetOrgRelayOnly(ctx, o.ID, *relayOnly.v); err != nil {
			return err
		}
		if err := recordCommand(ctx, st, o.ID, wire.AuditOrgRelayOnly, "", strconv.FormatBool(*relayOnly.v)); err != nil {
			return err
		}
	}
	if methods != nil {
		if err := st.SetOrgSignInMethods(ctx, o.ID, methods); err != nil {
			return err
		}
		if err := recordCommand(ctx, st, o.ID, wire.AuditOrgSignIn, "", strings.Join(methods, ",")); err != nil {
			return err
		}
	}
	if o, err = st.Org(ctx, o.ID); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: disabled=%t relay-only=%t sign-in=%s\n", o.Name, o.Disabled, o.RelayOnly, strings.Join(o.SignInMethods, ","))
	return nil
}

// validMethods reports whether ms names known sign-in methods, each once.
func validMethods(ms []string) bool {
	for i, m := range ms {
		if (m != wire.SignInPassword && m != wire.SignInOIDC) || slices.Contains(ms[:i], m) {
			return false
		}
	}
	return len(ms) > 0
}
