package main

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"strings"
)

// blockSize is the MSIX block-map block: each file is hashed in 64 KiB
// blocks of its uncompressed data.
const blockSize = 64 << 10

const (
	blockMapNS       = "http://schemas.microsoft.com/appx/2010/blockmap"
	hashMethodSHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
)

// finalDeflateBlock is an empty, final, fixed-Huffman deflate block: it
// ends a stream made of sync-flushed blocks.
var finalDeflateBlock = []byte{0x03, 0x00}

// BlockMap is AppxBlockMap.xml.
type BlockMap struct {
	XMLName    xml.Name       `xml:"BlockMap"`
	XMLNS      string         `xml:"xmlns,attr"`
	HashMethod string         `xml:"HashMethod,attr"`
	Files      []BlockMapFile `xml:"File"`
}

// BlockMapFile is one payload file: its name with backslashes, its
// uncompressed size and the size of its ZIP local file header.
type BlockMapFile struct {
	Name    string          `xml:"Name,attr"`
	Size    uint64          `xml:"Size,attr"`
	LfhSize int             `xml:"LfhSize,attr"`
	Blocks  []BlockMapBlock `xml:"Block"`
}

// BlockMapBlock is one 64 KiB block: the SHA-256 of its uncompressed
// bytes and, for deflated files only, its compressed size.
type BlockMapBlock struct {
	Hash string `xml:"Hash,attr"`
	Size uint64 `xml:"Size,attr,omitempty"`
}

// encodedFile is a payload file ready for the ZIP writer.
type encodedFile struct {
	method uint16
	data   []byte // what goes in the ZIP
	entry  BlockMapFile
}

// encodeFile splits content into blocks, hashes each, and deflates each
// block on its own (a fresh compressor per block, sync-flushed, so every
// block can be inflated alone as the spec requires for streaming
// installs). It keeps the deflated form only when it is smaller.
func encodeFile(zipName string, content []byte) (encodedFile, error) {
	ef := encodedFile{entry: BlockMapFile{
		Name:    strings.ReplaceAll(zipName, "/", `\`),
		Size:    uint64(len(content)),
		LfhSize: lfhFixedSize + len(zipName),
	}}
	var deflated bytes.Buffer
	var blocks []BlockMapBlock
	for off := 0; off < len(content); off += blockSize {
		block := content[off:min(off+blockSize, len(content))]
		sum := sha256.Sum256(block)
		before := deflated.Len()
		fw, err := flate.NewWriter(&deflated, flate.BestCompression)
		if err != nil {
			return encodedFile{}, err
		}
		if _, err := fw.Write(block); err != nil {
			return encodedFile{}, err
		}
		if err := fw.Flush(); err != nil {
			return encodedFile{}, fmt.Errorf("deflate %s: %w", zipName, err)
		}
		if off+blockSize >= len(content) {
			deflated.Write(finalDeflateBlock)
		}
		blocks = append(blocks, BlockMapBlock{
			Hash: base64.StdEncoding.EncodeToString(sum[:]),
			Size: uint64(deflated.Len() - before),
		})
	}
	if len(content) > 0 && deflated.Len() < len(content) {
		ef.method, ef.data, ef.entry.Blocks = methodDeflate, deflated.Bytes(), blocks
		return ef, nil
	}
	// Stored: blocks carry no Size attribute.
	for i := range blocks {
		blocks[i].Size = 0
	}
	ef.method, ef.data, ef.entry.Blocks = methodStore, content, blocks
	return ef, nil
}

// marshalBlockMap renders AppxBlockMap.xml.
func marshalBlockMap(files []BlockMapFile) ([]byte, error) {
	bm := BlockMap{XMLNS: blockMapNS, HashMethod: hashMethodSHA256, Files: files}
	out, err := xml.MarshalIndent(bm, "", " ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), out...), nil
}
