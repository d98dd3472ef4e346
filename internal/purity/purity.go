// Package purity checks that a package of the deterministic protocol core
// (spec/, generated/, lang/, wire/) stays synchronous and IO-free: it
// imports nothing that performs IO, reads the clock, synchronises or draws
// global randomness, and it starts no goroutines and uses no channels.
//
// It reads syntax only, with go/parser, so it cannot see through a type:
// a channel is found where its type is written or where it is sent to,
// received from or selected on, which is everywhere a package can make or
// use one of its own.
package purity

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// forbidden lists the import paths the core must not use; each also
// forbids the packages under it (net/http, os/exec, sync/atomic,
// math/rand/v2, syscall/js).
var forbidden = []string{
	"net",         // IO
	"os",          // IO
	"syscall",     // IO
	"time",        // the clock: time is a tick
	"sync",        // the core is single-threaded
	"unsafe",      // defeats the checks the encoding relies on
	"math/rand",   // global randomness
	"crypto/rand", // global randomness, read from the system
}

// Check returns the violations in the non-test .go files of dir, one per
// line as "file:line: what", with file joined to dir, sorted by file and
// line. A file that does not parse is an error.
func Check(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("purity: %w", err)
	}
	fset := token.NewFileSet()
	var found []violation
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("purity: %w", err)
		}
		found = append(found, checkFile(fset, f)...)
	}
	sort.SliceStable(found, func(i, j int) bool {
		a, b := found[i].pos, found[j].pos
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Line < b.Line
	})
	lines := make([]string, len(found))
	for i, v := range found {
		lines[i] = fmt.Sprintf("%s:%d: %s", v.pos.Filename, v.pos.Line, v.what)
	}
	return lines, nil
}

type violation struct {
	pos  token.Position
	what string
}

// checkFile returns the violations in one file, in source order.
func checkFile(fset *token.FileSet, f *ast.File) []violation {
	var found []violation
	report := func(n ast.Node, format string, args ...any) {
		found = append(found, violation{pos: fset.Position(n.Pos()), what: fmt.Sprintf(format, args...)})
	}
	for _, imp := range f.Imports {
		path, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			continue // the parser has checked the literal
		}
		if isForbidden(path) {
			report(imp, "imports %s", path)
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			report(n, "go statement")
		case *ast.ChanType:
			report(n, "channel type %s", exprString(fset, n))
		case *ast.SendStmt:
			report(n, "channel send")
		case *ast.UnaryExpr:
			if n.Op == token.ARROW {
				report(n, "channel receive")
			}
		case *ast.SelectStmt:
			report(n, "select statement")
		}
		return true
	})
	return found
}

func isForbidden(path string) bool {
	for _, p := range forbidden {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// exprString renders an expression as gofmt would.
func exprString(fset *token.FileSet, e ast.Expr) string {
	var b strings.Builder
	if err := printer.Fprint(&b, fset, e); err != nil {
		return "?"
	}
	return b.String()
}
