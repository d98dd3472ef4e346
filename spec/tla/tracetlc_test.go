package tla_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/spec/tla"
)

// TestTraceCorpusTLC checks every trace of spec/tla/testdata with TLC and
// VSRTrace.tla: accept-* must be accepted, reject-* rejected.
func TestTraceCorpusTLC(t *testing.T) {
	jar, err := tla.Jar()
	if err != nil {
		t.Skipf("skipping trace validation with TLC: %v (set %s to the path of tla2tools.jar to run it)", err, tla.JarEnv)
	}
	files, err := filepath.Glob(filepath.Join("testdata", "*.ndjson"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			accepted, why, err := tla.ValidateTrace(context.Background(), jar, file)
			require.NoError(t, err)
			t.Logf("accepted %v %s", accepted, why)
			require.Equal(t, strings.HasPrefix(filepath.Base(file), "accept-"), accepted, why)
		})
	}
}
