// Command msix builds and checks MSIX packages for QuickHelp without the
// Windows SDK: it renders AppxManifest.xml from a template, lays out the
// ZIP, writes [Content_Types].xml and AppxBlockMap.xml (SHA-256 of every
// 64 KiB block), and verifies packages it or others made. Signing is a
// separate step (osslsigncode), see scripts/dist.sh.
//
//	msix pack -manifest build/windows/msix/AppxManifest.xml -out X.msix \
//	    -version 0.1.0 -publisher "CN=Contoso" -icon build/appicon.png \
//	    quickhelp.exe=build/bin/quickhelp.exe ...
//	msix verify X.msix
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "msix:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  msix pack -manifest TEMPLATE -out FILE.msix [-version V] [-publisher DN]
            [-publisher-name NAME] [-name IDENTITY] [-icon PNG] NAME=PATH...
  msix verify FILE.msix...`

func run(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	switch args[0] {
	case "pack":
		return runPack(args[1:], stdout)
	case "verify":
		if len(args) < 2 {
			return errors.New(usage)
		}
		for _, name := range args[1:] {
			n, err := verifyPath(name)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s: OK, %d files match the block map\n", name, n)
		}
		return nil
	}
	return errors.New(usage)
}

func verifyPath(name string) (int, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return Verify(f, st.Size())
}

func runPack(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("msix pack", flag.ContinueOnError)
	var id Identity
	manifestPath := fs.String("manifest", "", "AppxManifest.xml template")
	out := fs.String("out", "", "package to write")
	icon := fs.String("icon", "", "square PNG the logos are made from")
	fs.StringVar(&id.Version, "version", "0.0.0", "package version (1 to 4 numeric parts)")
	fs.StringVar(&id.Publisher, "publisher", "CN=QuickHelp", "publisher distinguished name: must equal the signing certificate's subject")
	fs.StringVar(&id.PublisherDisplayName, "publisher-name", "QuickHelp", "publisher name shown to people")
	fs.StringVar(&id.Name, "name", "QuickHelp.QuickHelp", "package identity name (the Store gives it when reserving the name)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *manifestPath == "" || *out == "" {
		return errors.New(usage)
	}
	tmpl, err := os.ReadFile(*manifestPath)
	if err != nil {
		return err
	}
	manifest, err := RenderManifest(string(tmpl), id)
	if err != nil {
		return err
	}
	var files []File
	for _, spec := range fs.Args() {
		name, src, ok := strings.Cut(spec, "=")
		if !ok {
			return fmt.Errorf("file %q: want NAME=PATH", spec)
		}
		content, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		files = append(files, File{Name: name, Content: content})
	}
	if *icon != "" {
		logos, err := Logos(*icon)
		if err != nil {
			return err
		}
		files = append(files, logos...)
	}
	var buf bytes.Buffer
	if err := Pack(&buf, manifest, files); err != nil {
		return err
	}
	// Check what was written with the independent reader before shipping it.
	if _, err := Verify(bytes.NewReader(buf.Bytes()), int64(buf.Len())); err != nil {
		return err
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "msix: wrote %s (%d files, %d bytes)\n", *out, len(files)+1, buf.Len())
	return nil
}
