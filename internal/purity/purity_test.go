package purity_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/internal/purity"
)

// TestCheckCore checks the packages of the deterministic core. Each must hold
// non-test Go files, so that a wrong path cannot pass for a clean one.
func TestCheckCore(t *testing.T) {
	for _, dir := range []string{"spec", "generated", "generated/checker", "lang", "wire", "route", "modelcheck/model"} {
		t.Run(dir, func(t *testing.T) {
			path := filepath.Join("..", "..", dir)
			files, err := filepath.Glob(filepath.Join(path, "*.go"))
			require.NoError(t, err)
			var sources int
			for _, f := range files {
				if !strings.HasSuffix(f, "_test.go") {
					sources++
				}
			}
			require.NotZero(t, sources, "no Go files in %s", path)

			violations, err := purity.Check(path)
			require.NoError(t, err)
			require.Empty(t, violations)
		})
	}
}

// TestEmbeddedHalfImportsNoChecker checks that what an application embeds,
// the generated package without its checker half, depends on nothing of
// the model checker, and that the check sees the checker half's
// dependency on it.
func TestEmbeddedHalfImportsNoChecker(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	deps := func(pkg string) []string {
		cmd := exec.Command(goTool, "list", "-deps", "-f", "{{.ImportPath}}", pkg)
		cmd.Dir = filepath.Join("..", "..")
		out, err := cmd.Output()
		require.NoError(t, err)
		return strings.Fields(string(out))
	}
	checkerDeps := func(list []string) []string {
		var found []string
		for _, p := range list {
			if strings.HasPrefix(p, "github.com/viewstamped/vsr/modelcheck") || strings.HasSuffix(p, "/generated/checker") {
				found = append(found, p)
			}
		}
		return found
	}
	require.Empty(t, checkerDeps(deps("./generated")))
	require.Contains(t, checkerDeps(deps("./generated/checker")), "github.com/viewstamped/vsr/modelcheck/model")
}

// TestCheckBad checks that every violation in testdata/bad is found, once, in
// file and line order, and that its test file is not read.
func TestCheckBad(t *testing.T) {
	violations, err := purity.Check(filepath.Join("testdata", "bad"))
	require.NoError(t, err)
	require.Equal(t, []string{
		"testdata/bad/chan.go:5: channel type chan uint64",
		"testdata/bad/chan.go:6: channel send",
		"testdata/bad/chan.go:7: select statement",
		"testdata/bad/chan.go:8: channel receive",
		"testdata/bad/clock.go:4: imports crypto/rand",
		"testdata/bad/clock.go:5: imports math/rand/v2",
		"testdata/bad/clock.go:6: imports net/netip",
		"testdata/bad/clock.go:7: imports sync",
		"testdata/bad/clock.go:8: imports sync/atomic",
		"testdata/bad/clock.go:9: imports syscall",
		"testdata/bad/clock.go:10: imports time",
		"testdata/bad/clock.go:11: imports unsafe",
		"testdata/bad/goroutine.go:6: go statement",
		"testdata/bad/os.go:7: imports os",
		"testdata/bad/os.go:8: imports os/exec",
	}, violations)
}

// TestCheckNearMisses checks that import paths which only begin like
// forbidden ones pass: math/bits is not math/rand, osutil is not os.
func TestCheckNearMisses(t *testing.T) {
	dir := t.TempDir()
	src := `package near

import (
	"math"
	"math/bits"
	"strings"
	"timeutil/x"
	"osutil"
)

func F(a uint64) uint64 { return bits.RotateLeft64(a, 3) + uint64(math.Pi) + uint64(len(strings.Repeat("x", 2))) }

var _ = x.Y
var _ = osutil.Z
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "near.go"), []byte(src), 0o644))
	violations, err := purity.Check(dir)
	require.NoError(t, err)
	require.Empty(t, violations)
}

func TestCheckErrors(t *testing.T) {
	_, err := purity.Check(filepath.Join("testdata", "missing"))
	require.ErrorContains(t, err, "purity: open testdata/missing")

	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "broken.go"), []byte("package broken\n\nfunc {\n"), 0o644))
	_, err = purity.Check(dir)
	require.ErrorContains(t, err, "broken.go:3:")
}
