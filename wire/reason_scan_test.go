package wire

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Fields typed Reason take any untyped string constant, so the type alone
// does not stop `Reason: "oops"`. literalReasons finds the places where a
// reason is written as a string literal instead of a Reason constant:
// conversions Reason("…"), the fields Reason, EndReason and Error.Code set
// or compared to a literal, and a code-like literal passed to a function
// that takes a reason.
func literalReasons(fset *token.FileSet, f *ast.File) []string {
	var out []string
	report := func(n ast.Node, what string) {
		out = append(out, fset.Position(n.Pos()).String()+": "+what)
	}
	isLit := func(e ast.Expr) (string, bool) {
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(lit.Value)
		return s, err == nil
	}
	reasonField := func(name string) bool { return name == "Reason" || name == "EndReason" }
	isErrorType := func(e ast.Expr) bool {
		switch t := e.(type) {
		case *ast.Ident:
			return t.Name == "Error"
		case *ast.SelectorExpr:
			return t.Sel.Name == "Error"
		}
		return false
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			name := ""
			switch fn := n.Fun.(type) {
			case *ast.Ident:
				name = fn.Name
			case *ast.SelectorExpr:
				name = fn.Sel.Name
			}
			if name == "Reason" && len(n.Args) == 1 {
				if s, ok := isLit(n.Args[0]); ok {
					report(n, "Reason("+strconv.Quote(s)+")")
				}
			}
			if reasonFuncs[name] {
				for _, a := range n.Args {
					if s, ok := isLit(a); ok && codeLike.MatchString(s) {
						report(a, name+"(…"+strconv.Quote(s)+"…)")
					}
				}
			}
		case *ast.CompositeLit:
			for _, el := range n.Elts {
				kv, ok := el.(*ast.KeyValueExpr)
				if !ok {
					continue
				}
				key, ok := kv.Key.(*ast.Ident)
				if !ok {
					continue
				}
				if s, ok := isLit(kv.Value); ok && (reasonField(key.Name) || (key.Name == "Code" && isErrorType(n.Type))) {
					report(kv, key.Name+": "+strconv.Quote(s))
				}
			}
		case *ast.AssignStmt:
			for i, l := range n.Lhs {
				sel, ok := l.(*ast.SelectorExpr)
				if !ok || !reasonField(sel.Sel.Name) || i >= len(n.Rhs) {
					continue
				}
				if s, ok := isLit(n.Rhs[i]); ok && s != "" {
					report(n, "."+sel.Sel.Name+" = "+strconv.Quote(s))
				}
			}
		case *ast.BinaryExpr:
			if n.Op != token.EQL && n.Op != token.NEQ {
				break
			}
			for _, pair := range [][2]ast.Expr{{n.X, n.Y}, {n.Y, n.X}} {
				sel, ok := pair[0].(*ast.SelectorExpr)
				if !ok || !reasonField(sel.Sel.Name) {
					continue
				}
				if s, ok := isLit(pair[1]); ok && s != "" {
					report(n, "."+sel.Sel.Name+" compared with "+strconv.Quote(s))
				}
			}
		}
		return true
	})
	return out
}

// codeLike is what a reason looks like, as opposed to a sentence.
var codeLike = regexp.MustCompile(`^[a-z][a-z0-9]*([-_][a-z0-9]+)+$|^[a-z]+$`)

// reasonFuncs take a reason among their arguments.
var reasonFuncs = map[string]bool{
	"writeError": true, "writeRetry": true, "refuse": true, "fail": true, "notice": true,
	"finish": true, "endSession": true, "requestEnd": true, "deny": true, "teardown": true,
	"end": true, "endWhere": true, "endAll": true, "SessionEnded": true, "EndSession": true,
	"refusedResponse": true,
}

func TestLiteralReasonsFinder(t *testing.T) {
	src := `package x
func f() {
	_ = wire.Envelope{Type: wire.TypeEnd, Reason: "helper-ended"}
	_ = wire.Error{Code: "not_found", Message: "No."}
	_ = wire.JoinRequest{Code: "ABCD-EFGH"}
	st.Reason = "busy"
	st.Reason = ""
	_ = wire.Reason("policy")
	if ev.Reason == "timeout" {}
	writeError(w, 404, "not-found", "No such thing.")
	c.fail(wire.ReasonFailed, "That is not possible right now.")
	refuse(wire.ReasonNoSession, "there is no session")
}`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := literalReasons(fset, f)
	want := []string{`Reason: "helper-ended"`, `Code: "not_found"`, `.Reason = "busy"`, `Reason("policy")`,
		`.Reason compared with "timeout"`, `writeError(…"not-found"…)`}
	if len(got) != len(want) {
		t.Fatalf("literalReasons found %d: %q, want %d", len(got), got, len(want))
	}
	for i := range want {
		if !strings.HasSuffix(got[i], want[i]) {
			t.Errorf("finding %d = %q, want …%q", i, got[i], want[i])
		}
	}
}

// TestNoLiteralReasons: every reason the programs put on the wire is a
// Reason constant. Tests may use literals (to send what an older release
// sent); the programs may not.
func TestNoLiteralReasons(t *testing.T) {
	root := ".."
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "node_modules", "testdata", ".git", "dist", "bin":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		// The one place the spellings are written.
		if rel, _ := filepath.Rel(root, path); rel == filepath.Join("wire", "reason.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files++
		for _, finding := range literalReasons(fset, f) {
			t.Errorf("a reason written as a string literal, not a wire.Reason constant: %s", finding)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Errorf("scanned %d Go files, want the whole module", files)
	}
}
