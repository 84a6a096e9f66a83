package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// make fuzz runs the targets its FUZZ_TARGETS lists; a target left out of it would only ever
// run its seeds. Every func FuzzX of the repository must be listed as dir:FuzzX.
func TestMakeFuzzListsEveryFuzzTarget(t *testing.T) {
	mk, err := os.ReadFile("Makefile")
	if err != nil {
		t.Fatal(err)
	}
	fuzzFunc := regexp.MustCompile(`(?m)^func (Fuzz\w+)\(f \*testing\.F\)`)
	found := 0
	err = filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != "." || d.Name() == "testdata" || d.Name() == "demo") {
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
			if want := filepath.Dir(path) + ":" + m[1]; !strings.Contains(string(mk), want) {
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
