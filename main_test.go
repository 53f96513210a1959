package main

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"
)

func TestRunArguments(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // in the error
	}{
		{"console with a stray argument", []string{"console", "extra"}, `unexpected argument "extra"`},
		{"console refuses a public address", []string{"console", "-listen", "0.0.0.0:0"}, "loopback"},
		{"unknown flag", []string{"-nope"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(tt.args, &out, &errOut)
			if err == nil || !strings.Contains(err.Error()+errOut.String(), tt.want) {
				t.Errorf("run(%q) = %v (stderr %q), want an error mentioning %q", tt.args, err, errOut.String(), tt.want)
			}
			if out.Len() != 0 {
				t.Errorf("run(%q) printed %q on stdout", tt.args, out.String())
			}
		})
	}
	var out, errOut bytes.Buffer
	if err := run([]string{"-h"}, &out, &errOut); !errors.Is(err, flag.ErrHelp) || !strings.Contains(errOut.String(), "quickhelp console") {
		t.Errorf("run(-h) = %v with usage %q", err, errOut.String())
	}
}

func TestVersion(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run([]string{"--version"}, &out, &errOut); err != nil || !strings.HasPrefix(out.String(), "quickhelp ") {
		t.Errorf("run(--version) = %v, printed %q", err, out.String())
	}
}
