package wire

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// reasonFixture is one entry of testdata/reasons.json, the golden list of
// reasons with their texts. The page's tests read the same file and check
// it against its catalogues (frontend/src/lib/reasons.test.ts).
type reasonFixture struct {
	Reason Reason `json:"reason"`
	En     string `json:"en"`
	Ja     string `json:"ja"`
	Sharer *struct {
		En string `json:"en"`
		Ja string `json:"ja"`
	} `json:"sharer,omitempty"`
}

func readReasonFixture(t *testing.T) []reasonFixture {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "reasons.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []reasonFixture
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("reasons.json: %v", err)
	}
	return out
}

// TestReasonsGolden: every Reason constant is in the golden list, nothing
// else is, and each has its English and Japanese text; the Go-side English
// table says the same as the list.
func TestReasonsGolden(t *testing.T) {
	fixture := readReasonFixture(t)
	seen := map[Reason]bool{}
	for _, f := range fixture {
		if seen[f.Reason] {
			t.Errorf("reasons.json lists %q twice", f.Reason)
		}
		seen[f.Reason] = true
		if !f.Reason.Known() {
			t.Errorf("reasons.json lists %q, which is not a Reason constant", f.Reason)
		}
		if strings.TrimSpace(f.En) == "" || strings.TrimSpace(f.Ja) == "" {
			t.Errorf("%q: en %q, ja %q, want both", f.Reason, f.En, f.Ja)
		}
		if got := f.Reason.Text(); got != f.En {
			t.Errorf("%q.Text() = %q, want %q (reasons.json)", f.Reason, got, f.En)
		}
		hasSharer := reasonTexts[f.Reason].sharer != ""
		switch {
		case f.Sharer == nil && hasSharer:
			t.Errorf("%q: reasons.json has no sharer text, Go has %q", f.Reason, f.Reason.SharerText())
		case f.Sharer != nil && !hasSharer:
			t.Errorf("%q: reasons.json has a sharer text, Go has none", f.Reason)
		case f.Sharer != nil:
			if f.Sharer.En != f.Reason.SharerText() || strings.TrimSpace(f.Sharer.Ja) == "" {
				t.Errorf("%q: sharer text en %q ja %q, want en %q and a ja text", f.Reason, f.Sharer.En, f.Sharer.Ja, f.Reason.SharerText())
			}
		}
	}
	for _, r := range Reasons() {
		if !seen[r] {
			t.Errorf("Reason %q is missing from testdata/reasons.json", r)
		}
		if _, ok := reasonTexts[r]; !ok {
			t.Errorf("Reason %q has no English text", r)
		}
	}
	if len(reasonTexts) != len(allReasons) {
		t.Errorf("reasonTexts has %d entries, want %d (one per reason)", len(reasonTexts), len(allReasons))
	}
}

// TestReasonConstantsListed: every constant of type Reason declared in this
// package is in allReasons (so it reaches the golden list), and every value
// is spelled in kebab-case.
func TestReasonConstantsListed(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	declared := map[Reason]string{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Reason" {
					continue
				}
				for i, v := range vs.Values {
					lit, ok := v.(*ast.BasicLit)
					if !ok {
						t.Errorf("%s: %s is not a string literal", name, vs.Names[i].Name)
						continue
					}
					s, _ := strconv.Unquote(lit.Value)
					declared[Reason(s)] = vs.Names[i].Name
				}
			}
		}
	}
	kebab := regexp.MustCompile(`^[a-z]+(-[a-z]+)*$`)
	for r, name := range declared {
		if !slices.Contains(allReasons, r) {
			t.Errorf("%s (%q) is not in allReasons", name, r)
		}
		if !kebab.MatchString(string(r)) {
			t.Errorf("%s = %q is not kebab-case", name, r)
		}
	}
	if len(declared) != len(allReasons) {
		t.Errorf("%d Reason constants declared, allReasons has %d", len(declared), len(allReasons))
	}
}

// TestOlderSpellingsAccepted: what a program of the previous release sends
// decodes to this release's constants, on every surface.
func TestOlderSpellingsAccepted(t *testing.T) {
	for old, want := range legacyReasons {
		if !want.Known() {
			t.Errorf("legacy %q maps to %q, not a constant", old, want)
		}
		if Reason(old).Known() {
			t.Errorf("legacy spelling %q is also a current constant", old)
		}
	}
	tests := []struct {
		name string
		in   string
		got  func([]byte) (Reason, error)
		want Reason
	}{
		{"REST not_found", `{"error":"not_found","message":"x"}`, restCode, ReasonNotFound},
		{"REST helper_suspended", `{"error":"helper_suspended"}`, restCode, ReasonHelperSuspended},
		{"REST rate_limited", `{"error":"rate_limited"}`, restCode, ReasonRateLimited},
		{"REST new spelling", `{"error":"org-disabled"}`, restCode, ReasonOrgDisabled},
		{"REST unknown kept", `{"error":"brand-new"}`, restCode, Reason("brand-new")},
		{"local busy", `{"ok":false,"reason":"busy"}`, localReason, ReasonSessionBusy},
		{"local policy", `{"ok":false,"reason":"policy"}`, localReason, ReasonMachinePolicy},
		{"local failed", `{"ok":false,"reason":"failed"}`, localReason, ReasonFailed},
		{"local status policy stays", `{"ok":true,"status":{"state":"ended","reason":"policy"}}`, localStatusReason, ReasonPolicy},
		{"envelope end", `{"type":"session-ended","reason":"helper-ended"}`, envelopeReason, ReasonHelperEnded},
		{"bridge code-expired", `{"type":"notice","reason":"code-expired"}`, bridgeReason, ReasonExpired},
		{"bridge account-suspended", `{"type":"error","reason":"account-suspended"}`, bridgeReason, ReasonHelperSuspended},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.got([]byte(tt.in))
			if err != nil || got != tt.want {
				t.Errorf("decode(%s) = %q, %v, want %q", tt.in, got, err, tt.want)
			}
		})
	}
	var r Reason
	if err := json.Unmarshal([]byte(`42`), &r); err == nil {
		t.Errorf("Unmarshal(42) into a Reason = %q, want an error", r)
	}
}

func restCode(b []byte) (Reason, error) {
	var e Error
	err := json.Unmarshal(b, &e)
	return e.Code, err
}

func localReason(b []byte) (Reason, error) {
	var r LocalResponse
	err := json.Unmarshal(b, &r)
	return r.Reason, err
}

func localStatusReason(b []byte) (Reason, error) {
	var r LocalResponse
	err := json.Unmarshal(b, &r)
	if r.Status == nil {
		return "", err
	}
	return r.Status.Reason, err
}

func envelopeReason(b []byte) (Reason, error) {
	e, err := DecodeEnvelope(b)
	return e.Reason, err
}

func bridgeReason(b []byte) (Reason, error) {
	e, err := DecodeBridgeEvent(b)
	return e.Reason, err
}

// TestNewSpellingsSent: what this release sends is the constant's one
// spelling, never an older one.
func TestNewSpellingsSent(t *testing.T) {
	b, err := json.Marshal(Error{Code: ReasonNotFound, Message: "x"})
	if err != nil || string(b) != `{"error":"not-found","message":"x"}` {
		t.Errorf("Marshal(Error) = %s, %v", b, err)
	}
	b, err = json.Marshal(LocalResponse{Reason: ReasonMachinePolicy})
	if err != nil || string(b) != `{"ok":false,"reason":"machine-policy"}` {
		t.Errorf("Marshal(LocalResponse) = %s, %v", b, err)
	}
}

// TestReasonsDocumented: docs/protocol.md's reason table has a row for
// every reason.
func TestReasonsDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "protocol.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	start := strings.Index(s, "\n## Reasons\n")
	if start < 0 {
		t.Fatal("docs/protocol.md has no Reasons section")
	}
	s = s[start+1:]
	if end := strings.Index(s, "\n## "); end >= 0 {
		s = s[:end]
	}
	for _, r := range Reasons() {
		if !strings.Contains(s, "\n| `"+string(r)+"` |") {
			t.Errorf("docs/protocol.md's reason table has no row for %q", r)
		}
	}
}

// Every reason has Japanese texts for Go-side output, read from the golden
// list: the same as the page's.
func TestReasonsJapanese(t *testing.T) {
	byReason := map[Reason]reasonFixture{}
	for _, f := range readReasonFixture(t) {
		byReason[f.Reason] = f
	}
	for _, r := range Reasons() {
		f := byReason[r]
		if r.TextJa() == "" || r.TextJa() != f.Ja {
			t.Errorf("%s.TextJa() = %q, want %q", r, r.TextJa(), f.Ja)
		}
		want := f.Ja
		if f.Sharer != nil {
			want = f.Sharer.Ja
		}
		if r.SharerTextJa() != want {
			t.Errorf("%s.SharerTextJa() = %q, want %q", r, r.SharerTextJa(), want)
		}
	}
	if got := Reason("from-the-future").TextJa(); got != "" {
		t.Errorf("an unknown reason's TextJa() = %q, want empty", got)
	}
}
