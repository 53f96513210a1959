// Command oidcprovider runs the test OpenID Provider (package
// test/oidcprovider) as a program for the browser tests: one client, one
// person, an http issuer on loopback. It prints "issuer URL" once serving
// and stops on SIGTERM or SIGINT. Tests only.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/quickhelp/quickhelp/test/oidcprovider"
)

func main() {
	var cfg oidcprovider.Config
	var client oidcprovider.Client
	var user oidcprovider.User
	var redirect string
	flag.StringVar(&cfg.Addr, "addr", "127.0.0.1:0", "listen address")
	flag.StringVar(&client.ID, "client-id", "quickhelp", "the relying party's client ID")
	flag.StringVar(&client.Secret, "client-secret", "", "the relying party's client secret")
	flag.StringVar(&redirect, "redirect", "", "the relying party's redirect URI")
	flag.StringVar(&user.ID, "sub", "sub-1", "the person's subject")
	flag.StringVar(&user.Username, "username", "", "the person's login name on the provider's page")
	flag.StringVar(&user.Password, "password", "", "the person's password")
	flag.StringVar(&user.FirstName, "first", "", "given name")
	flag.StringVar(&user.LastName, "last", "", "family name")
	flag.StringVar(&user.Email, "email", "", "e-mail address (verified)")
	flag.Parse()
	if client.Secret == "" || redirect == "" || user.Username == "" || user.Password == "" {
		fmt.Fprintln(os.Stderr, "oidcprovider: -client-secret, -redirect, -username and -password are required")
		os.Exit(2)
	}
	user.EmailVerified = true
	client.RedirectURIs = []string{redirect}
	cfg.Clients, cfg.Users = []oidcprovider.Client{client}, []oidcprovider.User{user}
	p, err := oidcprovider.Start(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "oidcprovider:", err)
		os.Exit(1)
	}
	fmt.Println("issuer", p.Issuer)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	<-sig
	_ = p.Close()
}
