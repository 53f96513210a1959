// Package oidcprovider runs a real OpenID Provider for QuickHelp's tests:
// zitadel/oidc's op package with the in-memory storage and login page of
// its example server, on a loopback http issuer. Tests can rotate its
// signing key, disable a person, and make it issue ID tokens for another
// audience, to see that the service refuses or copes.
package oidcprovider

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// User is a person who can sign in at the provider.
type User struct {
	ID            string // the subject
	Username      string // typed on the login page
	Password      string
	FirstName     string
	LastName      string
	Email         string
	EmailVerified bool
}

// Client is a relying party registered at the provider.
type Client struct {
	ID           string
	Secret       string
	RedirectURIs []string
}

// Config configures a Provider.
type Config struct {
	// Addr is the listen address; optional, default 127.0.0.1:0.
	Addr    string
	Users   []User
	Clients []Client
}

// Provider is a running OpenID Provider.
type Provider struct {
	// Issuer is http://127.0.0.1:PORT.
	Issuer string

	srv   *http.Server
	ln    net.Listener
	store *testStorage
	users *userStore
	done  chan struct{}
}

// Start listens and serves the provider until Close.
func Start(cfg Config) (*Provider, error) {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, err
	}
	issuer := "http://" + ln.Addr().String()
	users := &userStore{users: map[string]*storage.User{}, disabled: map[string]bool{}}
	for _, u := range cfg.Users {
		users.users[u.ID] = &storage.User{ID: u.ID, Username: u.Username, Password: u.Password, FirstName: u.FirstName,
			LastName: u.LastName, Email: u.Email, EmailVerified: u.EmailVerified}
	}
	clients := map[string]*storage.Client{}
	for _, c := range cfg.Clients {
		clients[c.ID] = storage.WebClient(c.ID, c.Secret, c.RedirectURIs...)
	}
	st := &testStorage{Storage: storage.NewStorageWithClients(users, clients)}
	if err := st.RotateKey(); err != nil {
		ln.Close()
		return nil, err
	}
	p := &Provider{Issuer: issuer, ln: ln, store: st, users: users, done: make(chan struct{})}
	p.srv = &http.Server{Handler: exampleop.SetupServer(issuer, st, nil, false), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(p.done)
		if err := p.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic(fmt.Sprintf("oidcprovider: %v", err))
		}
	}()
	return p, nil
}

// Close stops the provider.
func (p *Provider) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := p.srv.Shutdown(ctx)
	<-p.done
	return err
}

// RotateKey replaces the signing key: the key set then lists only the
// new one, as after a provider's key rollover.
func (p *Provider) RotateKey() error { return p.store.RotateKey() }

// DisableUser makes the provider refuse the person from now on: sign-in,
// refresh and userinfo.
func (p *Provider) DisableUser(id string) { p.users.disable(id) }

// IssueForAudience makes the provider issue its next tokens as if the
// client were another one called aud: the ID token's audience and
// authorised party are aud, not the client that asked ("" restores the
// right behaviour).
func (p *Provider) IssueForAudience(aud string) {
	p.store.mu.Lock()
	defer p.store.mu.Unlock()
	p.store.audience = aud
}

// userStore is the example storage's UserStore with people that can be
// disabled.
type userStore struct {
	mu       sync.Mutex
	users    map[string]*storage.User
	disabled map[string]bool
}

func (u *userStore) disable(id string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.disabled[id] = true
}

func (u *userStore) GetUserByID(id string) *storage.User {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.disabled[id] {
		return nil
	}
	return u.users[id]
}

func (u *userStore) GetUserByUsername(name string) *storage.User {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, x := range u.users {
		if x.Username == name && !u.disabled[x.ID] {
			return x
		}
	}
	return nil
}

func (u *userStore) ExampleClientID() string { return storage.ServiceUserID }

// testStorage is the example's in-memory storage with a rotatable signing
// key and an optional wrong audience.
type testStorage struct {
	*storage.Storage

	mu       sync.Mutex
	key      *signingKey
	audience string
}

type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }

type publicKey struct{ *signingKey }

func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.key.PublicKey }

func (s *testStorage) RotateKey() error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.key = &signingKey{id: fmt.Sprintf("k%x", b), key: key}
	return nil
}

func (s *testStorage) SigningKey(context.Context) (op.SigningKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.key, nil
}

func (s *testStorage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *testStorage) KeySet(context.Context) ([]op.Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return []op.Key{publicKey{s.key}}, nil
}

// The provider's library always adds the client to an ID token's
// audience, so issuing for another audience means the request and the
// client both go by the other name at the token endpoint.
type audienceRequest struct {
	op.AuthRequest
	aud string
}

func (a audienceRequest) GetAudience() []string { return []string{a.aud} }
func (a audienceRequest) GetClientID() string   { return a.aud }

type renamedClient struct {
	op.Client
	id string
}

func (c renamedClient) GetID() string { return c.id }

func (s *testStorage) otherAudience() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.audience
}

func (s *testStorage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	req, err := s.Storage.AuthRequestByCode(ctx, code)
	if aud := s.otherAudience(); err == nil && aud != "" {
		return audienceRequest{AuthRequest: req, aud: aud}, nil
	}
	return req, err
}

func (s *testStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if aud := s.otherAudience(); err == nil && aud != "" {
		return renamedClient{Client: c, id: aud}, nil
	}
	return c, err
}
