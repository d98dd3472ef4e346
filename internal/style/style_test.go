package style

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestImportsGrouped checks every Go file of the module, generated ones
// included.
func TestImportsGrouped(t *testing.T) {
	bad, err := Misgrouped(filepath.Join("..", ".."), Module)
	require.NoError(t, err)
	require.Empty(t, bad, "imports not grouped as goimports -local %s groups them; run it on these files", Module)
}

// TestMisgroupedCatches shows the check rejecting a module import in the
// standard library's group, and accepting the same imports grouped.
func TestMisgroupedCatches(t *testing.T) {
	dir := t.TempDir()
	mixed := "package p\n\nimport (\n\t\"fmt\"\n\t\"" + Module + "/wire\"\n\t\"io\"\n)\n\nvar _, _, _ = fmt.Print, wire.Version, io.EOF\n"
	grouped := "package p\n\nimport (\n\t\"fmt\"\n\t\"io\"\n\n\t\"" + Module + "/wire\"\n)\n\nvar _, _, _ = fmt.Print, wire.Version, io.EOF\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "mixed.go"), []byte(mixed), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "grouped.go"), []byte(grouped), 0o644))
	bad, err := Misgrouped(dir, Module)
	require.NoError(t, err)
	require.Equal(t, []string{"mixed.go"}, bad)
}
