//go:build !windows

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "pattern: a Windows program (run under wine by scripts/wine-test.sh)")
	os.Exit(2)
}
