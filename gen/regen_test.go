package gen

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRegenerate shows that the generator builds and runs when generated/
// is broken or gone: in a copy of the module, go generate ./... (the
// directive is in spec/doc.go) must bring back generated/ byte for byte,
// after which the module builds and generated/ passes go vet.
func TestRegenerate(t *testing.T) {
	if testing.Short() {
		t.Skip("regenerate: runs the go command")
	}
	goTool := lookGo(t)
	root := repoRoot(t)
	want := readGoFiles(t, filepath.Join(root, "generated"))
	require.Contains(t, want, "dispatch.go")
	cases := []struct {
		name  string
		spoil func(t *testing.T, dir string)
	}{
		{"garbage", func(t *testing.T, dir string) {
			path := filepath.Join(dir, "generated", "dispatch.go")
			require.NoError(t, os.WriteFile(path, []byte("package generated\n\nthis is not Go {\n"), 0o644))
			// The copy is broken indeed.
			cmd := exec.Command(goTool, "build", "./generated/")
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			require.Error(t, err, "a garbage dispatch.go builds:\n%s", out)
		}},
		{"deleted", func(t *testing.T, dir string) {
			require.NoError(t, os.RemoveAll(filepath.Join(dir, "generated")))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			copyModule(t, root, dir)
			c.spoil(t, dir)
			env := os.Environ()
			runGo(t, goTool, dir, env, "generate", "./...")
			runGo(t, goTool, dir, env, "build", "./...")
			runGo(t, goTool, dir, env, "vet", "./generated/")
			require.Equal(t, want, readGoFiles(t, filepath.Join(dir, "generated")))
		})
	}
}

// copyModule copies the module at root into dir: go.mod, go.sum and every
// package directory, without testdata directories and hidden ones.
func copyModule(t *testing.T, root, dir string) {
	t.Helper()
	for _, f := range []string{"go.mod", "go.sum"} {
		copyFile(t, filepath.Join(root, f), filepath.Join(dir, f))
	}
	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		sub := e.Name()
		err := filepath.WalkDir(filepath.Join(root, sub), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == "testdata" {
					return filepath.SkipDir
				}
				return os.MkdirAll(filepath.Join(dir, rel), 0o755)
			}
			if !d.Type().IsRegular() {
				return nil
			}
			copyFile(t, path, filepath.Join(dir, rel))
			return nil
		})
		require.NoError(t, err)
	}
}
