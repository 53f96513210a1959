package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"unicode/utf8"
)

// Data-channel labels. The daemon (offerer) creates all five.
const (
	ChannelInput    = "input"    // reliable, ordered: buttons, wheel, keys, text, release-all
	ChannelPointer  = "pointer"  // unordered, no retransmits: pointer moves
	ChannelAnnotate = "annotate" // reliable, ordered: annotation strokes, laser, clear
	ChannelCursor   = "cursor"   // sharer → helper: cursor position and shape
	ChannelSAS      = "sas"      // sharer → helper, once: the security code nonce (internal/rtc)
)

// Input event kinds (InputEvent.T).
const (
	InputMove       = "move"        // X, Y normalised [0,1] of the shared monitor
	InputButtonDown = "down"        // Button, with X, Y
	InputButtonUp   = "up"          // Button, with X, Y
	InputWheel      = "wheel"       // DX, DY in notches (positive DY scrolls down)
	InputKeyDown    = "keydown"     // Code: KeyboardEvent.code
	InputKeyUp      = "keyup"       // Code
	InputText       = "text"        // Text: characters with no physical key (paste, IME)
	InputReleaseAll = "release-all" // release every held key and button
)

// Mouse buttons, numbered as DOM MouseEvent.button.
const (
	ButtonLeft   = 0
	ButtonMiddle = 1
	ButtonRight  = 2
	ButtonBack   = 3
	ButtonFwd    = 4
)

// Limits of data-channel messages.
const (
	MaxDataMessageBytes = 16 << 10
	MaxTextRunes        = 1000 // characters of one text event
	MaxPasteRunes       = 4000 // characters the sharer types at once ("Paste as typing"; daemon/input's text budget)
	MaxWheelNotches     = 50
	MaxStrokePoints     = 512
	MaxStrokeWidth      = 64
)

// InputEvent is one helper input event, JSON on the input and pointer channels.
type InputEvent struct {
	T      string  `json:"t"`
	X      float64 `json:"x,omitempty"`
	Y      float64 `json:"y,omitempty"`
	Button int     `json:"b,omitempty"`
	DX     float64 `json:"dx,omitempty"`
	DY     float64 `json:"dy,omitempty"`
	Code   string  `json:"c,omitempty"`
	Text   string  `json:"s,omitempty"`
}

// ErrInvalidMessage is wrapped by every data-channel decode error.
var ErrInvalidMessage = errors.New("wire: invalid data-channel message")

var keyCodePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{0,31}$`)

func decodeStrict(b []byte, v any) error {
	if len(b) > MaxDataMessageBytes {
		return fmt.Errorf("%w: %d bytes", ErrInvalidMessage, len(b))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidMessage, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: trailing data", ErrInvalidMessage)
	}
	return nil
}

func unit(v float64) bool { return !math.IsNaN(v) && v >= 0 && v <= 1 }

// DecodeInput parses and validates one input event from untrusted bytes.
func DecodeInput(b []byte) (InputEvent, error) {
	var e InputEvent
	if err := decodeStrict(b, &e); err != nil {
		return InputEvent{}, err
	}
	if err := e.Validate(); err != nil {
		return InputEvent{}, err
	}
	return e, nil
}

// Validate rejects out-of-range or malformed events.
func (e InputEvent) Validate() error {
	bad := func(why string) error { return fmt.Errorf("%w: %s %s", ErrInvalidMessage, truncate(e.T, 16), why) }
	switch e.T {
	case InputMove:
		if !unit(e.X) || !unit(e.Y) {
			return bad("position out of range")
		}
	case InputButtonDown, InputButtonUp:
		if !unit(e.X) || !unit(e.Y) {
			return bad("position out of range")
		}
		if e.Button < ButtonLeft || e.Button > ButtonFwd {
			return bad("button out of range")
		}
	case InputWheel:
		if math.IsNaN(e.DX) || math.IsNaN(e.DY) || math.Abs(e.DX) > MaxWheelNotches || math.Abs(e.DY) > MaxWheelNotches {
			return bad("wheel out of range")
		}
	case InputKeyDown, InputKeyUp:
		if !keyCodePattern.MatchString(e.Code) {
			return bad("key code malformed")
		}
	case InputText:
		if e.Text == "" || !utf8.ValidString(e.Text) || utf8.RuneCountInString(e.Text) > MaxTextRunes {
			return bad("text empty, too long or not UTF-8")
		}
	case InputReleaseAll:
	default:
		return bad("unknown kind")
	}
	return nil
}

// Annotation kinds (Annotation.T).
const (
	AnnotateStroke = "stroke" // adds Points to stroke ID (created on first use)
	AnnotateLaser  = "laser"  // laser pointer at X, Y; fades within a second
	AnnotateClear  = "clear"  // remove every stroke
)

// Point is a normalised [0,1] position on the shared monitor.
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Annotation is one message on the annotate channel.
type Annotation struct {
	T      string  `json:"t"`
	ID     uint32  `json:"id,omitempty"`
	Color  string  `json:"color,omitempty"` // #rrggbb
	Width  float64 `json:"width,omitempty"` // pixels of the shared monitor
	Points []Point `json:"points,omitempty"`
	Done   bool    `json:"done,omitempty"` // the stroke is finished
	X      float64 `json:"x,omitempty"`
	Y      float64 `json:"y,omitempty"`
}

var colorPattern = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// DecodeAnnotation parses and validates one annotation from untrusted bytes.
func DecodeAnnotation(b []byte) (Annotation, error) {
	var a Annotation
	if err := decodeStrict(b, &a); err != nil {
		return Annotation{}, err
	}
	if err := a.Validate(); err != nil {
		return Annotation{}, err
	}
	return a, nil
}

// Validate rejects out-of-range or malformed annotations.
func (a Annotation) Validate() error {
	bad := func(why string) error { return fmt.Errorf("%w: annotation %s", ErrInvalidMessage, why) }
	switch a.T {
	case AnnotateStroke:
		if !colorPattern.MatchString(a.Color) {
			return bad("colour malformed")
		}
		if math.IsNaN(a.Width) || a.Width < 1 || a.Width > MaxStrokeWidth {
			return bad("width out of range")
		}
		if len(a.Points) > MaxStrokePoints {
			return bad("too many points")
		}
		for _, p := range a.Points {
			if !unit(p.X) || !unit(p.Y) {
				return bad("point out of range")
			}
		}
	case AnnotateLaser:
		if !unit(a.X) || !unit(a.Y) {
			return bad("position out of range")
		}
	case AnnotateClear:
	default:
		return bad("unknown kind")
	}
	return nil
}

// Cursor kinds (Cursor.T).
const (
	CursorPosition = "pos"   // X, Y normalised; Visible false when off the shared monitor
	CursorShape    = "shape" // W, H, HotX, HotY, PNG (base64 in JSON)
)

// Cursor is one message on the cursor channel (sharer → helper).
type Cursor struct {
	T       string  `json:"t"`
	X       float64 `json:"x,omitempty"`
	Y       float64 `json:"y,omitempty"`
	Visible bool    `json:"visible,omitempty"`
	W       int     `json:"w,omitempty"`
	H       int     `json:"h,omitempty"`
	HotX    int     `json:"hotX,omitempty"`
	HotY    int     `json:"hotY,omitempty"`
	PNG     []byte  `json:"png,omitempty"`
	Serial  uint32  `json:"serial,omitempty"`
}

// MaxCursorSize bounds cursor images in pixels per side.
const MaxCursorSize = 256

// DecodeCursor parses and validates one cursor message from untrusted bytes.
func DecodeCursor(b []byte) (Cursor, error) {
	var c Cursor
	if err := decodeStrict(b, &c); err != nil {
		return Cursor{}, err
	}
	switch c.T {
	case CursorPosition:
		if !unit(c.X) || !unit(c.Y) {
			return Cursor{}, fmt.Errorf("%w: cursor position out of range", ErrInvalidMessage)
		}
	case CursorShape:
		if c.W <= 0 || c.H <= 0 || c.W > MaxCursorSize || c.H > MaxCursorSize ||
			c.HotX < 0 || c.HotY < 0 || c.HotX >= c.W || c.HotY >= c.H || len(c.PNG) == 0 {
			return Cursor{}, fmt.Errorf("%w: cursor shape out of range", ErrInvalidMessage)
		}
	default:
		return Cursor{}, fmt.Errorf("%w: unknown cursor kind", ErrInvalidMessage)
	}
	return c, nil
}
