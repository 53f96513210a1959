package daemon

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The two platform homes, relative to this directory.
const (
	x11Home   = "x11"
	win32Home = "win32"
)

const (
	xgbPath     = "github.com/jezek/xgb"
	windowsPath = "golang.org/x/sys/windows"
)

// Calls that open an X connection: only the X11 home may make them.
var xgbConnect = map[string]bool{"NewConn": true, "NewConnDisplay": true, "NewConnNet": true}

// Calls that load a DLL: only the Win32 home may make them.
var dllLoad = map[string]bool{
	"NewLazySystemDLL": true, "NewLazyDLL": true, "LoadDLL": true, "MustLoadDLL": true,
	"LoadLibrary": true, "LoadLibraryEx": true,
}

// Methods that look a function up in a loaded DLL.
var procLookup = map[string]bool{"NewProc": true, "FindProc": true, "MustFindProc": true}

// finding is one use of X11 or Win32 set-up outside its home.
type finding struct {
	home string // the package that should have done it
	what string
}

// platformUses lists what f does that only the X11 home (xgb connections,
// writes to xgb's package variables, extension Init calls that write
// xgb's shared decoder maps) or the Win32 home (DLL loading and proc
// look-ups) may do.
func platformUses(fset *token.FileSet, f *ast.File) []finding {
	imports := map[string]string{} // local name → import path
	for _, im := range f.Imports {
		p, _ := strconv.Unquote(im.Path.Value)
		name := p[strings.LastIndex(p, "/")+1:]
		if im.Name != nil {
			name = im.Name.Name
		}
		imports[name] = p
	}
	// pkgOf is the import path x names when x is an imported package.
	pkgOf := func(x ast.Expr) string {
		id, ok := x.(*ast.Ident)
		if !ok || id.Obj != nil { // a local variable shadowing a package
			return ""
		}
		return imports[id.Name]
	}
	var out []finding
	add := func(n ast.Node, home, format string, args ...any) {
		out = append(out, finding{home, fmt.Sprintf("%s: ", fset.Position(n.Pos())) + fmt.Sprintf(format, args...)})
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for _, lhs := range n.Lhs {
				if sel, ok := lhs.(*ast.SelectorExpr); ok && pkgOf(sel.X) == xgbPath {
					add(n, x11Home, "writes xgb.%s", sel.Sel.Name)
				}
			}
		case *ast.CallExpr:
			sel, ok := n.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			name, pkg := sel.Sel.Name, pkgOf(sel.X)
			switch {
			case pkg == xgbPath && xgbConnect[name]:
				add(n, x11Home, "opens an X connection (xgb.%s)", name)
			case strings.HasPrefix(pkg, xgbPath+"/") && name == "Init":
				add(n, x11Home, "initialises an X extension (%s.Init)", pkg[len(xgbPath)+1:])
			case (pkg == windowsPath || pkg == "syscall") && dllLoad[name]:
				add(n, win32Home, "loads a DLL (%s)", name)
			case pkg == "" && procLookup[name]:
				add(n, win32Home, "looks up a DLL function (%s)", name)
			}
		}
		return true
	})
	return out
}

func parseSnippet(t *testing.T, src string) (*token.FileSet, *ast.File) {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "snippet.go", src, 0)
	if err != nil {
		t.Fatalf("parse %q: %v", src, err)
	}
	return fset, f
}

func TestPlatformUses(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // homes, in order of the findings
	}{
		{"connect", `package p; import "github.com/jezek/xgb"; func f() { xgb.NewConnDisplay(":0") }`, []string{x11Home}},
		{"connect renamed", `package p; import x "github.com/jezek/xgb"; func f() { x.NewConn(); x.NewConnNet(nil) }`, []string{x11Home, x11Home}},
		{"logger", `package p; import "github.com/jezek/xgb"; func f() { xgb.Logger = nil }`, []string{x11Home}},
		{"extension init", `package p; import "github.com/jezek/xgb/shape"; func f() { shape.Init(nil) }`, []string{x11Home}},
		{"core requests", `package p; import ("github.com/jezek/xgb/xproto"; "github.com/jezek/xgb/xtest"); func f() { xproto.Setup(nil); xtest.FakeInput(nil, 0, 0, 0, 0, 0, 0, 0) }`, nil},
		{"through the home", `package p; import "github.com/quickhelp/quickhelp/daemon/x11"; func f() { c, _ := x11.Dial(""); x11.Enable(c, x11.Shape) }`, nil},
		{"local shadow", `package p; func f() { xgb := struct{ NewConn func() }{}; xgb.NewConn() }`, nil},
		{"system dll", `package p; import "golang.org/x/sys/windows"; var d = windows.NewLazySystemDLL("user32.dll")`, []string{win32Home}},
		{"syscall dll", `package p; import "syscall"; var d = syscall.NewLazyDLL("x.dll")`, []string{win32Home}},
		{"dll and proc", `package p; import "golang.org/x/sys/windows"; var p = windows.NewLazySystemDLL("user32.dll").NewProc("SendInput")`, []string{win32Home, win32Home}},
		{"proc on a variable", `package p; var p = user32.NewProc("GetCursorPos")`, []string{win32Home}},
		{"through the win32 home", `package p; import "github.com/quickhelp/quickhelp/daemon/win32"; func f() { win32.SendInput.Call(0) }`, nil},
		{"other windows calls", `package p; import "golang.org/x/sys/windows"; func f() { windows.GetCurrentThreadId() }`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fset, f := parseSnippet(t, tt.src)
			got := platformUses(fset, f)
			var homes []string
			for _, g := range got {
				homes = append(homes, g.home)
			}
			if fmt.Sprint(homes) != fmt.Sprint(tt.want) {
				t.Errorf("platformUses(%q) = %v, want homes %v", tt.src, got, tt.want)
			}
		})
	}
}

// TestPlatformHomes checks every non-test Go file under daemon/, whatever
// its build tags: X11 connections and extensions only in daemon/x11,
// Win32 DLLs and procs only in daemon/win32.
func TestPlatformHomes(t *testing.T) {
	fset := token.NewFileSet()
	files := 0
	inHome := map[string]int{} // findings inside each home, which are allowed
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && path != "." {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files++
		dir := filepath.ToSlash(filepath.Dir(path))
		for _, u := range platformUses(fset, f) {
			if dir == u.home {
				inHome[u.home]++
				continue
			}
			t.Errorf("%s; only daemon/%s may do that", u.what, u.home)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The walk must really have read the daemon, homes included.
	if files < 50 {
		t.Errorf("checked %d files, want the whole daemon", files)
	}
	for _, home := range []string{x11Home, win32Home} {
		if inHome[home] == 0 {
			t.Errorf("found nothing in daemon/%s itself: the check does not see what it looks for", home)
		}
	}
}
