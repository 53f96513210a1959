package hotkey

import (
	"slices"
	"testing"

	"github.com/jezek/xgb/xproto"
)

func TestKeycodesFor(t *testing.T) {
	const a, b, d = 0x61, 0x62, 0x64
	tests := []struct {
		name    string
		first   xproto.Keycode
		per     byte
		keysyms []xproto.Keysym
		want    []xproto.Keycode
	}{
		{"us layout", 8, 2, []xproto.Keysym{a, 'A', keysymLowerS, keysymUpperS, d, 'D'}, []xproto.Keycode{9}},
		{"first key", 8, 2, []xproto.Keysym{keysymLowerS, keysymUpperS, a, 'A'}, []xproto.Keycode{8}},
		{"upper case only", 8, 2, []xproto.Keysym{a, 0, 0, keysymUpperS}, []xproto.Keycode{9}},
		{"two keys", 10, 1, []xproto.Keysym{keysymLowerS, a, keysymLowerS}, []xproto.Keycode{10, 12}},
		{"first group wins over second", 8, 4,
			[]xproto.Keysym{a, 'A', keysymLowerS, keysymUpperS, keysymLowerS, keysymUpperS, b, 'B'}, []xproto.Keycode{9}},
		{"second group when no first", 8, 4,
			[]xproto.Keysym{a, 'A', keysymLowerS, keysymUpperS, b, 'B', d, 'D'}, []xproto.Keycode{8}},
		{"absent", 8, 2, []xproto.Keysym{a, 'A', b, 'B'}, nil},
		{"zero per keycode", 8, 0, []xproto.Keysym{keysymLowerS}, nil},
		{"truncated reply", 8, 2, []xproto.Keysym{a, 'A', keysymLowerS}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := keycodesFor(tc.first, tc.per, tc.keysyms, keysymLowerS, keysymUpperS)
			if !slices.Equal(got, tc.want) {
				t.Errorf("keycodesFor(%d, %d, %v) = %v, want %v", tc.first, tc.per, tc.keysyms, got, tc.want)
			}
		})
	}
}

func TestModifierFor(t *testing.T) {
	// Two keycodes per modifier: shift, lock, control, mod1 … mod5.
	mapping := []xproto.Keycode{50, 62, 66, 0, 37, 105, 64, 108, 77, 0, 0, 0, 133, 134, 92, 0}
	tests := []struct {
		name string
		keys []xproto.Keycode
		want uint16
	}{
		{"num lock on mod2", []xproto.Keycode{77}, xproto.ModMask2},
		{"caps lock", []xproto.Keycode{66}, xproto.ModMaskLock},
		{"second of two", []xproto.Keycode{1, 134}, xproto.ModMask4},
		{"not a modifier", []xproto.Keycode{39}, 0},
		{"zero keycode never matches", []xproto.Keycode{0}, 0},
		{"no keys", nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := modifierFor(2, mapping, tc.keys); got != tc.want {
				t.Errorf("modifierFor(2, mapping, %v) = %#x, want %#x", tc.keys, got, tc.want)
			}
		})
	}
	if got := modifierFor(2, mapping[:5], []xproto.Keycode{77}); got != 0 {
		t.Errorf("modifierFor on a truncated mapping = %#x, want 0", got)
	}
}

func TestModCombos(t *testing.T) {
	base := uint16(baseMods)
	lock := uint16(xproto.ModMaskLock)
	tests := []struct {
		name    string
		numLock uint16
		want    []uint16
	}{
		{"num lock on mod2", xproto.ModMask2, []uint16{base, base | lock, base | xproto.ModMask2, base | lock | xproto.ModMask2}},
		{"no num lock", 0, []uint16{base, base | lock}},
		{"num lock on lock", lock, []uint16{base, base | lock}},
		{"num lock on a shortcut modifier", xproto.ModMask1, []uint16{base, base | lock}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := modCombos(tc.numLock); !slices.Equal(got, tc.want) {
				t.Errorf("modCombos(%#x) = %#x, want %#x", tc.numLock, got, tc.want)
			}
		})
	}
}

func TestRepeatFilter(t *testing.T) {
	type ev struct {
		release bool
		key     xproto.Keycode
		at      xproto.Timestamp
	}
	tests := []struct {
		name   string
		events []ev
		want   int // presses passed
	}{
		{"one press", []ev{{false, 39, 100}, {true, 39, 180}}, 1},
		{"held key auto-repeats", []ev{{false, 39, 100}, {true, 39, 760}, {false, 39, 760}, {true, 39, 800}, {false, 39, 800}, {true, 39, 900}}, 1},
		{"two presses", []ev{{false, 39, 100}, {true, 39, 180}, {false, 39, 400}, {true, 39, 480}}, 2},
		{"same time other key", []ev{{false, 39, 100}, {true, 40, 180}, {false, 39, 180}}, 2},
		{"press first", []ev{{false, 39, 0}}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var f repeatFilter
			got := 0
			for _, e := range tc.events {
				if e.release {
					f.release(e.key, e.at)
				} else if f.press(e.key, e.at) {
					got++
				}
			}
			if got != tc.want {
				t.Errorf("presses passed for %v = %d, want %d", tc.events, got, tc.want)
			}
		})
	}
}
