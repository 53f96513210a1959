package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// A video frame on the UI bridge is one binary WebSocket message: a 16-byte
// header followed by the encoded frame. All integers are big-endian.
//
//	offset size field
//	0      1    version (FrameVersion)
//	1      1    flags (bit 0: keyframe)
//	2      1    codec (CodecVP8, CodecH264, CodecVP9)
//	3      1    reserved, 0
//	4      8    capture timestamp, microseconds since the Unix epoch (sharer clock)
//	12     4    sequence number
//	16     …    encoded frame bytes
const (
	FrameVersion    = 1
	FrameHeaderSize = 16
	MaxFrameBytes   = 8 << 20

	frameFlagKeyframe = 1
)

// Codecs of a bridge frame.
const (
	CodecVP8  = 1
	CodecH264 = 2
	CodecVP9  = 3
)

// Frame is one encoded video frame for the UI.
type Frame struct {
	Keyframe    bool
	Codec       uint8
	CaptureUsec uint64
	Seq         uint32
	Data        []byte
}

// ErrInvalidFrame is wrapped by every DecodeFrame error.
var ErrInvalidFrame = errors.New("wire: invalid frame")

// AppendFrame appends the wire form of f to dst.
func AppendFrame(dst []byte, f Frame) []byte {
	var h [FrameHeaderSize]byte
	h[0] = FrameVersion
	if f.Keyframe {
		h[1] = frameFlagKeyframe
	}
	h[2] = f.Codec
	binary.BigEndian.PutUint64(h[4:12], f.CaptureUsec)
	binary.BigEndian.PutUint32(h[12:16], f.Seq)
	dst = append(dst, h[:]...)
	return append(dst, f.Data...)
}

// DecodeFrame parses a bridge frame. Data aliases b.
func DecodeFrame(b []byte) (Frame, error) {
	if len(b) < FrameHeaderSize {
		return Frame{}, fmt.Errorf("%w: %d bytes is shorter than the header", ErrInvalidFrame, len(b))
	}
	if len(b) > FrameHeaderSize+MaxFrameBytes {
		return Frame{}, fmt.Errorf("%w: too large", ErrInvalidFrame)
	}
	if b[0] != FrameVersion {
		return Frame{}, fmt.Errorf("%w: version %d", ErrInvalidFrame, b[0])
	}
	if b[2] < CodecVP8 || b[2] > CodecVP9 {
		return Frame{}, fmt.Errorf("%w: codec %d", ErrInvalidFrame, b[2])
	}
	return Frame{
		Keyframe:    b[1]&frameFlagKeyframe != 0,
		Codec:       b[2],
		CaptureUsec: binary.BigEndian.Uint64(b[4:12]),
		Seq:         binary.BigEndian.Uint32(b[12:16]),
		Data:        b[FrameHeaderSize:],
	}, nil
}
