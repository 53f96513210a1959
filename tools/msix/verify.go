package main

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// errInvalid marks a package that does not match its block map.
var errInvalid = errors.New("msix: invalid package")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errInvalid, fmt.Sprintf(format, args...))
}

// footprint reports whether name is one of the package's own parts that
// the block map does not list.
func footprint(name string) bool {
	switch name {
	case blockMapName, contentTypesName, signatureName, "AppxMetadata/CodeIntegrity.cat":
		return true
	}
	return false
}

// Verify reads the package in r with the standard ZIP reader (not the
// writer's code) and checks it against its AppxBlockMap.xml: every payload
// file listed once, sizes, local-header sizes, the SHA-256 of every 64 KiB
// block of uncompressed data, that each deflated block inflates on its
// own, and that [Content_Types].xml covers every file. It returns the
// number of payload files checked.
func Verify(r io.ReaderAt, size int64) (int, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return 0, invalid("not a ZIP file: %v", err)
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		if files[f.Name] != nil {
			return 0, invalid("%q appears twice", f.Name)
		}
		files[f.Name] = f
	}
	for _, need := range []string{manifestName, blockMapName, contentTypesName} {
		if files[need] == nil {
			return 0, invalid("missing %s", need)
		}
	}
	var bm BlockMap
	if err := readXML(files[blockMapName], &bm); err != nil {
		return 0, err
	}
	if bm.XMLName.Space != blockMapNS || bm.HashMethod != hashMethodSHA256 {
		return 0, invalid("block map namespace %q / hash method %q", bm.XMLName.Space, bm.HashMethod)
	}
	listed := map[string]bool{}
	for _, bf := range bm.Files {
		name := strings.ReplaceAll(bf.Name, `\`, "/")
		if listed[name] {
			return 0, invalid("block map lists %q twice", bf.Name)
		}
		listed[name] = true
		f := files[name]
		if f == nil || footprint(name) {
			return 0, invalid("block map lists %q, which is not a payload file", bf.Name)
		}
		if err := verifyEntry(r, f, bf); err != nil {
			return 0, err
		}
	}
	for name := range files {
		if !footprint(name) && !listed[name] {
			return 0, invalid("%q is not in the block map", name)
		}
	}
	if err := verifyContentTypes(files); err != nil {
		return 0, err
	}
	return len(bm.Files), nil
}

func readXML(f *zip.File, v any) error {
	rc, err := f.Open()
	if err != nil {
		return invalid("%s: %v", f.Name, err)
	}
	defer rc.Close()
	if err := xml.NewDecoder(rc).Decode(v); err != nil {
		return invalid("%s: %v", f.Name, err)
	}
	return nil
}

func verifyEntry(r io.ReaderAt, f *zip.File, bf BlockMapFile) error {
	if bf.Size != f.UncompressedSize64 {
		return invalid("%s: block map size %d, ZIP size %d", f.Name, bf.Size, f.UncompressedSize64)
	}
	dataOff, err := f.DataOffset()
	if err != nil {
		return invalid("%s: %v", f.Name, err)
	}
	// The local header starts LfhSize bytes before the data: it must be
	// there, and its own lengths must add up to LfhSize.
	lfh := make([]byte, lfhFixedSize)
	start := dataOff - int64(bf.LfhSize)
	if start < 0 {
		return invalid("%s: LfhSize %d too large", f.Name, bf.LfhSize)
	}
	if _, err := r.ReadAt(lfh, start); err != nil {
		return invalid("%s: read local header: %v", f.Name, err)
	}
	le := binary.LittleEndian
	nameLen, extraLen := int(le.Uint16(lfh[26:])), int(le.Uint16(lfh[28:]))
	if le.Uint32(lfh) != 0x04034b50 || lfhFixedSize+nameLen+extraLen != bf.LfhSize {
		return invalid("%s: LfhSize %d does not match the local header", f.Name, bf.LfhSize)
	}
	wantBlocks := int((bf.Size + blockSize - 1) / blockSize)
	if len(bf.Blocks) != wantBlocks {
		return invalid("%s: %d blocks, want %d", f.Name, len(bf.Blocks), wantBlocks)
	}
	rc, err := f.Open()
	if err != nil {
		return invalid("%s: %v", f.Name, err)
	}
	defer rc.Close()
	buf := make([]byte, blockSize)
	for i, b := range bf.Blocks {
		n, err := io.ReadFull(rc, buf)
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			return invalid("%s: block %d: %v", f.Name, i, err)
		}
		sum := sha256.Sum256(buf[:n])
		if got := base64.StdEncoding.EncodeToString(sum[:]); got != b.Hash {
			return invalid("%s: block %d hash %s, block map says %s", f.Name, i, got, b.Hash)
		}
	}
	switch f.Method {
	case zip.Store:
		for i, b := range bf.Blocks {
			if b.Size != 0 {
				return invalid("%s: stored file with a compressed size on block %d", f.Name, i)
			}
		}
		return nil
	case zip.Deflate:
		return verifyDeflatedBlocks(f, bf)
	}
	return invalid("%s: compression method %d", f.Name, f.Method)
}

// verifyDeflatedBlocks checks that the block sizes cut the compressed
// stream into pieces that each inflate, alone, to their 64 KiB block.
func verifyDeflatedBlocks(f *zip.File, bf BlockMapFile) error {
	raw, err := f.OpenRaw()
	if err != nil {
		return invalid("%s: %v", f.Name, err)
	}
	var total uint64
	for i, b := range bf.Blocks {
		if b.Size == 0 {
			return invalid("%s: deflated block %d has no size", f.Name, i)
		}
		piece := make([]byte, b.Size)
		if _, err := io.ReadFull(raw, piece); err != nil {
			return invalid("%s: block %d: %v", f.Name, i, err)
		}
		total += b.Size
		if i < len(bf.Blocks)-1 {
			piece = append(piece, finalDeflateBlock...)
		}
		out, err := io.ReadAll(flate.NewReader(bytes.NewReader(piece)))
		if err != nil {
			return invalid("%s: block %d does not inflate on its own: %v", f.Name, i, err)
		}
		sum := sha256.Sum256(out)
		if base64.StdEncoding.EncodeToString(sum[:]) != b.Hash {
			return invalid("%s: block %d inflates to other data", f.Name, i)
		}
	}
	if total != f.CompressedSize64 {
		return invalid("%s: block sizes add up to %d, compressed size %d", f.Name, total, f.CompressedSize64)
	}
	return nil
}

func verifyContentTypes(files map[string]*zip.File) error {
	var t ctTypes
	if err := readXML(files[contentTypesName], &t); err != nil {
		return err
	}
	defaults, overrides := map[string]bool{}, map[string]bool{}
	for _, d := range t.Defaults {
		defaults[strings.ToLower(d.Extension)] = true
	}
	for _, o := range t.Overrides {
		overrides[strings.ToLower(o.PartName)] = true
	}
	for name := range files {
		if name == contentTypesName {
			continue
		}
		ext := strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
		if !overrides["/"+strings.ToLower(name)] && !defaults[ext] {
			return invalid("[Content_Types].xml has no type for %q", name)
		}
	}
	for _, part := range []string{manifestName, blockMapName} {
		if !overrides["/"+strings.ToLower(part)] {
			return invalid("[Content_Types].xml has no override for %s", part)
		}
	}
	return nil
}
