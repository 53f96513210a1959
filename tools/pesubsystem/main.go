// Command pesubsystem prints the Windows subsystem each PE program is built
// for: "gui" (no console window opens when it starts) or "console". With
// -want, it exits non-zero unless every program has that subsystem.
// scripts/dist-test.sh uses it to check that quickhelp-sharer.exe, which the
// app starts in the background, is a GUI-subsystem program.
//
//	pesubsystem [-want gui|console] FILE.exe...
package main

import (
	"debug/pe"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "pesubsystem:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("pesubsystem", flag.ContinueOnError)
	want := fs.String("want", "", `fail unless every file is "gui" or "console"`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("usage: pesubsystem [-want gui|console] FILE.exe...")
	}
	if *want != "" && *want != "gui" && *want != "console" {
		return fmt.Errorf("-want %q: want gui or console", *want)
	}
	var bad []string
	for _, name := range fs.Args() {
		got, err := subsystem(name)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: %s\n", name, got)
		if *want != "" && got != *want {
			bad = append(bad, name)
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("not %s: %v", *want, bad)
	}
	return nil
}

// subsystem reads the optional header's Subsystem field.
func subsystem(name string) (string, error) {
	f, err := pe.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var s uint16
	switch h := f.OptionalHeader.(type) {
	case *pe.OptionalHeader64:
		s = h.Subsystem
	case *pe.OptionalHeader32:
		s = h.Subsystem
	default:
		return "", fmt.Errorf("%s: no optional header", name)
	}
	switch s {
	case pe.IMAGE_SUBSYSTEM_WINDOWS_GUI:
		return "gui", nil
	case pe.IMAGE_SUBSYSTEM_WINDOWS_CUI:
		return "console", nil
	default:
		return fmt.Sprintf("subsystem-%d", s), nil
	}
}
