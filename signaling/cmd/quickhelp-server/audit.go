package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/quickhelp/quickhelp/signaling/auth"
	"github.com/quickhelp/quickhelp/signaling/store"
)

// commandLineActor is the audit log's "who" for changes made with these
// commands on the service's machine (whoever can run them owns the data
// directory).
const commandLineActor = "(command line)"

// recordCommand writes an audit entry for an admin change made from the
// command line.
func recordCommand(ctx context.Context, st *store.Store, orgID, action, target, detail string) error {
	id, err := auth.NewID()
	if err != nil {
		return err
	}
	return st.AddAudit(ctx, store.AuditEntry{ID: id, OrgID: orgID, ActorEmail: commandLineActor,
		Action: action, Target: target, Detail: detail, CreatedAt: time.Now()})
}

// auditList prints an organisation's audit log, newest first.
func auditList(ctx context.Context, args []string, e env) error {
	var data, name string
	var limit int
	fs := newFlagSet("audit list", e, &data)
	fs.StringVar(&name, "org", "", "organisation name")
	fs.IntVar(&limit, "limit", 100, "at most this many entries, newest first")
	st, _, err := parseAndOpen(fs, args, &data, e)
	if err != nil {
		return err
	}
	defer st.Close()
	if name == "" {
		return fmt.Errorf("audit list: --org is required")
	}
	if limit <= 0 {
		return fmt.Errorf("audit list: --limit must be positive")
	}
	o, err := st.OrgByName(ctx, name)
	if err != nil {
		return fmt.Errorf("no organisation %q: %w", name, err)
	}
	entries, err := st.Audit(ctx, o.ID, limit)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WHEN (UTC)\tWHO\tACTION\tTARGET\tDETAIL")
	for _, a := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.CreatedAt.UTC().Format(time.DateTime), a.ActorEmail, a.Action,
			dash(a.Target), dash(a.Detail))
	}
	return tw.Flush()
}

func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}
