package encode

import "errors"

var (
	// ErrBadConfig reports an invalid Config (size, bitrate, speed...).
	ErrBadConfig = errors.New("encode: invalid config")
	// ErrBadInput reports pixels that do not match the stated size.
	ErrBadInput = errors.New("encode: invalid input image")
	// ErrCodec reports a failure inside libvpx or libyuv.
	ErrCodec = errors.New("encode: codec error")
	// ErrCorrupt reports encoded bytes the decoder rejects.
	ErrCorrupt = errors.New("encode: corrupt or unsupported frame")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("encode: closed")
)
