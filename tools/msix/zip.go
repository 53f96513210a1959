package main

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
)

// zipWriter writes the small subset of ZIP that MSIX readers accept:
// version 2.0 local headers with sizes and CRC filled in (no data
// descriptors, no extra fields, so the local header size is exactly
// 30 + len(name), which the block map records as LfhSize), Store or
// Deflate, and a classic end-of-central-directory record.
type zipWriter struct {
	w       io.Writer
	offset  uint64
	entries []zipEntry
}

type zipEntry struct {
	name             string
	method           uint16
	crc              uint32
	compressedSize   uint64
	uncompressedSize uint64
	offset           uint64
}

const (
	methodStore   = 0
	methodDeflate = 8
	zipVersion20  = 20
	// Fixed DOS time for reproducible packages: 1980-01-01 00:00.
	dosDate = 0x21
	dosTime = 0
	// lfhFixedSize is the local file header without name and extra field.
	lfhFixedSize = 30
	maxUint32    = 1<<32 - 1
	maxUint16    = 1<<16 - 1
)

var errZipTooLarge = errors.New("msix: package too large for this writer (ZIP64 not supported)")

func (z *zipWriter) write(b []byte) error {
	n, err := z.w.Write(b)
	z.offset += uint64(n)
	return err
}

// add writes one entry whose (possibly compressed) bytes are data.
func (z *zipWriter) add(name string, method uint16, data []byte, uncompressed []byte) error {
	if z.offset > maxUint32 || uint64(len(data)) > maxUint32 || uint64(len(uncompressed)) > maxUint32 || len(name) > maxUint16 {
		return errZipTooLarge
	}
	e := zipEntry{
		name: name, method: method, crc: crc32.ChecksumIEEE(uncompressed),
		compressedSize: uint64(len(data)), uncompressedSize: uint64(len(uncompressed)), offset: z.offset,
	}
	h := make([]byte, lfhFixedSize, lfhFixedSize+len(name))
	le := binary.LittleEndian
	le.PutUint32(h[0:], 0x04034b50)
	le.PutUint16(h[4:], zipVersion20)
	le.PutUint16(h[6:], 0) // flags: names are ASCII (checked by the caller)
	le.PutUint16(h[8:], method)
	le.PutUint16(h[10:], dosTime)
	le.PutUint16(h[12:], dosDate)
	le.PutUint32(h[14:], e.crc)
	le.PutUint32(h[18:], uint32(e.compressedSize))
	le.PutUint32(h[22:], uint32(e.uncompressedSize))
	le.PutUint16(h[26:], uint16(len(name)))
	le.PutUint16(h[28:], 0) // no extra field
	h = append(h, name...)
	if err := z.write(h); err != nil {
		return err
	}
	if err := z.write(data); err != nil {
		return err
	}
	z.entries = append(z.entries, e)
	return nil
}

// close writes the central directory and the end record.
func (z *zipWriter) close() error {
	if len(z.entries) > maxUint16-1 {
		return errZipTooLarge
	}
	cdStart := z.offset
	le := binary.LittleEndian
	for _, e := range z.entries {
		h := make([]byte, 46, 46+len(e.name))
		le.PutUint32(h[0:], 0x02014b50)
		le.PutUint16(h[4:], zipVersion20) // made by: MS-DOS/FAT, 2.0
		le.PutUint16(h[6:], zipVersion20)
		le.PutUint16(h[8:], 0)
		le.PutUint16(h[10:], e.method)
		le.PutUint16(h[12:], dosTime)
		le.PutUint16(h[14:], dosDate)
		le.PutUint32(h[16:], e.crc)
		le.PutUint32(h[20:], uint32(e.compressedSize))
		le.PutUint32(h[24:], uint32(e.uncompressedSize))
		le.PutUint16(h[28:], uint16(len(e.name)))
		// extra, comment, disk start, internal and external attributes: 0
		le.PutUint32(h[42:], uint32(e.offset))
		h = append(h, e.name...)
		if err := z.write(h); err != nil {
			return err
		}
	}
	cdSize := z.offset - cdStart
	if z.offset > maxUint32 {
		return errZipTooLarge
	}
	end := make([]byte, 22)
	le.PutUint32(end[0:], 0x06054b50)
	le.PutUint16(end[8:], uint16(len(z.entries)))
	le.PutUint16(end[10:], uint16(len(z.entries)))
	le.PutUint32(end[12:], uint32(cdSize))
	le.PutUint32(end[16:], uint32(cdStart))
	return z.write(end)
}
