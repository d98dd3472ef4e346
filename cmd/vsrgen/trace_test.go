//go:build !vsrgen_bootstrap

package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/internal/tlc"
)

// corpus is the trace corpus that both validators must judge alike.
const corpus = "../../spec/tla/testdata"

// runTraceCapture runs vsrgen trace.
func runTraceCapture(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return capture(runTrace, args...)
}

// withoutTLC runs a test as if the TLA+ tools were not there.
func withoutTLC(t *testing.T) {
	t.Helper()
	t.Setenv(tlc.JarEnv, "")
}

func TestTraceValidateAccepts(t *testing.T) {
	withoutTLC(t)
	code, out, errOut := runTraceCapture(t, "validate", filepath.Join(corpus, "accept-viewchange.ndjson"))
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "Go: accepted: 31 lines\nTLC: skipped (TLA2TOOLS_JAR is not set)\n", out)
	require.Empty(t, errOut)
}

func TestTraceValidateRejects(t *testing.T) {
	withoutTLC(t)
	code, out, _ := runTraceCapture(t, "validate", filepath.Join(corpus, "reject-commit-changed.ndjson"))
	require.Equal(t, 1, code)
	require.Equal(t, "Go: rejected: line 22 (seq 21): state differs from the spec's: commitNumber 2, spec says 1\n"+
		"TLC: skipped (TLA2TOOLS_JAR is not set)\n", out)
}

// TestTraceValidateCorpus runs the command on every file of the corpus:
// exit status 0 for accept-*, 1 for reject-*.
func TestTraceValidateCorpus(t *testing.T) {
	withoutTLC(t)
	files, err := filepath.Glob(filepath.Join(corpus, "*.ndjson"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		want := 1
		switch base := filepath.Base(file); {
		case strings.HasPrefix(base, "accept-"):
			want = 0
		case strings.HasPrefix(base, "counterexample-"):
			want = 3
		}
		code, out, errOut := runTraceCapture(t, "validate", file)
		require.Equal(t, want, code, "%s: %s%s", file, out, errOut)
	}
}

func TestTraceBadUsage(t *testing.T) {
	withoutTLC(t)
	dir := t.TempDir()
	malformed := filepath.Join(dir, "malformed.ndjson")
	head, err := os.ReadFile(filepath.Join(corpus, "accept-five.ndjson"))
	require.NoError(t, err)
	two := strings.SplitAfterN(string(head), "\n", 3)
	require.NoError(t, os.WriteFile(malformed, []byte(two[0]+two[1]+"{\"seq\":2,\n"), 0o644))
	badHeader := filepath.Join(dir, "header.ndjson")
	require.NoError(t, os.WriteFile(badHeader, []byte(strings.Replace(two[0], `"replicas":5`, `"replicas":0`, 1)), 0o644))
	for _, tt := range []struct {
		args  []string
		want  string
		usage bool
	}{
		{nil, traceUsage, false},
		{[]string{"frob"}, `vsrgen trace: unknown subcommand "frob"`, false},
		{[]string{"validate"}, "vsrgen trace validate: want one trace file, not 0 arguments", true},
		{[]string{"validate", "a", "b"}, "vsrgen trace validate: want one trace file, not 2 arguments", true},
		{[]string{"validate", "-nope", "a"}, "vsrgen trace validate: flag provided but not defined: -nope (vsrgen trace validate -h lists the flags)", false},
		{[]string{"validate", filepath.Join(dir, "missing.ndjson")}, "vsrgen trace validate: open ", false},
		{[]string{"validate", malformed}, "vsrgen trace validate: " + malformed + ": line 3: malformed JSON object", false},
		{[]string{"validate", badHeader}, "vsrgen trace validate: " + badHeader + ": line 1: header: replicas 0: want 1 to 63", false},
	} {
		code, out, errOut := runTraceCapture(t, tt.args...)
		require.Equal(t, 2, code, "%v", tt.args)
		require.Empty(t, out, "%v", tt.args)
		require.Contains(t, errOut, tt.want, "%v", tt.args)
		if tt.usage {
			require.Contains(t, errOut, "usage: vsrgen trace validate [flags] FILE", "%v", tt.args)
			require.Contains(t, errOut, "-tlc", "%v", tt.args)
		}
	}
	code, _, errOut := runTraceCapture(t, "help")
	require.Equal(t, 0, code)
	require.Equal(t, traceUsage, errOut)
}

// TestTraceValidateTLCHook drives the TLC validation through a stand-in:
// it runs only when TLA2TOOLS_JAR is set; a rejection by either validator
// makes the exit status 1, a counterexample found by both 3.
func TestTraceValidateTLCHook(t *testing.T) {
	saved := validateTLC
	t.Cleanup(func() { validateTLC = saved })
	accept := filepath.Join(corpus, "accept-five.ndjson")
	reject := filepath.Join(corpus, "reject-commit-without-quorum.ndjson")
	broken := filepath.Join(corpus, "counterexample-startview-literal.ndjson")
	var called []string
	stand := func(v tlc.Verdict, err error) func(string) (tlc.Verdict, error) {
		return func(file string) (tlc.Verdict, error) {
			called = append(called, file)
			return v, err
		}
	}
	accepted := tlc.Verdict{Accepted: true}
	for _, tt := range []struct {
		name   string
		jar    string
		hook   func(string) (tlc.Verdict, error)
		file   string
		args   []string
		code   int
		tlc    string
		called bool
	}{
		{"not set", "", stand(accepted, nil), accept, nil, 0, "TLC: skipped (TLA2TOOLS_JAR is not set)\n", false},
		{"off", "/opt/tla2tools.jar", stand(accepted, nil), accept, []string{"-tlc=false"}, 0, "TLC: skipped (-tlc=false)\n", false},
		{"no hook", "/opt/tla2tools.jar", nil, accept, nil, 0, "TLC: skipped (this build has no TLC validation)\n", false},
		{"both accept", "/opt/tla2tools.jar", stand(accepted, nil), accept, nil, 0, "TLC: accepted\n", true},
		{"TLC rejects", "/opt/tla2tools.jar", stand(tlc.Verdict{Why: "line 9 matches no action"}, nil), accept, nil, 1, "TLC: rejected: line 9 matches no action\n", true},
		{"Go rejects", "/opt/tla2tools.jar", stand(accepted, nil), reject, nil, 1, "TLC: accepted\n", true},
		{"both find it", "/opt/tla2tools.jar", stand(tlc.Verdict{Broken: "CommitNeverDecreases", Why: "Action property AlwaysCommitNeverDecreases is violated"}, nil), broken, nil, 3,
			"TLC: counterexample: Action property AlwaysCommitNeverDecreases is violated\n", true},
		{"they disagree", "/opt/tla2tools.jar", stand(tlc.Verdict{Broken: "AcknowledgedNotLost", Why: "Invariant AcknowledgedNotLost is violated"}, nil), broken, nil, 1,
			"TLC: counterexample: Invariant AcknowledgedNotLost is violated\n", true},
		{"TLC fails", "/opt/tla2tools.jar", stand(tlc.Verdict{}, errors.New("java: not found")), accept, nil, 2, "", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(tlc.JarEnv, tt.jar)
			validateTLC, called = tt.hook, nil
			args := append(append([]string{"validate"}, tt.args...), tt.file)
			code, out, errOut := runTraceCapture(t, args...)
			require.Equal(t, tt.code, code, out+errOut)
			require.True(t, strings.HasSuffix(out, tt.tlc), out)
			if tt.called {
				require.Equal(t, []string{tt.file}, called)
			} else {
				require.Empty(t, called)
			}
			if tt.name == "TLC fails" {
				require.Contains(t, errOut, "vsrgen trace validate: TLC: java: not found")
			}
		})
	}
}

// TestCheckWritesWalk writes the walk of a seed as a trace when -trace is
// given, validates it, and finds it to be the corpus file of that walk.
func TestCheckWritesWalk(t *testing.T) {
	withoutTLC(t)
	file := filepath.Join(t.TempDir(), "walk.ndjson")
	code, out, errOut := runCheckCapture(t, "-mode", "walk", "-walks", "1", "-seed", "2", "-depth", "40",
		"-values", "3", "-viewchanges", "2", "-progress", "0", "-trace", file)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "The last walk, seed 2, is in "+file+", as a trace.")
	got, err := os.ReadFile(file)
	require.NoError(t, err)
	want, err := os.ReadFile(filepath.Join(corpus, "accept-viewchange.ndjson"))
	require.NoError(t, err)
	require.Equal(t, string(want), string(got))

	file = filepath.Join(t.TempDir(), "w.ndjson")
	code, _, errOut = runCheckCapture(t, "-mode", "walk", "-walks", "1", "-seed", "7", "-depth", "40", "-progress", "0", "-trace", file)
	require.Equal(t, 0, code, errOut)
	code, out, errOut = runTraceCapture(t, "validate", file)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "Go: accepted: ")
}

// TestCheckWalkWithoutTrace writes nothing for a walk that finds nothing
// unless -trace is on the command line.
func TestCheckWalkWithoutTrace(t *testing.T) {
	t.Chdir(t.TempDir())
	code, out, errOut := runCheckCapture(t, "-mode", "walk", "-walks", "1", "-seed", "7", "-depth", "40", "-progress", "0")
	require.Equal(t, 0, code, errOut)
	require.NotContains(t, out, "The last walk")
	require.NoFileExists(t, "counterexample.ndjson")
}

func TestTraceChart(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "cex.ndjson")
	data, err := os.ReadFile(filepath.Join(corpus, "counterexample-startview-literal.ndjson"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, data, 0o644))
	code, out, errOut := runTraceCapture(t, "chart", file)
	require.Equal(t, 0, code, errOut)
	svg := filepath.Join(dir, "cex.svg")
	require.Equal(t, "The chart is in "+svg+".\n", out)
	golden, err := os.ReadFile("../../trace/testdata/chart-startview-literal.svg")
	require.NoError(t, err)
	drawn, err := os.ReadFile(svg)
	require.NoError(t, err)
	require.Equal(t, string(golden), string(drawn))

	code, _, errOut = runTraceCapture(t, "chart")
	require.Equal(t, 2, code)
	require.Equal(t, "vsrgen trace chart: want one trace file, not 0 arguments\n", errOut)
	code, _, errOut = runTraceCapture(t, "chart", filepath.Join(dir, "missing.ndjson"))
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "vsrgen trace chart: open ")
}
