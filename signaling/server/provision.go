package server

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/quickhelp/quickhelp/signaling/auth"
	"github.com/quickhelp/quickhelp/signaling/store"
	"github.com/quickhelp/quickhelp/wire"
)

// EnsureOrg returns the organisation called name, creating it if needed.
func EnsureOrg(ctx context.Context, st *store.Store, name string, now time.Time) (store.Org, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return store.Org{}, fmt.Errorf("%w: organisation name is empty", ErrConfig)
	}
	o, err := st.OrgByName(ctx, name)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return o, err
	}
	id, err := auth.NewID()
	if err != nil {
		return store.Org{}, err
	}
	o = store.Org{ID: id, Name: name, CreatedAt: now}
	if err := st.CreateOrg(ctx, o); err != nil {
		if errors.Is(err, store.ErrConflict) { // created concurrently
			return st.OrgByName(ctx, name)
		}
		return store.Org{}, err
	}
	return o, nil
}

// NewUser describes an account to create.
type NewUser struct {
	Email     string
	FirstName string
	LastName  string
	Org       string // organisation name; created if missing
	Role      string // wire.RoleHelper or wire.RoleAdmin
	Password  string
}

// MinPasswordLen is the shortest password accepted for a new account.
const MinPasswordLen = 10

// AddUser validates n, hashes the password with argon2id and stores the
// account. store.ErrConflict means the e-mail is taken.
func AddUser(ctx context.Context, st *store.Store, n NewUser, now time.Time) (store.User, error) {
	addr, err := mail.ParseAddress(strings.TrimSpace(n.Email))
	if err != nil || addr.Name != "" {
		return store.User{}, fmt.Errorf("%w: %q is not an e-mail address", ErrConfig, n.Email)
	}
	if n.Role != wire.RoleHelper && n.Role != wire.RoleAdmin {
		return store.User{}, fmt.Errorf("%w: role must be helper or admin", ErrConfig)
	}
	if strings.TrimSpace(n.FirstName) == "" || strings.TrimSpace(n.LastName) == "" {
		return store.User{}, fmt.Errorf("%w: first and last name are required", ErrConfig)
	}
	if len(n.Password) < MinPasswordLen {
		return store.User{}, fmt.Errorf("%w: the password must have at least %d characters", ErrConfig, MinPasswordLen)
	}
	o, err := EnsureOrg(ctx, st, n.Org, now)
	if err != nil {
		return store.User{}, err
	}
	hash, err := auth.HashPassword(n.Password)
	if err != nil {
		return store.User{}, err
	}
	id, err := auth.NewID()
	if err != nil {
		return store.User{}, err
	}
	u := store.User{ID: id, OrgID: o.ID, OrgName: o.Name, Email: addr.Address, FirstName: strings.TrimSpace(n.FirstName),
		LastName: strings.TrimSpace(n.LastName), Role: n.Role, PasswordHash: hash, CreatedAt: now}
	if err := st.CreateUser(ctx, u); err != nil {
		return store.User{}, err
	}
	return u, nil
}
