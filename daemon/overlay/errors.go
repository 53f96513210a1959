package overlay

import "errors"

var (
	// ErrClosed is returned by Apply and Clear after Close.
	ErrClosed = errors.New("overlay: closed")
	// ErrNoDisplay means there is no display to draw on (no X server, no
	// interactive desktop); New falls back to Nop on it.
	ErrNoDisplay = errors.New("overlay: no display")
	// ErrUnsupported means the display lacks what the overlay needs
	// (the X SHAPE extension with input shapes).
	ErrUnsupported = errors.New("overlay: display not supported")
	// ErrInvalid wraps annotations that fail validation.
	ErrInvalid = errors.New("overlay: invalid annotation")
	// ErrHidden is returned by Apply while the overlay is hidden: the
	// annotation is dropped.
	ErrHidden = errors.New("overlay: hidden while a question is pending")
)
