package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// words is a literal that reads as text for people: two words in a row.
var words = regexp.MustCompile(`[A-Za-z]{2,}[ ,.;:!?]+[A-Za-z]{2,}`)

// TestPrintedTextIsTranslated fails when this program prints a sentence
// written in place (fmt.Fprint*, fmt.Print*) instead of taking it from
// internal/i18n, which has it in English and Japanese.
func TestPrintedTextIsTranslated(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || !strings.HasPrefix(sel.Sel.Name, "Fprint") && !strings.HasPrefix(sel.Sel.Name, "Print") {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "fmt" {
				return true
			}
			for _, arg := range call.Args {
				lit, ok := arg.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				if s, err := strconv.Unquote(lit.Value); err == nil && words.MatchString(s) {
					t.Errorf("%s: fmt.%s prints %q: put it in internal/i18n (English and Japanese)", fset.Position(lit.Pos()), sel.Sel.Name, s)
				}
			}
			return true
		})
	}
}
