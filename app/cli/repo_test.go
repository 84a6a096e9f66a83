package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// repoRoot is the repository's top, seen from this package's directory (go test runs in it).
const repoRoot = "../.."

// The root holds main.go and the repository's furniture, nothing else that is Go: every
// command is a file of app/cli, every other piece lives in app, store, cardio or views
// (issue 10; the README's layout table names them).
func TestTheRootHoldsOnlyMainGo(t *testing.T) {
	entries, err := os.ReadDir(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".go") && e.Name() != "main.go" {
			t.Errorf("%s at the root: put it in the package it belongs to (a command is app/cli/<name>.go)", e.Name())
		}
	}
	main, err := os.ReadFile(filepath.Join(repoRoot, "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(main), "\n"); n > 25 {
		t.Errorf("main.go has %d lines: it parses, runs and exits, nothing more", n)
	}
	for _, dir := range []string{"app", "store", "cardio", "views"} {
		if fi, err := os.Stat(filepath.Join(repoRoot, dir)); err != nil || !fi.IsDir() {
			t.Errorf("the design's package %s/ is missing", dir)
		}
	}
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") && !slices.Contains([]string{"app", "store", "cardio", "views", "docs", "scripts", "demo", "testdata"}, e.Name()) {
			t.Errorf("directory %s/ at the root: code lives in app, store, cardio or views", e.Name())
		}
	}
}

// make fuzz runs the targets its FUZZ_TARGETS lists; a target left out of it would only ever
// run its seeds. Every func FuzzX of the repository must be listed as dir:FuzzX.
func TestMakeFuzzListsEveryFuzzTarget(t *testing.T) {
	mk, err := os.ReadFile(filepath.Join(repoRoot, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	fuzzFunc := regexp.MustCompile(`(?m)^func (Fuzz\w+)\(f \*testing\.F\)`)
	found := 0
	err = filepath.WalkDir(repoRoot, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != repoRoot || d.Name() == "testdata" || d.Name() == "demo") {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range fuzzFunc.FindAllStringSubmatch(string(src), -1) {
			found++
			rel, _ := filepath.Rel(repoRoot, filepath.Dir(path))
			if want := rel + ":" + m[1]; !strings.Contains(string(mk), want) {
				t.Errorf("Makefile FUZZ_TARGETS lacks %s", want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 13 {
		t.Fatalf("found %d fuzz targets, want at least 13", found)
	}
}

// Code comments cite the manual's rules by number ("rule 12"); the numbers are the ones of
// docs/rules.md, which states each rule, so every rule a comment cites must be there.
func TestEveryRuleCitedInTheCodeIsInDocsRules(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(repoRoot, "docs", "rules.md"))
	if err != nil {
		t.Fatal(err)
	}
	inDoc := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\| (\d+) \|`).FindAllStringSubmatch(string(doc), -1) {
		inDoc[m[1]] = true
	}
	if len(inDoc) != 15 {
		t.Fatalf("docs/rules.md states %d numbered rules, want the manual's 15", len(inDoc))
	}
	cite := regexp.MustCompile(`(?i)\brules? (\d+)((?:(?:, | and | ?/ ?)\d+)*)`)
	cited := 0
	err = walkGo(func(path string, src []byte) {
		for _, m := range cite.FindAllStringSubmatch(string(src), -1) {
			for _, n := range regexp.MustCompile(`\d+`).FindAllString(m[1]+m[2], -1) {
				cited++
				if !inDoc[n] {
					t.Errorf("%s cites rule %s, which docs/rules.md does not state", path, n)
				}
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if cited < 50 {
		t.Fatalf("found %d citations: the pattern no longer sees them", cited)
	}
}

// walkGo calls fn with every Go file of the repository (not under a dot directory such as
// .git or a work tree kept inside the checkout).
func walkGo(fn func(path string, src []byte)) error {
	return filepath.WalkDir(repoRoot, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != repoRoot && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err == nil {
			fn(path, src)
		}
		return err
	})
}

// One catalogue of codes: a refusal's code is declared once in the whole tree, so a screen
// that matches a code matches one meaning (issue 10: CARD_CHANGED was declared twice).
func TestEveryCodeIsDeclaredOnce(t *testing.T) {
	decl := regexp.MustCompile(`(?m)^\s*\w+\s+(?:\w+\.)?Code\s*=\s*"([A-Z0-9_]+)"`)
	where := map[string][]string{}
	err := walkGo(func(path string, src []byte) {
		if strings.HasSuffix(path, "_test.go") {
			return
		}
		for _, m := range decl.FindAllStringSubmatch(string(src), -1) {
			where[m[1]] = append(where[m[1]], path)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(where) < 80 {
		t.Fatalf("found %d codes: the pattern no longer sees the declarations", len(where))
	}
	for code, paths := range where {
		if len(paths) > 1 {
			t.Errorf("%s is declared %d times: %s", code, len(paths), strings.Join(paths, ", "))
		}
	}
}

// docs/rules.md gives each rule its home in app/: every file it names is there, and every
// function it names in brackets after a file is declared in that file. A rule moved to
// another file (or a function renamed) without the document fails here.
func TestEveryRuleHomeInDocsRulesExists(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(repoRoot, "docs", "rules.md"))
	if err != nil {
		t.Fatal(err)
	}
	home := regexp.MustCompile("`([a-z/_]+(?:\\.go|/))`(?: \\(((?:`\\w+`(?:, )?)+)\\))?")
	seen := 0
	for _, row := range regexp.MustCompile(`(?m)^\| \d+ \|.*\| ([^|]+) \|$`).FindAllStringSubmatch(string(doc), -1) {
		for _, m := range home.FindAllStringSubmatch(row[1], -1) {
			path := filepath.Join(repoRoot, "app", m[1])
			src, err := os.ReadFile(path)
			if strings.HasSuffix(m[1], "/") {
				if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
					t.Errorf("docs/rules.md names app/%s, which is not a folder", m[1])
				}
				continue
			}
			if err != nil {
				t.Errorf("docs/rules.md names app/%s: %v", m[1], err)
				continue
			}
			seen++
			for _, name := range regexp.MustCompile("`(\\w+)`").FindAllStringSubmatch(m[2], -1) {
				decl := regexp.MustCompile(`(?m)^(func (\([^)]*\) )?|var |type |const |\t)` + name[1] + `\b`)
				if !decl.Match(src) {
					t.Errorf("docs/rules.md names %s in app/%s, which does not declare it", name[1], m[1])
				}
			}
		}
	}
	if seen < 15 {
		t.Fatalf("found %d homes in docs/rules.md: the pattern no longer sees them", seen)
	}
}

// The README's layout table matches the tree: every folder and file it names is there, and
// every package folder of the four parts is named in it, so a package added, moved or
// removed without the table fails here.
func TestTheReadmeLayoutTableMatchesTheTree(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	tick := regexp.MustCompile("`([^`]+)`")
	named := map[string]bool{}
	rows := regexp.MustCompile("(?m)^\\| (`[^|]+) \\| ([^\\n]+) \\|$").FindAllStringSubmatch(string(readme), -1)
	if len(rows) < 15 {
		t.Fatalf("found %d rows of the layout table: the pattern no longer sees them", len(rows))
	}
	for _, row := range rows {
		var dirs []string
		for _, m := range tick.FindAllStringSubmatch(row[1], -1) {
			d := strings.TrimSuffix(m[1], "/")
			if fi, err := os.Stat(filepath.Join(repoRoot, d)); err != nil || !fi.IsDir() {
				t.Errorf("the layout table names %s/, which is not a folder", d)
			}
			dirs = append(dirs, d)
			named[d] = true
		}
		for _, m := range tick.FindAllStringSubmatch(row[2], -1) {
			tok := m[1]
			switch {
			case regexp.MustCompile(`^(app|store|cardio|views)/[a-z_/]+(\.go)?/?$`).MatchString(tok):
				named[strings.TrimSuffix(tok, "/")] = true
				if _, err := os.Stat(filepath.Join(repoRoot, tok)); err != nil {
					t.Errorf("the layout table names %s, which is not there", tok)
				}
			case regexp.MustCompile(`^[a-z_/]+(\.go|/)$`).MatchString(tok):
				found := false
				for _, d := range dirs {
					if _, err := os.Stat(filepath.Join(repoRoot, d, tok)); err == nil {
						found = true
						if strings.HasSuffix(tok, "/") {
							named[filepath.Join(d, strings.TrimSuffix(tok, "/"))] = true
						}
					}
				}
				if !found {
					t.Errorf("the layout table's row %v names %s, which none of its folders holds", dirs, tok)
				}
			}
		}
	}
	for _, part := range []string{"app", "store", "cardio", "views"} {
		err := filepath.WalkDir(filepath.Join(repoRoot, part), func(path string, d os.DirEntry, err error) error {
			if err != nil || !d.IsDir() || d.Name() == "testdata" {
				if err == nil && d.IsDir() {
					return filepath.SkipDir
				}
				return err
			}
			rel, _ := filepath.Rel(repoRoot, path)
			if goFiles, _ := filepath.Glob(filepath.Join(path, "*.go")); len(goFiles) == 0 {
				return nil
			}
			// A package is named itself, or is a helper inside a named package (deskapitest).
			if parent := filepath.Dir(rel); !named[rel] && !(named[parent] && parent != part) {
				t.Errorf("package folder %s is not in the README's layout table", rel)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
