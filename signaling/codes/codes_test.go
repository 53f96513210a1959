package codes

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestGenerateFormatAndAlphabet(t *testing.T) {
	for i := 0; i < 1000; i++ {
		c, err := Generate(nil)
		if err != nil {
			t.Fatalf("Generate() error = %v", err)
		}
		if len(c) != Length {
			t.Fatalf("Generate() = %q, want %d characters", c, Length)
		}
		for _, r := range c {
			if !strings.ContainsRune(Alphabet, r) {
				t.Fatalf("Generate() = %q has %q outside the alphabet", c, r)
			}
		}
		f := Format(c)
		if len(f) != 9 || f[4] != '-' {
			t.Fatalf("Format(%q) = %q, want ABCD-EFGH form", c, f)
		}
		p, err := Parse(f)
		if err != nil || p != c {
			t.Fatalf("Parse(%q) = %q, %v, want %q", f, p, err, c)
		}
	}
}

// TestGenerateUniqueAndUniform draws 10^5 codes and checks that they do not
// repeat and that each position's character histogram passes a chi-square
// test with a generous bound. Even a perfect generator repeats one of 10^5
// 40-bit codes with probability n²/2⁴¹ ≈ 0.45%, so one repeat is tolerated;
// two or more (probability ~1e-5 for a perfect generator) fail the test, as
// would any generator with much less than 40 bits of entropy.
func TestGenerateUniqueAndUniform(t *testing.T) {
	const n = 100000
	seen := make(map[string]struct{}, n)
	var counts [Length][32]int
	repeats := 0
	for i := 0; i < n; i++ {
		c, err := Generate(nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, dup := seen[c]; dup {
			repeats++
			if repeats > 1 {
				t.Fatalf("Generate() repeated %d codes within %d draws", repeats, i+1)
			}
		}
		seen[c] = struct{}{}
		for p := 0; p < Length; p++ {
			counts[p][strings.IndexByte(Alphabet, c[p])]++
		}
	}
	// 31 degrees of freedom: mean 31, sd ~7.9. The 0.9999 quantile is ~66;
	// 80 leaves room while still catching a biased generator (a single
	// character at twice its share gives chi-square > 3000).
	const bound = 80.0
	expected := float64(n) / 32
	for p := 0; p < Length; p++ {
		chi := 0.0
		for _, k := range counts[p] {
			d := float64(k) - expected
			chi += d * d / expected
		}
		if chi > bound {
			t.Errorf("position %d: chi-square = %.1f, want <= %.0f (counts %v)", p, chi, bound, counts[p])
		}
	}
}

func TestGenerateRandomFailure(t *testing.T) {
	_, err := Generate(bytes.NewReader([]byte{1, 2}))
	if !errors.Is(err, ErrRandom) {
		t.Fatalf("Generate(short reader) error = %v, want ErrRandom", err)
	}
}

func TestGenerateDeterministicBits(t *testing.T) {
	tests := []struct {
		in   []byte
		want string
	}{
		{[]byte{0, 0, 0, 0, 0}, "00000000"},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff}, "ZZZZZZZZ"},
		{[]byte{0x08, 0x86, 0x42, 0x98, 0xe8}, "12345678"},
	}
	for _, tt := range tests {
		got, err := Generate(bytes.NewReader(tt.in))
		if err != nil || got != tt.want {
			t.Errorf("Generate(%x) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"ABCD-EFGH", "ABCDEFGH", false},
		{"abcd efgh", "ABCDEFGH", false},
		{" a b c d - e f g h ", "ABCDEFGH", false},
		{"ILO0-1234", "1100" + "1234", false},
		{"il0o1234", "11001234", false},
		{"ABCDEFG", "", true},      // too short
		{"ABCDEFGHJ", "", true},    // too long
		{"ABCD-EFGU", "", true},    // U is not in the alphabet
		{"ABCD_EFGH", "", true},    // underscore
		{"ABCD-EFGÄ", "", true},    // non-ASCII
		{"", "", true},             // empty
		{"ABCD\x00EFGH", "", true}, // NUL
		{strings.Repeat("-", 100), "", true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("Parse(%q) = %q, %v, want %q (error %v)", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("Parse(%q) error = %v, want ErrInvalid", tt.in, err)
		}
	}
}

func TestHasher(t *testing.T) {
	if _, err := NewHasher(make([]byte, 16)); !errors.Is(err, ErrShortKey) {
		t.Fatalf("NewHasher(16 bytes) error = %v, want ErrShortKey", err)
	}
	h1, _ := NewHasher(bytes.Repeat([]byte{1}, 32))
	h2, _ := NewHasher(bytes.Repeat([]byte{2}, 32))
	a, b := h1.Hash("ABCDEFGH"), h1.Hash("ABCDEFGH")
	if !bytes.Equal(a, b) {
		t.Errorf("Hash is not deterministic")
	}
	if bytes.Equal(a, h2.Hash("ABCDEFGH")) {
		t.Errorf("Hash does not depend on the key")
	}
	if bytes.Equal(a, h1.Hash("ABCDEFGJ")) {
		t.Errorf("Hash does not depend on the code")
	}
	if bytes.Contains(a, []byte("ABCDEFGH")) {
		t.Errorf("Hash contains the code")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"ABCD-EFGH", "abcd efgh", "ILO0-1234", "", "ABCD-EFGU", "ÄÖÜ", strings.Repeat("a", 70)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse(%q) error %v does not wrap ErrInvalid", s, err)
			}
			return
		}
		if len(c) != Length {
			t.Fatalf("Parse(%q) = %q, want %d characters", s, c, Length)
		}
		for _, r := range c {
			if !strings.ContainsRune(Alphabet, r) {
				t.Fatalf("Parse(%q) = %q has %q outside the alphabet", s, c, r)
			}
		}
		// Canonical codes round-trip through the displayed form.
		again, err := Parse(Format(c))
		if err != nil || again != c {
			t.Fatalf("Parse(Format(%q)) = %q, %v", c, again, err)
		}
	})
}
