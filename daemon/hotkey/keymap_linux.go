package hotkey

import "github.com/jezek/xgb/xproto"

// Keysyms from X11/keysymdef.h.
const (
	keysymLowerS  xproto.Keysym = 0x0073
	keysymUpperS  xproto.Keysym = 0x0053
	keysymNumLock xproto.Keysym = 0xff7f
)

// baseMods is the shortcut's own modifier set.
const baseMods = xproto.ModMaskControl | xproto.ModMask1 | xproto.ModMaskShift

// keycodesFor returns the keycodes whose keysyms include one of want, as
// laid out by GetKeyboardMapping: perKeycode keysyms per keycode starting
// at first. The layout decides where S is, so the lookup goes through the
// mapping rather than a fixed keycode. Keys that give S in the first group
// (the first two columns) win; only when none does is any column taken, so
// a second layout's S does not add a second grab to the main one.
func keycodesFor(first xproto.Keycode, perKeycode byte, keysyms []xproto.Keysym, want ...xproto.Keysym) []xproto.Keycode {
	if perKeycode == 0 {
		return nil
	}
	per := int(perKeycode)
	match := func(maxCol int) []xproto.Keycode {
		var out []xproto.Keycode
		for i := 0; i+per <= len(keysyms); i += per {
			for col := 0; col < per && col < maxCol; col++ {
				if contains(want, keysyms[i+col]) {
					out = append(out, first+xproto.Keycode(i/per))
					break
				}
			}
		}
		return out
	}
	if out := match(2); len(out) > 0 {
		return out
	}
	return match(per)
}

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// modifierFor returns the modifier mask (ModMaskShift … ModMask5) whose
// keys, as laid out by GetModifierMapping, include one of keys; 0 if none.
func modifierFor(perModifier byte, mapping []xproto.Keycode, keys []xproto.Keycode) uint16 {
	per := int(perModifier)
	for mod := 0; mod < 8 && (mod+1)*per <= len(mapping); mod++ {
		for _, k := range mapping[mod*per : (mod+1)*per] {
			if k != 0 && contains(keys, k) {
				return 1 << mod
			}
		}
	}
	return 0
}

// modCombos returns the modifier sets to grab: the shortcut's own, plus
// each combination of the lock modifiers, because X matches a grab's
// modifiers exactly and Caps Lock or Num Lock being on would otherwise
// hide the shortcut.
func modCombos(numLock uint16) []uint16 {
	locks := []uint16{xproto.ModMaskLock}
	if numLock != 0 && numLock != xproto.ModMaskLock && numLock&baseMods == 0 {
		locks = append(locks, numLock)
	}
	var out []uint16
	for i := 0; i < 1<<len(locks); i++ {
		m := uint16(baseMods)
		for j, l := range locks {
			if i&(1<<j) != 0 {
				m |= l
			}
		}
		out = append(out, m)
	}
	return out
}

// repeatFilter tells a real press from the server's auto-repeat, which
// sends a KeyRelease and a KeyPress with the same timestamp for a held key.
type repeatFilter struct {
	released bool
	key      xproto.Keycode
	at       xproto.Timestamp
}

// release records a KeyRelease.
func (f *repeatFilter) release(key xproto.Keycode, at xproto.Timestamp) {
	f.released, f.key, f.at = true, key, at
}

// press reports whether a KeyPress is a new press, not a repeat.
func (f *repeatFilter) press(key xproto.Keycode, at xproto.Timestamp) bool {
	repeat := f.released && f.key == key && f.at == at
	f.released = false
	return !repeat
}
