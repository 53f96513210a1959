package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/quickhelp/quickhelp/signaling/auth"
	"github.com/quickhelp/quickhelp/signaling/server"
	"github.com/quickhelp/quickhelp/signaling/store"
	"github.com/quickhelp/quickhelp/wire"
)

// openStore opens the service's database: PostgreSQL (or another SQLite
// file) when QUICKHELP_DATABASE_URL names one, else the SQLite file of the
// data directory.
func openStore(data string, e env) (*store.Store, string, error) {
	return openDatabase(context.Background(), e.getenv("QUICKHELP_DATABASE_URL"), data, e)
}

func openDatabase(ctx context.Context, databaseURL, data string, e env) (*store.Store, string, error) {
	dir, err := dataDir(data, e)
	if err != nil {
		return nil, "", err
	}
	if databaseURL != "" {
		st, err := store.OpenURL(ctx, databaseURL)
		return st, dir, err
	}
	st, err := store.Open(filepath.Join(dir, "quickhelp.db"))
	return st, dir, err
}

// serviceSecret is the key the service's other keys derive from: with
// PostgreSQL, where several nodes must agree on it, a row of the database
// created by the first node to start; with SQLite a file of the data
// directory.
func serviceSecret(ctx context.Context, st *store.Store, dir string) ([]byte, error) {
	if st.Backend() != "postgres" {
		return auth.LoadOrCreateSecret(filepath.Join(dir, "secret"))
	}
	fresh := make([]byte, auth.SecretLen)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	return st.ServiceSecret(ctx, "service", fresh)
}

// randomPassword returns 16 characters from an unambiguous alphabet (~93 bits).
func randomPassword() (string, error) {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b), nil
}

func userAdd(ctx context.Context, args []string, e env) error {
	var data, email, first, last, org, role string
	var fromStdin bool
	fs := newFlagSet("user add", e, &data)
	fs.StringVar(&email, "email", "", "e-mail address (sign-in name)")
	fs.StringVar(&first, "first", "", "first name")
	fs.StringVar(&last, "last", "", "last name")
	fs.StringVar(&org, "org", "", "organisation name (created if missing)")
	fs.StringVar(&role, "role", wire.RoleHelper, "helper or admin")
	fs.BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of standard input (else one is generated and printed)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	password := ""
	if fromStdin {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("reading the password from standard input: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
	} else {
		var err error
		if password, err = randomPassword(); err != nil {
			return err
		}
	}
	st, _, err := openStore(data, e)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := server.AddUser(ctx, st, server.NewUser{Email: email, FirstName: first, LastName: last, Org: org, Role: role, Password: password}, time.Now())
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("a user with e-mail %s already exists", email)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "added %s %s <%s> (%s) to %s, id %s\n", u.FirstName, u.LastName, u.Email, u.Role, u.OrgName, u.ID)
	if !fromStdin {
		fmt.Fprintf(e.stdout, "password: %s\n", password)
	}
	return nil
}

// parseAndOpen parses a subcommand's flags and opens the store in the data
// directory they name; the caller closes it.
func parseAndOpen(fs *flag.FlagSet, args []string, data *string, e env) (*store.Store, string, error) {
	if err := fs.Parse(args); err != nil {
		return nil, "", err
	}
	return openStore(*data, e)
}

func userList(ctx context.Context, args []string, e env) error {
	var data string
	st, _, err := parseAndOpen(newFlagSet("user list", e, &data), args, &data, e)
	if err != nil {
		return err
	}
	defer st.Close()
	users, err := st.ListUsers(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tNAME\tROLE\tORGANISATION\tSTATUS\tID")
	for _, u := range users {
		status := "active"
		if u.Disabled {
			status = "suspended"
		}
		fmt.Fprintf(tw, "%s\t%s %s\t%s\t%s\t%s\t%s\n", u.Email, u.FirstName, u.LastName, u.Role, u.OrgName, status, u.ID)
	}
	return tw.Flush()
}

func userSetDisabled(ctx context.Context, args []string, e env, disabled bool) error {
	var data, email string
	name := "user enable"
	if disabled {
		name = "user disable"
	}
	fs := newFlagSet(name, e, &data)
	fs.StringVar(&email, "email", "", "e-mail address of the user")
	st, _, err := parseAndOpen(fs, args, &data, e)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.UserByEmail(ctx, email)
	if err != nil {
		return fmt.Errorf("no user %s: %w", email, err)
	}
	if err := st.SetUserDisabled(ctx, u.ID, disabled); err != nil {
		return err
	}
	action := wire.AuditUserRestore
	if disabled {
		action = wire.AuditUserSuspend
	}
	if err := recordCommand(ctx, st, u.OrgID, action, u.Email, ""); err != nil {
		return err
	}
	state := "enabled"
	if disabled {
		state = "suspended (sign-ins revoked; a running service ends their live sessions within seconds)"
	}
	fmt.Fprintf(e.stdout, "%s %s\n", u.Email, state)
	return nil
}

// orgSetDisabled turns QuickHelp off or on for an organisation, as the
// admin API does; a running service sharing the database ends the
// organisation's live sessions within seconds.
func orgSetDisabled(ctx context.Context, args []string, e env, disabled bool) error {
	var data, name string
	cmd := "org enable"
	if disabled {
		cmd = "org disable"
	}
	fs := newFlagSet(cmd, e, &data)
	fs.StringVar(&name, "name", "", "organisation name")
	st, _, err := parseAndOpen(fs, args, &data, e)
	if err != nil {
		return err
	}
	defer st.Close()
	o, err := st.OrgByName(ctx, name)
	if err != nil {
		return fmt.Errorf("no organisation %q: %w", name, err)
	}
	if err := st.SetOrgDisabled(ctx, o.ID, disabled); err != nil {
		return err
	}
	action := wire.AuditOrgEnable
	if disabled {
		action = wire.AuditOrgDisable
	}
	if err := recordCommand(ctx, st, o.ID, action, "", ""); err != nil {
		return err
	}
	state := "enabled"
	if disabled {
		state = "disabled (a running service ends its live sessions within seconds)"
	}
	fmt.Fprintf(e.stdout, "%s %s\n", o.Name, state)
	return nil
}

// Demo account.
const (
	demoOrg   = "Contoso"
	demoEmail = "alex@example.com"
)

// demo idempotently creates the demo organisation and helper. The password
// is kept in DATA/demo-password.txt (0600) and reused when present.
func demo(ctx context.Context, args []string, e env) error {
	var data string
	st, dir, err := parseAndOpen(newFlagSet("demo", e, &data), args, &data, e)
	if err != nil {
		return err
	}
	defer st.Close()
	pwFile := filepath.Join(dir, "demo-password.txt")
	password, err := readDemoPassword(pwFile)
	if err != nil {
		return err
	}
	fresh := password == ""
	if fresh {
		if password, err = randomPassword(); err != nil {
			return err
		}
	}
	now := time.Now()
	u, err := st.UserByEmail(ctx, demoEmail)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if _, err := server.AddUser(ctx, st, server.NewUser{Email: demoEmail, FirstName: "Alex", LastName: "Parker",
			Org: demoOrg, Role: wire.RoleHelper, Password: password}, now); err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		// The account exists: make sure the stored password is the one
		// we print (the file may have been deleted or edited).
		if ok, _ := auth.VerifyPassword(u.PasswordHash, password); !ok {
			hash, err := auth.HashPassword(password)
			if err != nil {
				return err
			}
			if err := st.SetPassword(ctx, u.ID, hash); err != nil {
				return err
			}
		}
	}
	if fresh {
		if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
			return fmt.Errorf("demo password file: %w", err)
		}
	}
	fmt.Fprintf(e.stdout, "Demo organisation: %s\nDemo helper: Alex Parker <%s>\nPassword: %s\n(stored in %s)\n",
		demoOrg, demoEmail, password, pwFile)
	return nil
}

func readDemoPassword(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("demo password file: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}
