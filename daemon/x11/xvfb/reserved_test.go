//go:build linux

package xvfb

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// moduleRoot is the module's root seen from this package's directory.
const moduleRoot = "../../.."

// notListed are files that start Xvfb on a number they pick at run time
// themselves (a script whose Xvfb gets -displayfd lets Xvfb pick one, and
// needs no entry here).
var notListed = map[string]bool{"scripts/run.sh": true}

// Patterns that name a display number in each kind of source. Go: a
// constant whose name says display (testDisplay, dispStroke, a
// firstDisplay, lastDisplay range), a literal passed to xvfb.Start or a
// start helper, a Display: ":N" field or any ":N.S" string, a -display
// flag default.
var (
	goConst      = regexp.MustCompile(`(?m)^\s*(?:const\s+)?(\w*Display\w*|disp[A-Z]\w*)(?:\s*,\s*(\w+))?\s*=\s*(\d+)(?:\s*,\s*(\d+))?\s*(?://.*)?$`)
	goStartCall  = regexp.MustCompile(`\b(?:xvfb\.Start|start\w*)\(\s*\w+\s*,\s*(\d+)\s*[,)]`)
	goDisplayStr = regexp.MustCompile(`Display:\s*":(\d{2,3})(?:\.\d+)?"|":(\d{2,3})\.\d+"`)
	goFlag       = regexp.MustCompile(`flag\.Int\("display",\s*(\d+)`)
	jsConst      = regexp.MustCompile(`const DISPLAY = (\d+);`)
	jsOffset     = regexp.MustCompile(`Harness\(DISPLAY\s*\+\s*(\d+)\)`)
	jsLiteral    = regexp.MustCompile(`Harness\((\d+)[,)]|opt\('-display',\s*'(\d+)'\)`)
	shDefault    = regexp.MustCompile(`DISPLAY\w*:-(\d+)\}`)
	shStartsX    = regexp.MustCompile(`(?m)^\s*Xvfb\s.*$`)
	tableLine    = regexp.MustCompile(`^\t(\d+(?:–\d+)?(?:, \d+(?:–\d+)?)*)\s+(\S+)`)
)

// displayUses maps an owner (a Go package's directory, or a script or
// suite file, relative to root) to the display numbers its sources use.
type displayUses map[string][]int

func (u displayUses) add(owner string, n ...int) {
	for _, x := range n {
		if !slices.Contains(u[owner], x) {
			u[owner] = append(u[owner], x)
		}
	}
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// scanDisplays reads the module's sources under root. An owner that starts
// Xvfb but names no number in a form known here is an error: a new way of
// choosing a number must be taught to this scanner, not slip past it.
func scanDisplays(root string) (displayUses, error) {
	uses := displayUses{}
	goDirs := map[string][]string{} // dir -> its .go sources
	var silent []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if p != root && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata" || name == "dist") {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		ext := filepath.Ext(rel)
		if rel == "daemon/x11/xvfb/reserved_test.go" || (ext != ".go" && ext != ".mjs" && ext != ".sh") {
			return nil // this scanner's made-up tree is not a real use
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch ext {
		case ".go":
			dir := filepath.ToSlash(filepath.Dir(rel))
			goDirs[dir] = append(goDirs[dir], string(b))
		case ".mjs":
			if !scanSuite(uses, rel, string(b)) {
				silent = append(silent, rel)
			}
		case ".sh":
			if !scanScript(uses, rel, b) {
				silent = append(silent, rel)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for dir, files := range goDirs {
		if !scanGoPackage(uses, dir, strings.Join(files, "\n")) {
			silent = append(silent, dir)
		}
	}
	if len(silent) > 0 {
		slices.Sort(silent)
		return uses, fmt.Errorf("these start Xvfb on a number the scan cannot read: %v", silent)
	}
	return uses, nil
}

// scanSuite adds a Playwright suite's numbers; false if it starts a
// Harness without a number found.
func scanSuite(uses displayUses, rel, s string) bool {
	var base int
	if m := jsConst.FindStringSubmatch(s); m != nil {
		base = atoi(m[1])
		uses.add(rel, base)
	}
	for _, m := range jsOffset.FindAllStringSubmatch(s, -1) {
		uses.add(rel, base+atoi(m[1]))
	}
	for _, m := range jsLiteral.FindAllStringSubmatch(s, -1) {
		uses.add(rel, atoi(m[1]+m[2]))
	}
	return !strings.Contains(s, "new Harness(") || len(uses[rel]) > 0
}

// scanScript adds a shell script's numbers; false if it runs Xvfb without
// a number found (and is not one of notListed).
func scanScript(uses displayUses, rel string, b []byte) bool {
	for _, m := range shDefault.FindAllStringSubmatch(string(b), -1) {
		uses.add(rel, atoi(m[1]))
	}
	if len(uses[rel]) > 0 || notListed[rel] {
		return true
	}
	for _, line := range shStartsX.FindAll(b, -1) {
		if !strings.Contains(string(line), "-displayfd") {
			return false
		}
	}
	return true
}

// scanGoPackage adds the numbers of a Go package whose sources (src, all
// files joined) use this package; false if it calls xvfb.Start without a
// number found.
func scanGoPackage(uses displayUses, dir, src string) bool {
	if !strings.Contains(src, "xvfb.") && dir != "daemon/x11/xvfb" {
		return true // no X server in this package's tests
	}
	for _, m := range goConst.FindAllStringSubmatch(src, -1) {
		if m[4] != "" && strings.Contains(strings.ToLower(m[1]), "first") && strings.Contains(strings.ToLower(m[2]), "last") {
			for n := atoi(m[3]); n <= atoi(m[4]); n++ {
				uses.add(dir, n)
			}
			continue
		}
		uses.add(dir, atoi(m[3]))
		if m[4] != "" {
			uses.add(dir, atoi(m[4]))
		}
	}
	for _, re := range []*regexp.Regexp{goStartCall, goDisplayStr, goFlag} {
		for _, m := range re.FindAllStringSubmatch(src, -1) {
			uses.add(dir, atoi(strings.Join(m[1:], "")))
		}
	}
	return !strings.Contains(src, "xvfb.Start(") || len(uses[dir]) > 0
}

// shared lists every number used by more than one owner.
func shared(u displayUses) []string {
	owners := map[int][]string{}
	for o, ns := range u {
		for _, n := range ns {
			owners[n] = append(owners[n], o)
		}
	}
	var out []string
	for n, os := range owners {
		if len(os) > 1 {
			slices.Sort(os)
			out = append(out, fmt.Sprintf(":%d used by %s", n, strings.Join(os, " and ")))
		}
	}
	slices.Sort(out)
	return out
}

// reservedTable parses the table in the package documentation.
func reservedTable(t *testing.T) map[string][]int {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "xvfb.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	table := map[string][]int{}
	for _, c := range f.Doc.List {
		m := tableLine.FindStringSubmatch(strings.TrimPrefix(c.Text, "//"))
		if m == nil {
			continue
		}
		for _, part := range strings.Split(m[1], ", ") {
			lo, hi, ok := strings.Cut(part, "–")
			if !ok {
				hi = lo
			}
			for n := atoi(lo); n <= atoi(hi); n++ {
				table[m[2]] = append(table[m[2]], n)
			}
		}
	}
	if len(table) < 10 {
		t.Fatalf("the table of reserved displays in the package doc has %d owners; its format changed?", len(table))
	}
	return table
}

func TestReservedDisplays(t *testing.T) {
	table := reservedTable(t)
	if s := shared(displayUses(table)); len(s) > 0 {
		t.Errorf("the table reserves a number twice: %v", s)
	}
	uses, err := scanDisplays(moduleRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range shared(uses) {
		t.Errorf("display collision (packages run in parallel): %s", s)
	}
	for owner, ns := range uses {
		for _, n := range ns {
			if n < 90 {
				t.Errorf("%s uses :%d; test displays are :90 and above", owner, n)
			}
			if !slices.Contains(table[owner], n) {
				t.Errorf("%s uses :%d, which the table in the xvfb package doc does not reserve for it", owner, n)
			}
		}
	}
	for owner := range table {
		if len(uses[owner]) == 0 {
			t.Errorf("the table reserves numbers for %s, which uses none (stale entry, or the scan misses its form)", owner)
		}
	}
}

// TestReservedDisplaysScanFindsCollisions runs the scan on a made-up tree
// in which two packages and a suite use the same number in different
// forms: the collision must be reported.
func TestReservedDisplaysScanFindsCollisions(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"a/a_test.go":          "package a\n\nfunc TestA(t *testing.T) { xvfb.Start(ctx, 120, 640, 480) }\n",
		"b/b_test.go":          "package b\n\n// uses xvfb.\nconst (\n\tdispMain = 121\n\tdispOther = 120 // shared\n)\n",
		"c/c_test.go":          "package c\n\nconst firstDisplay, lastDisplay = 118, 121\n\nfunc f() { _ = xvfb.Server{} }\n",
		"e2e/x.test.mjs":       "const DISPLAY = 130;\nconst h = new Harness(DISPLAY + 1);\n",
		"e2e/y.test.mjs":       "const h = new Harness(131);\n",
		"scripts/one.sh":       "n=${X_DISPLAY:-200}\nXvfb \":$n\" &\n",
		"scripts/silent.sh":    "Xvfb :7 &\n",
		"scripts/picks.sh":     "Xvfb -displayfd 3 -screen 0 640x480x24 3>f &\n",
		"d/unrelated.go":       "package d\n\nconst maxDisplayName = 64\n",
		"f/f_test.go":          "package f\n\n// xvfb.\nvar a, b = Config{Display: \":124\"}, []string{\":125.3\", \"x:443\"}\n",
		"node_modules/z/z.mjs": "const DISPLAY = 120;\n",
	}
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	uses, err := scanDisplays(root)
	if err == nil || !strings.Contains(err.Error(), "scripts/silent.sh") || strings.Contains(err.Error(), "picks.sh") {
		t.Errorf("scan error = %v, want scripts/silent.sh (a fixed number not read) reported, not picks.sh (Xvfb picks)", err)
	}
	got := shared(uses)
	want := []string{
		":120 used by a and b and c",
		":121 used by b and c",
		":131 used by e2e/x.test.mjs and e2e/y.test.mjs",
	}
	if !slices.Equal(got, want) {
		t.Errorf("collisions = %q, want %q", got, want)
	}
	if u := uses["d"]; len(u) != 0 {
		t.Errorf("a package without X servers yielded %v", u)
	}
	if u := uses["f"]; !slices.Equal(u, []int{124, 125}) {
		t.Errorf("package f = %v, want [124 125] (a Display field and a screen string; a port is not a display)", u)
	}
	if u := uses["scripts/one.sh"]; !slices.Equal(u, []int{200}) {
		t.Errorf("scripts/one.sh = %v, want [200]", u)
	}
}
