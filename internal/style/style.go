// Package style checks what gofmt does not: that the imports of a Go file
// are grouped as goimports -local groups them, the standard library first,
// then other modules, then this module's own packages, each group sorted
// and set apart by a blank line. The generator groups its output the same
// way, so the check covers generated code too.
package style

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/tools/imports"
)

// Module is this module's path, the prefix of its own packages.
const Module = "github.com/viewstamped/vsr"

var mu sync.Mutex // guards imports.LocalPrefix, a global

// Grouped returns src with its imports grouped as goimports -local module
// groups them.
func Grouped(name string, src []byte, module string) ([]byte, error) {
	mu.Lock()
	defer mu.Unlock()
	imports.LocalPrefix = module
	return imports.Process(name, src, &imports.Options{FormatOnly: true, Comments: true, TabIndent: true, TabWidth: 8})
}

// Misgrouped lists the Go files under root, but for testdata directories,
// whose imports are not grouped as Grouped groups them.
func Misgrouped(root, module string) ([]string, error) {
	var bad []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == "testdata" || path != root && strings.HasPrefix(name, ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		want, err := Grouped(path, src, module)
		if err != nil {
			return fmt.Errorf("style: %w", err)
		}
		if !bytes.Equal(src, want) {
			rel, _ := filepath.Rel(root, path)
			bad = append(bad, filepath.ToSlash(rel))
		}
		return nil
	})
	return bad, err
}
