// Package gen is vsrgen's generator: it reads a spec package (load), checks
// and orders it (ir) and renders Go files (emit), then writes them all or
// none. It must never import the generated code it writes, so that it
// builds and runs when that code is stale, broken or deleted.
package gen

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/viewstamped/vsr/gen/emit"
	"github.com/viewstamped/vsr/gen/ir"
	"github.com/viewstamped/vsr/gen/load"
)

// Render reads the spec in specDir and renders the files of the package in
// outDir, without writing anything.
func Render(specDir, outDir string) ([]emit.File, error) {
	spec, err := load.Load(specDir)
	if err != nil {
		return nil, err
	}
	p, err := ir.Build(spec)
	if err != nil {
		return nil, err
	}
	absOut, err := filepath.Abs(outDir)
	if err != nil {
		return nil, fmt.Errorf("vsrgen: output %s: %w", outDir, err)
	}
	rel, err := filepath.Rel(spec.ModuleDir, absOut)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, fmt.Errorf("vsrgen: output %s is outside module %s", outDir, spec.ModuleDir)
	}
	pkgPath := spec.Module
	if rel != "." {
		pkgPath += "/" + filepath.ToSlash(rel)
	}
	absSpec, err := filepath.Abs(specDir)
	if err != nil {
		return nil, fmt.Errorf("vsrgen: spec %s: %w", specDir, err)
	}
	specRel, err := filepath.Rel(spec.ModuleDir, absSpec)
	if err != nil {
		specRel = filepath.Base(absSpec)
	}
	return emit.Generate(p, pkgPath, packageName(absOut), filepath.ToSlash(specRel))
}

// packageName derives a package name from the output directory.
func packageName(dir string) string {
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		if r >= 'A' && r <= 'Z' {
			return r - 'A' + 'a'
		}
		return -1
	}, filepath.Base(dir))
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		name = "generated" + name
	}
	return name
}

// Generate renders the package for the spec in specDir and writes it to
// outDir. It writes nothing unless every file rendered, and it removes
// files an earlier run generated that this run did not.
func Generate(specDir, outDir string) error {
	files, err := Render(specDir, outDir)
	if err != nil {
		return err
	}
	return Write(outDir, files)
}

// rename is os.Rename; a test replaces it to fail part-way.
var rename = os.Rename

// Write replaces the generated files in dir with files, all or nothing. It
// builds the new contents in a temporary directory beside dir (every file
// of dir that vsrgen did not generate, then files), then swaps that
// directory in for dir. A failure at any point leaves dir as it was.
func Write(dir string, files []emit.File) error {
	dir = filepath.Clean(dir)
	parent, base := filepath.Dir(dir), filepath.Base(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("vsrgen: write: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".vsrgen-")
	if err != nil {
		return fmt.Errorf("vsrgen: write: %w", err)
	}
	swapped := false
	defer func() {
		if !swapped {
			os.RemoveAll(tmp)
		}
	}()
	mode := fs.FileMode(0o755)
	info, err := os.Stat(dir)
	exists := err == nil
	switch {
	case exists && !info.IsDir():
		return fmt.Errorf("vsrgen: write: %s is not a directory", dir)
	case exists:
		mode = info.Mode().Perm()
		if err := copyKept(dir, tmp); err != nil {
			return fmt.Errorf("vsrgen: write: %w", err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("vsrgen: write: %w", err)
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return fmt.Errorf("vsrgen: write: %w", err)
	}
	for _, f := range files {
		path := filepath.Join(tmp, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("vsrgen: write: %w", err)
		}
		if err := os.WriteFile(path, f.Content, 0o644); err != nil {
			return fmt.Errorf("vsrgen: write: %w", err)
		}
	}
	if !exists {
		if err := rename(tmp, dir); err != nil {
			return fmt.Errorf("vsrgen: write: %w", err)
		}
		swapped = true
		return nil
	}
	return swap(dir, tmp, &swapped)
}

// swap puts directory tmp in the place of dir, and dir back if that fails.
func swap(dir, tmp string, swapped *bool) error {
	old, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".old-")
	if err != nil {
		return fmt.Errorf("vsrgen: write: %w", err)
	}
	if err := os.Remove(old); err != nil {
		return fmt.Errorf("vsrgen: write: %w", err)
	}
	if err := rename(dir, old); err != nil {
		return fmt.Errorf("vsrgen: write: %w", err)
	}
	if err := rename(tmp, dir); err != nil {
		if back := rename(old, dir); back != nil {
			return fmt.Errorf("vsrgen: write: %w; the old output is in %s: %v", err, old, back)
		}
		return fmt.Errorf("vsrgen: write: %w", err)
	}
	*swapped = true
	return os.RemoveAll(old)
}

// copyKept copies into to every file and directory under from but the Go
// files vsrgen generated.
func copyKept(from, to string) error {
	return filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil || rel == "." {
			return err
		}
		target := filepath.Join(to, rel)
		switch {
		case d.IsDir():
			info, err := d.Info()
			if err != nil {
				return err
			}
			return os.MkdirAll(target, info.Mode().Perm())
		case !d.Type().IsRegular():
			return fmt.Errorf("%s: not a regular file; the output directory holds only files and directories", path)
		case strings.HasSuffix(path, ".go") && generatedByVsrgen(path):
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, info.Mode().Perm())
	})
}

func generatedByVsrgen(path string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	return bytes.HasPrefix(line, []byte("// Code generated by vsrgen "))
}
