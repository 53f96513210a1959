//go:build !darwin

package sharer

import (
	"github.com/quickhelp/quickhelp/daemon/capture"
	"github.com/quickhelp/quickhelp/daemon/encode"
)

// vp8Encoder adapts encode.VP8 to VideoEncoder.
type vp8Encoder struct{ enc *encode.VP8 }

func newVP8Encoder(width, height, kbps, fps int) (VideoEncoder, error) {
	enc, err := encode.NewVP8(encode.Config{Width: width, Height: height, BitrateKbps: kbps, FPS: fps})
	if err != nil {
		return nil, err
	}
	return vp8Encoder{enc}, nil
}

func (v vp8Encoder) Encode(img *capture.Image, key bool) ([]byte, bool, error) {
	return v.enc.Encode(img, key)
}
func (v vp8Encoder) SetBitrate(kbps int) error { return v.enc.SetBitrate(kbps) }
func (v vp8Encoder) Close() error              { return v.enc.Close() }

// Refining implements refiner.
func (v vp8Encoder) Refining() bool { return v.enc.Refining() }

// RefinedOnly implements refiner.
func (v vp8Encoder) RefinedOnly() bool { return v.enc.RefinedOnly() }
