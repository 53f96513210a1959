package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
)

// Reserved part names: the packer writes these itself.
const (
	manifestName     = "AppxManifest.xml"
	blockMapName     = "AppxBlockMap.xml"
	contentTypesName = "[Content_Types].xml"
	signatureName    = "AppxSignature.p7x"
)

// File is one payload file: Name is its path inside the package with
// forward slashes ("quickhelp.exe", "Assets/StoreLogo.png").
type File struct {
	Name    string
	Content []byte
}

var errBadName = errors.New("msix: invalid file name")

// checkName keeps names to what needs no OPC percent-encoding and cannot
// collide with the package's own parts.
func checkName(name string) error {
	if name == "" || path.Clean(name) != name || strings.HasPrefix(name, "/") {
		return fmt.Errorf("%w: %q", errBadName, name)
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == "." || seg == ".." {
			return fmt.Errorf("%w: %q", errBadName, name)
		}
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-/", r)
		if !ok {
			return fmt.Errorf("%w: %q (use letters, digits, '.', '_', '-' and '/')", errBadName, name)
		}
	}
	switch strings.ToLower(name) {
	case strings.ToLower(blockMapName), strings.ToLower(contentTypesName), strings.ToLower(signatureName):
		return fmt.Errorf("%w: %q is reserved", errBadName, name)
	}
	if strings.HasPrefix(strings.ToLower(name), "appxmetadata/") {
		return fmt.Errorf("%w: %q is reserved", errBadName, name)
	}
	return nil
}

// Pack writes an MSIX package made of manifest (AppxManifest.xml) and
// files to w: payload files in name order, then AppxManifest.xml,
// AppxBlockMap.xml and [Content_Types].xml last, as MakeAppx lays them
// out (signing tools insert AppxSignature.p7x before the content types).
func Pack(w io.Writer, manifest []byte, files []File) error {
	if err := checkManifest(manifest); err != nil {
		return err
	}
	sorted := append([]File(nil), files...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	seen := map[string]bool{strings.ToLower(manifestName): true}
	for _, f := range sorted {
		if err := checkName(f.Name); err != nil {
			return err
		}
		if seen[strings.ToLower(f.Name)] {
			return fmt.Errorf("%w: %q given twice (or clashes with %s)", errBadName, f.Name, manifestName)
		}
		seen[strings.ToLower(f.Name)] = true
	}
	sorted = append(sorted, File{Name: manifestName, Content: manifest})

	zw := &zipWriter{w: w}
	var entries []BlockMapFile
	for _, f := range sorted {
		ef, err := encodeFile(f.Name, f.Content)
		if err != nil {
			return err
		}
		if err := zw.add(f.Name, ef.method, ef.data, f.Content); err != nil {
			return err
		}
		entries = append(entries, ef.entry)
	}
	blockMap, err := marshalBlockMap(entries)
	if err != nil {
		return err
	}
	if err := addWhole(zw, blockMapName, blockMap); err != nil {
		return err
	}
	if err := addWhole(zw, contentTypesName, contentTypes(sorted)); err != nil {
		return err
	}
	return zw.close()
}

// addWhole adds a footprint file (not in the block map), deflated.
func addWhole(zw *zipWriter, name string, content []byte) error {
	ef, err := encodeFile(name, content)
	if err != nil {
		return err
	}
	return zw.add(name, ef.method, ef.data, content)
}

// checkManifest makes sure the manifest is well-formed XML with a Package
// root, so a template mistake fails here rather than at install time.
func checkManifest(manifest []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(manifest))
	for {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("msix: manifest is not valid XML: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != "Package" {
				return fmt.Errorf("msix: manifest root is <%s>, want <Package>", se.Name.Local)
			}
			break
		}
	}
	for {
		_, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("msix: manifest is not valid XML: %w", err)
		}
	}
}

// mimeTypes maps extensions of payload files to content types; anything
// else is application/octet-stream.
var mimeTypes = map[string]string{
	"exe":  "application/x-msdownload",
	"dll":  "application/x-msdownload",
	"png":  "image/png",
	"ico":  "image/vnd.microsoft.icon",
	"json": "application/json",
	"txt":  "text/plain",
	"html": "text/html",
	"js":   "application/javascript",
	"css":  "text/css",
}

type ctTypes struct {
	XMLName   xml.Name     `xml:"Types"`
	XMLNS     string       `xml:"xmlns,attr"`
	Defaults  []ctDefault  `xml:"Default"`
	Overrides []ctOverride `xml:"Override"`
}

type ctDefault struct {
	Extension   string `xml:"Extension,attr"`
	ContentType string `xml:"ContentType,attr"`
}

type ctOverride struct {
	PartName    string `xml:"PartName,attr"`
	ContentType string `xml:"ContentType,attr"`
}

// contentTypes renders [Content_Types].xml: one Default per payload
// extension, Overrides for the manifest, the block map and files
// without an extension.
func contentTypes(files []File) []byte {
	t := ctTypes{XMLNS: "http://schemas.openxmlformats.org/package/2006/content-types"}
	exts := map[string]bool{}
	for _, f := range files {
		if f.Name == manifestName {
			continue
		}
		ext := strings.ToLower(strings.TrimPrefix(path.Ext(f.Name), "."))
		if ext == "" {
			t.Overrides = append(t.Overrides, ctOverride{PartName: "/" + f.Name, ContentType: "application/octet-stream"})
			continue
		}
		if !exts[ext] {
			exts[ext] = true
			ct := mimeTypes[ext]
			if ct == "" {
				ct = "application/octet-stream"
			}
			t.Defaults = append(t.Defaults, ctDefault{Extension: ext, ContentType: ct})
		}
	}
	sort.Slice(t.Defaults, func(i, j int) bool { return t.Defaults[i].Extension < t.Defaults[j].Extension })
	t.Overrides = append(t.Overrides,
		ctOverride{PartName: "/" + manifestName, ContentType: "application/vnd.ms-appx.manifest+xml"},
		ctOverride{PartName: "/" + blockMapName, ContentType: "application/vnd.ms-appx.blockmap+xml"},
	)
	out, _ := xml.Marshal(t) // cannot fail: plain strings only
	return append([]byte(xml.Header), out...)
}
