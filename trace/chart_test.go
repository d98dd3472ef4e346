package trace_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/trace"
)

// TestChartGolden draws the literal-StartView counterexample of the corpus
// and compares it with its golden chart; -update rewrites the golden file.
func TestChartGolden(t *testing.T) {
	h, lines := readCorpus(t, "counterexample-startview-literal.ndjson")
	var buf bytes.Buffer
	require.NoError(t, trace.Chart(&buf, h, lines))
	golden := filepath.Join("testdata", "chart-startview-literal.svg")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(golden, buf.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	require.Equal(t, string(want), buf.String(), "the chart differs from %s; if the change is intended, run go test ./trace -run TestChartGolden -update", golden)

	svg := buf.String()
	require.True(t, strings.HasPrefix(svg, `<svg xmlns="http://www.w3.org/2000/svg"`))
	// A lane for each replica and the clients, an arrow for every
	// delivered message, the breaking step named.
	for _, s := range []string{">clients<", ">r0<", ">r1<", ">r2<", "17 ReceiveStartView", "breaks CommitNeverDecreases", `marker-end="url(#arrow)"`, "StateTransfer, view 0"} {
		require.Contains(t, svg, s)
	}
	require.Equal(t, 11, strings.Count(svg, `stroke="#37474f" marker-end`), "an arrow for each of the 11 messages delivered")
}

// TestChartOfRejectedTrace highlights the first line that is not a step of
// the spec.
func TestChartOfRejectedTrace(t *testing.T) {
	h, lines := readCorpus(t, "reject-commit-without-quorum.ndjson")
	var buf bytes.Buffer
	require.NoError(t, trace.Chart(&buf, h, lines))
	require.Contains(t, buf.String(), "seq 8: not a step of the spec: CommitOperations at replica 0 is not enabled")
}
