//go:build !vsrgen_bootstrap

package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runSimCapture runs vsrgen sim.
func runSimCapture(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return capture(runSim, args...)
}

func TestSimPasses(t *testing.T) {
	code, out, errOut := runSimCapture(t, "-seeds", "3", "-steps", "2000", "-faults", "all")
	require.Equal(t, 0, code, out+errOut)
	assert.Regexp(t, `^3 seeds from 1 passed: \d+ steps \(\d+ fired a rule\) in .*, \d+ steps/s; .* simulated, \d+ operations, \d+ crashes, \d+ reconfigurations, views up to \d+\n$`, lastLine(out))
}

// TestSimFailureReplays: a failure prints the seed, the step, what broke
// and a command that replays it; that command fails the same way.
func TestSimFailureReplays(t *testing.T) {
	code, out, _ := runSimCapture(t, "-startview-in-normal", "-seed", "13", "-seeds", "1", "-steps", "10000", "-progress", "0")
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "FAILED: step ")
	m := regexp.MustCompile(`replay: go run ./cmd/vsrgen sim (.*)\n`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	failed := regexp.MustCompile(`seed \d+: FAILED: .*`).FindString(out)
	code, again, _ := runSimCapture(t, strings.Fields(m[1])...)
	require.Equal(t, 1, code, again)
	assert.Equal(t, failed, regexp.MustCompile(`seed \d+: FAILED: .*`).FindString(again))
}

func TestSimTrace(t *testing.T) {
	withoutTLC(t)
	file := filepath.Join(t.TempDir(), "run.ndjson")
	code, out, errOut := runSimCapture(t, "-seed", "3", "-steps", "1500", "-clients", "2", "-faults", "all", "-trace", file)
	require.Equal(t, 0, code, out+errOut)
	require.Contains(t, out, "wrote the run's trace to "+file)
	code, out, errOut = runTraceCapture(t, "validate", file)
	require.Equal(t, 0, code, out+errOut)
	assert.Regexp(t, `^Go: accepted: \d+ lines\n`, out)
}

func TestSimBadUsage(t *testing.T) {
	for _, args := range [][]string{
		{"-replicas", "0"},
		{"-faults", "some"},
		{"-faults", "custom", "-loss", "0.5"},
		{"-faults", "custom", "-replay", "2"},
		{"-faults", "custom", "-clog-every", "-1"},
		{"-seeds", "2", "-trace", "x.ndjson"},
		{"-statetransfer", "maybe"},
		{"extra"},
	} {
		code, out, errOut := runSimCapture(t, args...)
		assert.Equal(t, 2, code, "%v: %s", args, out)
		assert.Equal(t, 1, strings.Count(errOut, "\n"), "%v: one line: %q", args, errOut)
	}
}

func lastLine(s string) string {
	lines := strings.SplitAfter(strings.TrimSuffix(s, "\n"), "\n")
	return lines[len(lines)-1] + "\n"
}
