package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"

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

// orgSet changes an organisation's connection policy: relay-only makes
// its new sessions relay all media through TURN.
func orgSet(ctx context.Context, args []string, e env) error {
	var data, name string
	var relayOnly optionalBool
	fs := newFlagSet("org set", e, &data)
	fs.StringVar(&name, "name", "", "organisation name")
	fs.Var(&relayOnly, "relay-only", "new sessions relay all media through TURN (no direct connection); --relay-only=false undoes it")
	st, _, err := parseAndOpen(fs, args, &data, e)
	if err != nil {
		return err
	}
	defer st.Close()
	if name == "" {
		return fmt.Errorf("org set: --name is required")
	}
	if relayOnly.v == nil {
		return fmt.Errorf("org set: nothing to change: give --relay-only or --relay-only=false")
	}
	o, err := st.OrgByName(ctx, name)
	if err != nil {
		return fmt.Errorf("no organisation %q: %w", name, err)
	}
	if err := st.SetOrgRelayOnly(ctx, o.ID, *relayOnly.v); err != nil {
		return err
	}
	if err := recordCommand(ctx, st, o.ID, wire.AuditOrgRelayOnly, "", strconv.FormatBool(*relayOnly.v)); err != nil {
		return err
	}
	if o, err = st.Org(ctx, o.ID); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: disabled=%t relay-only=%t\n", o.Name, o.Disabled, o.RelayOnly)
	return nil
}
