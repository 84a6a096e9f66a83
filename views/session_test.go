package views_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/views/viewtest"
)

// The ledger ends the session while the desk is open (30 minutes idle): the next answer
// brings the login over the desk with why, the user filled in; the same person logs in and
// finds the screen as it was, and the next reload works.
func TestSessionEndedAsksForTheLoginAndKeepsTheScreens(t *testing.T) {
	d := viewtest.ReportsDesk(t, "en", true)
	d.Site.Staff("fin", app.RoleSupervisor) // password fin-pass-1
	d.C.Actor = app.Actor{}
	m := viewtest.OpenRoot(d)
	m = viewtest.LogIn(m, "fin", "fin-pass-1")
	m = viewtest.Drive(m, viewtest.Key("e")) // edit the history range: on-screen state to keep
	before := viewtest.Screen(m)
	first := d.C.Actor.Session

	d.Site.Clock.Advance(d.Site.Cfg.SessionIdle + time.Minute)
	m = viewtest.Drive(m, viewtest.Key("esc"))
	m = viewtest.Drive(m, viewtest.Key("r")) // reload: the ledger says SESSION_ENDED
	s := viewtest.Screen(m)
	if !strings.Contains(s, "Your session has ended") || !strings.Contains(s, "fin") {
		t.Fatalf("after the session ended:\n%s", s)
	}
	m = viewtest.Type(m, "fin-pass-1") // the user is filled in, the cursor on the password
	m = viewtest.Drive(m, viewtest.Key("enter"))
	if d.C.Actor.Session == "" || d.C.Actor.Session == first {
		t.Fatalf("no new session: %+v", d.C.Actor)
	}
	s = viewtest.Screen(m)
	if strings.Contains(s, "Your session has ended") || !strings.Contains(s, "fin · supervisor") {
		t.Fatalf("after logging in again:\n%s", s)
	}
	m = viewtest.Drive(m, viewtest.Key("r"))
	if s := viewtest.Screen(m); strings.Contains(s, "session has ended") || !strings.Contains(s, "Today") {
		t.Fatalf("the reload after the new login:\n%s\nbefore it ended:\n%s", s, before)
	}
}

// Every message that carries an error can be asked for it (common.Failed), so a
// SESSION_ENDED from any screen reaches the root: the source of the root and of every page
// package is checked, since a message type without the method would be missed silently.
func TestEveryMessageWithAnErrorSaysIt(t *testing.T) {
	fset := token.NewFileSet()
	var files []string
	err := filepath.WalkDir(".", func(path string, e fs.DirEntry, err error) error {
		if err == nil && e.IsDir() && (e.Name() == "posscreen" || e.Name() == "viewtest") {
			return filepath.SkipDir // the POS's own screen, and the tests' helpers: not the desk
		}
		if err == nil && !e.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Types are named per package: the key is the directory and the name.
	withErr, methods := map[string]bool{}, map[string]bool{}
	for _, f := range files {
		dir := filepath.Dir(f)
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.TypeSpec:
				st, ok := n.Type.(*ast.StructType)
				if !ok || !strings.HasSuffix(n.Name.Name, "Msg") {
					return true
				}
				for _, fl := range st.Fields.List {
					for _, name := range fl.Names {
						if name.Name == "err" {
							withErr[dir+"."+n.Name.Name] = true
						}
					}
					if sel, ok := fl.Type.(*ast.SelectorExpr); ok && len(fl.Names) == 0 && sel.Sel.Name == "Change" {
						methods[dir+"."+n.Name.Name] = true // promoted from listpage.Change
					}
				}
			case *ast.FuncDecl:
				if n.Recv != nil && n.Name.Name == "Failure" {
					t := n.Recv.List[0].Type
					if ix, ok := t.(*ast.IndexExpr); ok {
						t = ix.X
					}
					if id, ok := t.(*ast.Ident); ok {
						methods[dir+"."+id.Name] = true
					}
				}
			}
			return true
		})
	}
	if len(withErr) < 10 {
		t.Fatalf("found %d message types with an error: the parse is broken", len(withErr))
	}
	for name := range withErr {
		if !methods[name] {
			t.Errorf("%s carries an error but has no Failure() method (common.Failed)", name)
		}
	}
}
