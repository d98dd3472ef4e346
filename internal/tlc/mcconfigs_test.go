package tlc_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/bounded"
	"github.com/viewstamped/vsr/internal/tlc"
)

var update = flag.Bool("update", false, "rewrite spec/tla/MC_*.cfg from modelcheck/configs")

// The directories of the TLA+ mirror and of the checker's configurations.
var (
	tlaDir     = filepath.Join("..", "..", "spec", "tla")
	configsDir = filepath.Join("..", "..", "modelcheck", "configs")
)

// mcName is the TLC configuration of a checker configuration.
func mcName(name string) string { return "MC_" + strings.ReplaceAll(name, "-", "_") + ".cfg" }

// TestMCConfigs checks that spec/tla has one TLC configuration for each
// configuration of modelcheck/configs, with the same bounds.
func TestMCConfigs(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(configsDir, "*.cfg"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	want := map[string]bool{}
	for _, path := range paths {
		file, err := bounded.ReadFile(path)
		require.NoError(t, err)
		require.NoError(t, file.Config.Validate(), path)
		base := strings.TrimSuffix(filepath.Base(path), ".cfg")
		name := filepath.Join(tlaDir, mcName(base))
		want[filepath.Base(name)] = true
		comment := append([]string{"modelcheck/configs/" + base + ".cfg:"}, file.Comment...)
		rendered := tlc.Config(file.Config, comment)
		if *update {
			require.NoError(t, os.WriteFile(name, []byte(rendered), 0o644))
			continue
		}
		got, err := os.ReadFile(name)
		require.NoError(t, err, "run go test ./internal/tlc -run TestMCConfigs -update")
		require.Equal(t, rendered, string(got), "%s is stale: run go test ./internal/tlc -run TestMCConfigs -update", name)
	}
	have, err := filepath.Glob(filepath.Join(tlaDir, "MC_*.cfg"))
	require.NoError(t, err)
	for _, name := range have {
		require.True(t, want[filepath.Base(name)], "%s has no configuration in modelcheck/configs", name)
	}
}
