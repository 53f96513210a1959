package i18n

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/quickhelp/quickhelp/wire"
)

var update = flag.Bool("update", false, "rewrite testdata/messages.json from the catalogue")

// goldenEntry is one text of testdata/messages.json.
type goldenEntry struct {
	Key Key    `json:"key"`
	En  string `json:"en"`
	Ja  string `json:"ja"`
}

var verbPattern = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

// verbs is the multiset of a text's fmt verbs, without the argument index
// (Japanese may reorder %[1]s and %[2]s).
func verbs(s string) []string {
	var out []string
	for _, v := range verbPattern.FindAllString(s, -1) {
		out = append(out, regexp.MustCompile(`\[\d+\]`).ReplaceAllString(v, ""))
	}
	sort.Strings(out)
	return out
}

// TestCatalogueGolden: every English text has a Japanese one with the same
// placeholders, and testdata/messages.json lists exactly the catalogue.
func TestCatalogueGolden(t *testing.T) {
	var entries []goldenEntry
	for k, m := range catalogue {
		switch {
		case strings.TrimSpace(m.en) == "":
			t.Errorf("%s has no English text", k)
		case strings.TrimSpace(m.ja) == "":
			t.Errorf("%s has no Japanese text (English %q)", k, m.en)
		case m.ja == m.en:
			t.Errorf("%s: the Japanese text is the English one (%q)", k, m.en)
		}
		if !slices.Equal(verbs(m.en), verbs(m.ja)) {
			t.Errorf("%s: placeholders differ: English %v, Japanese %v", k, verbs(m.en), verbs(m.ja))
		}
		entries = append(entries, goldenEntry{k, m.en, m.ja})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Key < entries[j].Key })
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(entries); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "messages.json")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	golden, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(golden, buf.Bytes()) {
		t.Errorf("%s differs from the catalogue: run go test ./internal/i18n -update and review the change", path)
	}
}

// Every reason has a Japanese text (from wire's golden list) for both
// people.
func TestReasonsInJapanese(t *testing.T) {
	for _, r := range wire.Reasons() {
		if got := Japanese.Reason(r); got == "" || got == r.Text() {
			t.Errorf("Japanese.Reason(%s) = %q, want a Japanese text", r, got)
		}
		if got := Japanese.SharerReason(r); got == "" || got == r.SharerText() {
			t.Errorf("Japanese.SharerReason(%s) = %q, want a Japanese text", r, got)
		}
		if got := English.SharerReason(r); got != r.SharerText() {
			t.Errorf("English.SharerReason(%s) = %q, want %q", r, got, r.SharerText())
		}
	}
	if got := Japanese.Reason("from-the-future"); got != wire.Reason("from-the-future").Text() {
		t.Errorf("an unknown reason in Japanese = %q, want the generic text", got)
	}
}

func TestFromEnv(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want Lang
	}{
		{map[string]string{"LANG": "ja_JP.UTF-8"}, Japanese},
		{map[string]string{"LANG": "en_GB.UTF-8"}, English},
		{map[string]string{"LANG": "en_US.UTF-8", "LC_MESSAGES": "ja_JP.UTF-8"}, Japanese},
		{map[string]string{"LANG": "ja_JP.UTF-8", "LC_MESSAGES": "C"}, English},
		{map[string]string{"LC_ALL": "ja_JP.eucJP", "LC_MESSAGES": "en_US.UTF-8"}, Japanese},
		{map[string]string{"LC_ALL": "C.UTF-8", "LANG": "ja_JP.UTF-8"}, English},
		{map[string]string{"LANG": "ja"}, Japanese},
		{map[string]string{"LANG": "jam_JM"}, English},
	}
	for _, tt := range tests {
		if got := FromEnv(func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("FromEnv(%v) = %q, want %q", tt.env, got, tt.want)
		}
	}
}

func TestT(t *testing.T) {
	if got := English.T(SharerCompareSAS, "Alex P.", "123 456"); got != "Ask Alex P. to read you the security code: 123 456. Allow only if it is the same." {
		t.Errorf("English.T(SharerCompareSAS) = %q", got)
	}
	if got := Japanese.T(SharerCompareSAS, "Alex P.", "123 456"); got != "Alex P. にセキュリティコードを読み上げてもらってください: 123 456。同じ場合にだけ許可してください。" {
		t.Errorf("Japanese.T(SharerCompareSAS) = %q", got)
	}
	if got := Lang("").T(TrayStop); got != "Stop sharing" {
		t.Errorf("the zero Lang's T = %q, want English", got)
	}
}
