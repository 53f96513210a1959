package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testManifest = `<?xml version="1.0" encoding="utf-8"?>
<Package xmlns="http://schemas.microsoft.com/appx/manifest/foundation/windows10"><Identity Name="T" Publisher="CN=T" Version="1.0.0.0"/></Package>`

// testFiles covers the block boundaries: empty, one byte, exactly one
// block, one block and a byte, several blocks of incompressible data
// (stored) and of compressible data (deflated).
func testFiles() []File {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	text := []byte(strings.Repeat("QuickHelp block map test line.\n", 9000)) // ~279 KB, compressible
	return []File{
		{Name: "empty.txt", Content: nil},
		{Name: "one.bin", Content: []byte{7}},
		{Name: "block.bin", Content: random(blockSize)},
		{Name: "block-plus-one.bin", Content: random(blockSize + 1)},
		{Name: "app/random.exe", Content: random(3*blockSize + 123)},
		{Name: "app/text.js", Content: text},
		{Name: "NOEXT", Content: []byte("no extension")},
	}
}

func pack(t *testing.T, files []File) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Pack(&buf, []byte(testManifest), files); err != nil {
		t.Fatalf("Pack() = %v", err)
	}
	return buf.Bytes()
}

// TestBlockMapHashes recomputes, from the raw files given to Pack, the
// SHA-256 of every 64 KiB block and compares with AppxBlockMap.xml as read
// back by the standard ZIP reader.
func TestBlockMapHashes(t *testing.T) {
	files := testFiles()
	pkg := pack(t, files)
	zr, err := zip.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
	if err != nil {
		t.Fatalf("zip.NewReader() = %v", err)
	}
	byName := map[string]*zip.File{}
	var order []string
	for _, f := range zr.File {
		byName[f.Name] = f
		order = append(order, f.Name)
	}
	if last := order[len(order)-1]; last != contentTypesName {
		t.Errorf("last entry = %q, want %q", last, contentTypesName)
	}
	rc, err := byName[blockMapName].Open()
	if err != nil {
		t.Fatal(err)
	}
	var bm BlockMap
	if err := xml.NewDecoder(rc).Decode(&bm); err != nil {
		t.Fatalf("decode block map: %v", err)
	}
	rc.Close()
	listed := map[string]BlockMapFile{}
	for _, f := range bm.Files {
		listed[f.Name] = f
	}
	want := append(files, File{Name: manifestName, Content: []byte(testManifest)})
	if len(bm.Files) != len(want) {
		t.Errorf("block map has %d files, want %d", len(bm.Files), len(want))
	}
	for _, f := range want {
		name := strings.ReplaceAll(f.Name, "/", `\`)
		bf, ok := listed[name]
		if !ok {
			t.Errorf("block map has no %q", name)
			continue
		}
		if bf.Size != uint64(len(f.Content)) {
			t.Errorf("%s: Size = %d, want %d", name, bf.Size, len(f.Content))
		}
		if want := 30 + len(f.Name); bf.LfhSize != want {
			t.Errorf("%s: LfhSize = %d, want %d", name, bf.LfhSize, want)
		}
		var hashes []string
		for off := 0; off < len(f.Content); off += blockSize {
			sum := sha256.Sum256(f.Content[off:min(off+blockSize, len(f.Content))])
			hashes = append(hashes, base64.StdEncoding.EncodeToString(sum[:]))
		}
		if len(bf.Blocks) != len(hashes) {
			t.Errorf("%s: %d blocks, want %d", name, len(bf.Blocks), len(hashes))
			continue
		}
		var compressed uint64
		for i, b := range bf.Blocks {
			if b.Hash != hashes[i] {
				t.Errorf("%s block %d: Hash = %s, want %s", name, i, b.Hash, hashes[i])
			}
			compressed += b.Size
		}
		zf := byName[f.Name]
		switch zf.Method {
		case zip.Deflate:
			if compressed != zf.CompressedSize64 {
				t.Errorf("%s: block sizes sum to %d, want compressed size %d", name, compressed, zf.CompressedSize64)
			}
		case zip.Store:
			if compressed != 0 {
				t.Errorf("%s: stored file has block sizes", name)
			}
		}
		got, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(got)
		if err != nil || !bytes.Equal(data, f.Content) {
			t.Errorf("%s: content read back differs (err %v)", name, err)
		}
	}
	if byName["app/text.js"].Method != zip.Deflate {
		t.Errorf("compressible file stored, want deflated")
	}
	if byName["app/random.exe"].Method != zip.Store {
		t.Errorf("incompressible file deflated, want stored")
	}
	if n, err := Verify(bytes.NewReader(pkg), int64(len(pkg))); err != nil || n != len(want) {
		t.Errorf("Verify() = %d, %v; want %d, nil", n, err, len(want))
	}
}

// TestVerifyDetectsTampering flips one byte in a payload file's data and
// expects Verify to fail: the check can fail.
func TestVerifyDetectsTampering(t *testing.T) {
	tests := []struct {
		name string
		file string
	}{
		{"stored block", "app/random.exe"},
		{"deflated block", "app/text.js"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkg := pack(t, testFiles())
			zr, _ := zip.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
			var off int64
			for _, f := range zr.File {
				if f.Name == tt.file {
					off, _ = f.DataOffset()
				}
			}
			pkg[off+100] ^= 0xff // inside the first block of either file
			if _, err := Verify(bytes.NewReader(pkg), int64(len(pkg))); err == nil {
				t.Errorf("Verify(tampered %s) = nil, want an error", tt.file)
			}
		})
	}
}

func TestVerifyRejectsUnlistedFile(t *testing.T) {
	pkg := pack(t, testFiles())
	// Rebuild the ZIP with one extra entry that the block map does not list.
	zr, _ := zip.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	w, _ := zw.Create("sneaky.dll")
	w.Write([]byte("x"))
	zw.Close()
	if _, err := Verify(bytes.NewReader(buf.Bytes()), int64(buf.Len())); !errors.Is(err, errInvalid) {
		t.Errorf("Verify(extra file) = %v, want errInvalid", err)
	}
}

func TestPackRejects(t *testing.T) {
	tests := []struct {
		name     string
		manifest string
		files    []File
	}{
		{"bad manifest", "<Package>", nil},
		{"wrong root", "<Foo/>", nil},
		{"reserved block map", testManifest, []File{{Name: "AppxBlockMap.xml"}}},
		{"manifest twice", testManifest, []File{{Name: "appxmanifest.xml"}}},
		{"duplicate", testManifest, []File{{Name: "a.txt"}, {Name: "a.txt"}}},
		{"space in name", testManifest, []File{{Name: "my file.txt"}}},
		{"dot dot", testManifest, []File{{Name: "../x.txt"}}},
		{"metadata", testManifest, []File{{Name: "AppxMetadata/x.cat"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Pack(io.Discard, []byte(tt.manifest), tt.files); err == nil {
				t.Errorf("Pack(%s) = nil, want an error", tt.name)
			}
		})
	}
}

func TestPackageVersion(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{"0.1.0", "0.1.0.0", false},
		{"1.2.3.4", "1.2.3.4", false},
		{"v2", "2.0.0.0", false},
		{"0.1.0-rc1", "0.1.0.0", false},
		{"1.2.3+build5", "1.2.3.0", false},
		{"1.2.3.4.5", "", true},
		{"1.x", "", true},
		{"70000.0.0", "", true},
		{"01.2", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		got, err := PackageVersion(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("PackageVersion(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// TestCommandPacksProjectManifest runs the command on the project's real
// manifest template and icon, then checks the layout and manifest values.
func TestCommandPacksProjectManifest(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "app.exe")
	if err := os.WriteFile(exe, bytes.Repeat([]byte("MZ"), 70000), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "q.msix")
	var stdout bytes.Buffer
	err := run([]string{"pack",
		"-manifest", "../../build/windows/msix/AppxManifest.xml",
		"-icon", "../../build/appicon.png",
		"-version", "1.2.3", "-publisher", "CN=Contoso & Co, O=Contoso, C=GB",
		"-out", out, "quickhelp.exe=" + exe, "quickhelp-sharer.exe=" + exe}, &stdout)
	if err != nil {
		t.Fatalf("msix pack = %v", err)
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
	}
	for _, want := range []string{"quickhelp.exe", "quickhelp-sharer.exe", "Assets/StoreLogo.png",
		"Assets/Square44x44Logo.png", "Assets/Square150x150Logo.png", manifestName, blockMapName, contentTypesName} {
		if !names[want] {
			t.Errorf("package has no %q", want)
		}
	}
	rc, _ := zr.Open(manifestName)
	var m struct {
		Identity struct {
			Name      string `xml:"Name,attr"`
			Publisher string `xml:"Publisher,attr"`
			Version   string `xml:"Version,attr"`
		}
		Capabilities struct {
			Any []struct {
				Name string `xml:"Name,attr"`
			} `xml:",any"`
		}
	}
	if err := xml.NewDecoder(rc).Decode(&m); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	rc.Close()
	if m.Identity.Version != "1.2.3.0" || m.Identity.Publisher != "CN=Contoso & Co, O=Contoso, C=GB" {
		t.Errorf("Identity = %+v, want version 1.2.3.0 and the publisher given", m.Identity)
	}
	var caps []string
	for _, c := range m.Capabilities.Any {
		caps = append(caps, c.Name)
	}
	if !strings.Contains(strings.Join(caps, ","), "runFullTrust") {
		t.Errorf("capabilities = %v, want runFullTrust", caps)
	}
	if n, err := verifyPath(out); err != nil || n != 6 {
		t.Errorf("verify = %d, %v; want 6 files", n, err)
	}
}

func FuzzVerify(f *testing.F) {
	var buf bytes.Buffer
	if err := Pack(&buf, []byte(testManifest), []File{{Name: "a.txt", Content: []byte("hello")}}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Untrusted packages must never panic the verifier.
		_, _ = Verify(bytes.NewReader(data), int64(len(data)))
	})
}
