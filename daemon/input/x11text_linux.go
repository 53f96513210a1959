package input

import (
	"fmt"
	"slices"

	"github.com/jezek/xgb/xproto"
)

// maxTextSlots bounds how many spare keycodes Text binds at once.
const maxTextSlots = 32

// textSlot is a spare keycode that Text bound to a keysym.
type textSlot struct {
	keycode xproto.Keycode
	keysym  xproto.Keysym
}

// Keysyms of keys Text presses directly instead of binding.
const (
	keysymReturn = 0xff0d
	keysymTab    = 0xff09
)

// Text types s by binding spare keycodes (ones with no keysym at all) to
// the characters' keysyms with ChangeKeyboardMapping and pressing them, as
// xdotool does. A binding stays in place (up to maxTextSlots, least
// recently used reused first) until Close restores it: clients translate
// a key event with the mapping they hold when they read it, and restoring
// right after the press races with slow clients, which would then see the
// wrong character or none. Both levels are bound, so a Shift the helper
// holds does not change the character. "\n" and "\t" press the keys that
// carry Return and Tab; other control characters are skipped (the Handler
// turns "\r\n" and "\r" into "\n").
func (x *X11) Text(s string) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed.Load() {
		return ErrClosed
	}
	per, syms, err := x.mappingLocked()
	if err != nil {
		return err
	}
	// Forget slots whose binding someone else replaced (setxkbmap resets
	// the whole map).
	x.slots = slices.DeleteFunc(x.slots, func(s textSlot) bool {
		return x.keysymAt(per, syms, s.keycode, 0) != s.keysym
	})
	for _, r := range s {
		var kc xproto.Keycode
		switch {
		case r == '\n':
			kc = x.findKeysym(per, syms, keysymReturn)
		case r == '\t':
			kc = x.findKeysym(per, syms, keysymTab)
		case r < 0x20 || (r >= 0x7f && r < 0xa0):
			continue
		default:
			if kc, err = x.slotFor(per, syms, RuneKeysym(r)); err != nil {
				return err
			}
		}
		if kc == 0 {
			continue
		}
		if err := x.fake(xproto.KeyPress, byte(kc), 0, 0); err != nil {
			return err
		}
		if err := x.fake(xproto.KeyRelease, byte(kc), 0, 0); err != nil {
			return err
		}
	}
	return nil
}

// RuneKeysym returns the X keysym of a character: Latin-1 keysyms equal
// their code point, every other character is 0x01000000 + code point.
func RuneKeysym(r rune) uint32 {
	if (r >= 0x20 && r <= 0x7e) || (r >= 0xa0 && r <= 0xff) {
		return uint32(r)
	}
	return 0x01000000 + uint32(r)
}

// mappingLocked fetches the core keyboard mapping of every keycode.
func (x *X11) mappingLocked() (per int, syms []xproto.Keysym, err error) {
	n := int(x.maxKeycode) - int(x.minKeycode) + 1
	rep, err := xproto.GetKeyboardMapping(x.conn, x.minKeycode, byte(n)).Reply()
	if err != nil {
		return 0, nil, fmt.Errorf("%w: keyboard mapping: %w", ErrInject, err)
	}
	return int(rep.KeysymsPerKeycode), rep.Keysyms, nil
}

func (x *X11) keysymAt(per int, syms []xproto.Keysym, kc xproto.Keycode, level int) xproto.Keysym {
	i := (int(kc)-int(x.minKeycode))*per + level
	if level >= per || i < 0 || i >= len(syms) {
		return 0
	}
	return syms[i]
}

// findKeysym returns the first keycode whose first level is ks, or 0.
func (x *X11) findKeysym(per int, syms []xproto.Keysym, ks xproto.Keysym) xproto.Keycode {
	for kc := int(x.minKeycode); kc <= int(x.maxKeycode); kc++ {
		if x.keysymAt(per, syms, xproto.Keycode(kc), 0) == ks {
			return xproto.Keycode(kc)
		}
	}
	return 0
}

// slotFor returns a keycode bound to ks, binding a spare one if needed.
func (x *X11) slotFor(per int, syms []xproto.Keysym, want uint32) (xproto.Keycode, error) {
	ks := xproto.Keysym(want)
	if i := slices.IndexFunc(x.slots, func(s textSlot) bool { return s.keysym == ks }); i >= 0 {
		s := x.slots[i]
		x.slots = append(slices.Delete(x.slots, i, i+1), s) // most recently used last
		return s.keycode, nil
	}
	var kc xproto.Keycode
	// Spare keycodes from the top down: low unbound keycodes are often
	// physical keys of other layouts (IntlRo on a US map).
	for c := int(x.maxKeycode); c >= int(x.minKeycode) && kc == 0 && len(x.slots) < maxTextSlots; c-- {
		if x.spare(per, syms, xproto.Keycode(c)) {
			kc = xproto.Keycode(c)
		}
	}
	if kc == 0 {
		if len(x.slots) == 0 {
			return 0, fmt.Errorf("%w: no spare keycode to type text", ErrUnsupported)
		}
		kc = x.slots[0].keycode
		x.slots = x.slots[1:]
	}
	if err := xproto.ChangeKeyboardMappingChecked(x.conn, 1, kc, 2, []xproto.Keysym{ks, ks}).Check(); err != nil {
		return 0, fmt.Errorf("%w: bind keysym: %w", ErrInject, err)
	}
	x.slots = append(x.slots, textSlot{keycode: kc, keysym: ks})
	return kc, nil
}

// spare reports whether kc has no keysym and is not one of our slots.
func (x *X11) spare(per int, syms []xproto.Keysym, kc xproto.Keycode) bool {
	for l := range per {
		if x.keysymAt(per, syms, kc, l) != 0 {
			return false
		}
	}
	return !slices.ContainsFunc(x.slots, func(s textSlot) bool { return s.keycode == kc })
}

// restoreSlotsLocked unbinds every keycode Text bound.
func (x *X11) restoreSlotsLocked() error {
	var first error
	for _, s := range x.slots {
		err := xproto.ChangeKeyboardMappingChecked(x.conn, 1, s.keycode, 2, []xproto.Keysym{0, 0}).Check()
		if err != nil && first == nil {
			first = fmt.Errorf("%w: restore keyboard mapping: %w", ErrInject, err)
		}
	}
	x.slots = nil
	return first
}
