package main

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"strings"

	"github.com/quickhelp/quickhelp/signaling/auth"
	"github.com/quickhelp/quickhelp/signaling/oidc"
	"github.com/quickhelp/quickhelp/signaling/server"
	"github.com/quickhelp/quickhelp/signaling/store"
	"github.com/quickhelp/quickhelp/wire"
)

// orgOIDCSet sets an organisation's OpenID Connect provider. The client
// secret is read from a file (never from the command line, where other
// users of the machine could read it) and stored sealed under the
// service secret; nothing prints it back.
func orgOIDCSet(ctx context.Context, args []string, e env) error {
	var data, name, secretFile string
	var in wire.OIDCSettings
	var local optionalBool
	fs := newFlagSet("org oidc set", e, &data)
	fs.StringVar(&name, "org", "", "organisation name")
	fs.StringVar(&in.Issuer, "issuer", "", `the provider's issuer URL (Entra ID: https://login.microsoftonline.com/<tenant ID>/v2.0); "" removes the provider`)
	fs.StringVar(&in.ClientID, "client-id", "", "the client (application) ID registered at the provider")
	fs.StringVar(&secretFile, "client-secret-file", "", "file holding the client secret (first line); optional when one is already stored")
	fs.StringVar(&in.AllowedDomain, "allowed-domain", "", "e-mail domain of the organisation's people (needs a verified e-mail); also finds the organisation at sign-in")
	fs.StringVar(&in.TenantClaim, "tenant-claim", "", "claim=value every ID token must carry, e.g. tid=<tenant ID>")
	fs.Var(&local, "local-sign-in", "whether people may also sign in with a QuickHelp password (default: unchanged, initially true)")
	st, dir, err := parseAndOpen(fs, args, &data, e)
	if err != nil {
		return err
	}
	defer st.Close()
	if name == "" {
		return fmt.Errorf("org oidc set: --org is required")
	}
	in.LocalSignIn = local.v
	if secretFile != "" {
		b, err := os.ReadFile(secretFile)
		if err != nil {
			return fmt.Errorf("org oidc set: client secret: %w", err)
		}
		first, _, _ := strings.Cut(string(b), "\n")
		if in.ClientSecret = strings.TrimSpace(first); in.ClientSecret == "" {
			return fmt.Errorf("org oidc set: %s is empty", secretFile)
		}
	}
	o, err := st.OrgByName(ctx, name)
	if err != nil {
		return fmt.Errorf("no organisation %q: %w", name, err)
	}
	sealer, err := cliSealer(dir)
	if err != nil {
		return err
	}
	err = server.SetOIDC(ctx, st, sealer, o.ID, in)
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("org oidc set: another organisation already uses the domain %s", in.AllowedDomain)
	}
	if err != nil {
		return fmt.Errorf("org oidc set: %w", err)
	}
	if in.Issuer == "" {
		if err := recordCommand(ctx, st, o.ID, wire.AuditOrgOIDC, "", "removed"); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s: provider removed\n", o.Name)
		return nil
	}
	c, err := st.OIDCConfig(ctx, o.ID)
	if err != nil {
		return err
	}
	detail := fmt.Sprintf("issuer=%s local-sign-in=%t", c.Issuer, c.LocalSignIn)
	if err := recordCommand(ctx, st, o.ID, wire.AuditOrgOIDC, "", detail); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: issuer=%s client-id=%s allowed-domain=%s tenant-claim=%s local-sign-in=%t client-secret=stored\n",
		o.Name, c.Issuer, c.ClientID, c.AllowedDomain, c.TenantClaim, c.LocalSignIn)
	return nil
}

// cliSealer seals as the running service does: under the same subkey of
// the data directory's secret.
func cliSealer(dir string) (*oidc.Sealer, error) {
	secret, err := auth.LoadOrCreateSecret(filepath.Join(dir, "secret"))
	if err != nil {
		return nil, err
	}
	return oidc.NewSealer(subkey(secret, "codes"))
}

// orgAdminAdd names the first administrator of an organisation whose
// people sign in through its provider: whoever first signs in there with
// this verified e-mail becomes admin (an existing account is promoted at
// its next provider sign-in).
func orgAdminAdd(ctx context.Context, args []string, e env) error {
	var data, name, email string
	fs := newFlagSet("org admin add", e, &data)
	fs.StringVar(&name, "org", "", "organisation name")
	fs.StringVar(&email, "email", "", "e-mail address the administrator signs in with at the provider")
	st, _, err := parseAndOpen(fs, args, &data, e)
	if err != nil {
		return err
	}
	defer st.Close()
	addr, err := mail.ParseAddress(strings.TrimSpace(email))
	if name == "" || err != nil || addr.Name != "" {
		return fmt.Errorf("org admin add: --org and a valid --email are required")
	}
	o, err := st.OrgByName(ctx, name)
	if err != nil {
		return fmt.Errorf("no organisation %q: %w", name, err)
	}
	if err := st.AddPendingAdmin(ctx, o.ID, addr.Address); err != nil {
		return err
	}
	if err := recordCommand(ctx, st, o.ID, wire.AuditOrgAdminAdd, addr.Address, ""); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %s becomes administrator at their next sign-in with the organisation's provider\n", o.Name, addr.Address)
	return nil
}
