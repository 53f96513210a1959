package sharer

import (
	"errors"
	"fmt"

	"github.com/quickhelp/quickhelp/daemon/input"
)

// Sharing a Mac's screen is not supported yet: the daemon refuses every join
// there (shareable.Check), so these are never reached by a session; they let
// the program build without cgo.

func newNativeInjector(string) (input.Injector, error) {
	return nil, fmt.Errorf("%w: macOS", input.ErrUnsupported)
}

func newVP8Encoder(int, int, int, int) (VideoEncoder, error) {
	return nil, fmt.Errorf("%w: no video encoder on macOS yet", errors.ErrUnsupported)
}
