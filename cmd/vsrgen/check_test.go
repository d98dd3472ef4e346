//go:build !vsrgen_bootstrap

package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/internal/tlc"
	"github.com/viewstamped/vsr/trace"
)

// capture runs a vsrgen command and returns its exit status and output.
func capture(command func(args []string, stdout, stderr io.Writer) int, args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := command(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// runCheckCapture runs vsrgen check.
func runCheckCapture(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return capture(runCheck, args...)
}

func TestCheckFindsDelayedStartView(t *testing.T) {
	file := filepath.Join(t.TempDir(), "trace.ndjson")
	// One worker, so that the shortest behavior reported is always the same
	// one of the several of that length.
	chart := filepath.Join(t.TempDir(), "chart.svg")
	code, out, errOut := runCheckCapture(t, "-config", "../../modelcheck/configs/startview-literal.cfg", "-workers", "1", "-progress", "0", "-trace", file, "-chart", chart)
	require.Equal(t, 1, code, errOut)
	require.Contains(t, out, "Error: action violated: action CommitNeverDecreases")
	require.Contains(t, out, "The shortest behavior found that breaks it, 13 steps:")
	// Each step says who sent what it delivers, what it sent, and its
	// lines in the trace; sets print as sets; the counterexample comes
	// last, the trace's file right under it, the coverage before.
	require.Contains(t, out, " 13. deliver r2 from r1 at step 5: StartView{View:1 Log:[] Op:0 Commit:0 CV:[0 0 0]} [ReceiveStartView] (seq 17)\n")
	require.Contains(t, out, "  5. deliver r1 from r1 at step 3: ")
	require.Contains(t, out, "       sent StartView{View:1 Log:[] Op:0 Commit:0 CV:[0 0 0]} to all\n")
	require.Contains(t, out, "       StartViewChanges = {r1}\n")
	require.Contains(t, out, "ClientTable = [ClientRecord{Client:1 Request:1 Executed:false}]\n")
	require.Contains(t, out, "62800 distinct states found, depth 13,")
	require.Less(t, strings.Index(out, "Rule coverage"), strings.Index(out, "Error: "))
	require.True(t, strings.HasSuffix(out, "(seq 17)\n       OpNumber = 0\n       CommitNumber = 0\n       Log = []\n       ClientTable = []\n"+
		"The counterexample is in "+file+", as a trace.\nIts chart is in "+chart+".\n"), out[len(out)-300:])
	golden, err := os.ReadFile("../../trace/testdata/chart-startview-literal.svg")
	require.NoError(t, err)
	drawn, err := os.ReadFile(chart)
	require.NoError(t, err)
	require.Equal(t, string(golden), string(drawn), "the counterexample's chart is the corpus one's")

	// The 13 steps are 17 lines: four steps fire a quorum rule too.
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	h, lines, err := trace.Read(f)
	require.NoError(t, err)
	require.True(t, h.Options.StartViewInNormal)
	require.Len(t, lines, 17)
	require.Equal(t, "ReceiveStartView", lines[16].Action)
	require.Equal(t, 2, lines[16].Node)

	code, out, errOut = runTraceCapture(t, "validate", file)
	require.Equal(t, 3, code, errOut)
	require.Contains(t, out, "Go: counterexample: line 18 (seq 17): ReceiveStartView at replica 2 breaks action CommitNeverDecreases")
}

// TestCheckFull prints every replica's state and the messages in flight
// after each step.
func TestCheckFull(t *testing.T) {
	code, out, _ := runCheckCapture(t, "-config", "../../modelcheck/configs/startview-literal.cfg", "-workers", "1", "-progress", "0", "-trace", "", "-full")
	require.Equal(t, 1, code)
	require.Contains(t, out, "       | r2: Status:normal View:1 LastNormalView:1 OpNumber:0 CommitNumber:0 LogStart:0 Log:[] ClientTable:[] PrepareOKs:[] ")
	require.Contains(t, out, "       | in flight to r2: StartViewChange{View:1 Replica:0 CV:[0 0 0]}\n")
	require.Equal(t, 13*3, strings.Count(out, "       | r"), "a line for each of the 3 replicas after each of the 13 steps")
}

func TestCheckPassesFixedStartView(t *testing.T) {
	code, out, errOut := runCheckCapture(t, "-config", "../../modelcheck/configs/startview-fixed.cfg", "-progress", "0", "-trace", "")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "Model checking completed. No error has been found.")
	require.Contains(t, out, "213918 distinct states found")
	require.Contains(t, out, "Rule coverage")
}

// TestCheckFindsRecoveryDefect: recovery as published loses an
// acknowledged operation within the bounds of recovery-paper.cfg. The
// counterexample is a behavior of the spec that breaks the invariant for
// the Go replay and, when TLA2TOOLS_JAR is set, for TLC against VSR.tla.
func TestCheckFindsRecoveryDefect(t *testing.T) {
	if testing.Short() {
		t.Skip("a search of 5 million states")
	}
	file := filepath.Join(t.TempDir(), "trace.ndjson")
	code, out, errOut := runCheckCapture(t, "-config", "../../modelcheck/configs/recovery-paper.cfg", "-progress", "0", "-trace", file)
	require.Equal(t, 1, code, errOut)
	require.Contains(t, out, "Error: invariant violated: invariant AcknowledgedNotLost")
	require.Contains(t, out, "The shortest behavior found that breaks it, 20 steps:")
	// Two replicas crash and recover, one after the other.
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	_, lines, err := trace.Read(f)
	require.NoError(t, err)
	crashed := map[int]bool{}
	for _, l := range lines {
		if l.Action == "CrashReplica" {
			crashed[l.Node] = true
		}
	}
	require.Len(t, crashed, 2, "two different replicas crash")

	code, out, errOut = runTraceCapture(t, "validate", file)
	require.Equal(t, 3, code, out+errOut)
	require.Contains(t, out, "Go: counterexample: ")
	require.Contains(t, out, "breaks invariant AcknowledgedNotLost")
	if os.Getenv(tlc.JarEnv) != "" {
		require.Contains(t, out, "TLC: counterexample: Invariant AcknowledgedNotLost is violated")
	}
}

// TestCheckRecoveryCrashVectorsClean: with crash vectors, the same bounds
// are exhausted without a violation.
func TestCheckRecoveryCrashVectorsClean(t *testing.T) {
	if testing.Short() {
		t.Skip("a search of 18 million states")
	}
	code, out, errOut := runCheckCapture(t, "-config", "../../modelcheck/configs/recovery-crashvectors.cfg", "-progress", "0", "-trace", "")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "Model checking completed. No error has been found.")
	require.Contains(t, out, "17867950 distinct states found")
}

func TestCheckFlagsOverrideConfig(t *testing.T) {
	// The config asks for the literal reading; the flag turns it off.
	code, out, _ := runCheckCapture(t, "-config", "../../modelcheck/configs/startview-literal.cfg", "-startview-in-normal=false", "-values", "1", "-progress", "0", "-trace", "")
	require.Equal(t, 0, code)
	require.Contains(t, out, "1 values, 1 view changes")
	require.Contains(t, out, "StartView in normal false")
}

func TestCheckLimits(t *testing.T) {
	code, out, _ := runCheckCapture(t, "-max-states", "1000", "-progress", "0", "-trace", "")
	require.Equal(t, 0, code)
	require.Contains(t, out, "Search stopped at the limit of 1000 distinct states (-max-states), before the state space was exhausted.")
	for _, mode := range []string{"dfs", "walk"} {
		code, out, _ = runCheckCapture(t, "-mode", mode, "-depth", "20", "-walks", "50", "-max-states", "5000", "-progress", "0", "-trace", "")
		require.Equal(t, 0, code, mode)
		require.Contains(t, out, "distinct states found", mode)
		require.Contains(t, out, "Search stopped ", mode)
	}
	code, out, _ = runCheckCapture(t, "-mode", "walk", "-depth", "20", "-walks", "5", "-progress", "0", "-trace", "")
	require.Equal(t, 0, code)
	require.Contains(t, out, "Search stopped after 5 random walks (-walks), before the state space was exhausted.")
	require.NotContains(t, out, "shortest")
}

func TestCheckWalksAreReproducible(t *testing.T) {
	args := []string{"-mode", "walk", "-walks", "20", "-depth", "30", "-seed", "42", "-progress", "0", "-trace", ""}
	summary := func(out string) string {
		i := strings.Index(out, "states generated")
		line := out[strings.LastIndex(out[:i], "\n")+1:]
		return line[:strings.Index(line, " in ")]
	}
	code, first, _ := runCheckCapture(t, args...)
	require.Equal(t, 0, code)
	code, second, _ := runCheckCapture(t, args...)
	require.Equal(t, 0, code)
	require.Equal(t, summary(first), summary(second))
	require.Contains(t, first, "20 random walks; seed ")
}

func TestCheckBadUsage(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.cfg")
	require.NoError(t, os.WriteFile(bad, []byte("replicas = 3\nnonsense = 1\n"), 0o644))
	malformed := filepath.Join(dir, "malformed.cfg")
	require.NoError(t, os.WriteFile(malformed, []byte("replicas 3\n"), 0o644))
	twice := filepath.Join(dir, "twice.cfg")
	require.NoError(t, os.WriteFile(twice, []byte("replicas = 3\nreplicas = 5\n"), 0o644))
	badValue := filepath.Join(dir, "badvalue.cfg")
	require.NoError(t, os.WriteFile(badValue, []byte("statetransfer = Paper\n"), 0o644))
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-replicas", "0"}, "vsrgen check: -replicas 0: want 1 to 63"},
		{[]string{"-values", "17"}, "vsrgen check: -values 17: want 0 to 16"},
		{[]string{"-statetransfer", "maybe"}, `invalid value "maybe" for flag -statetransfer: want fixed or paper`},
		{[]string{"-recovery", "maybe"}, `invalid value "maybe" for flag -recovery: want crashvectors or paper`},
		{[]string{"-mode", "sideways"}, `vsrgen check: -mode "sideways": want bfs, dfs or walk`},
		{[]string{"-drops", "-1"}, "vsrgen check: -drops -1: want 0 to 2^31-1"},
		{[]string{"-max-down", "4"}, "vsrgen check: -max-down 4: want -1 (f) to 3"},
		{[]string{"-config", twice}, "vsrgen check: " + twice + ":2: replicas is set already, at line 1"},
		{[]string{"-config", badValue}, "vsrgen check: " + badValue + `:1: statetransfer "Paper": want fixed or paper`},
		{[]string{"-config", bad}, "vsrgen check: " + bad + `:2: unknown setting "nonsense"`},
		{[]string{"-config", malformed}, "vsrgen check: " + malformed + ":1: want name = value"},
		{[]string{"-config", filepath.Join(dir, "missing.cfg")}, "vsrgen check: config: open"},
		{[]string{"extra"}, `vsrgen check: unexpected argument "extra"`},
		{[]string{"-nope"}, "flag provided but not defined: -nope"},
	} {
		code, _, errOut := runCheckCapture(t, tt.args...)
		require.Equal(t, 2, code, "%v", tt.args)
		require.Contains(t, errOut, tt.want, "%v", tt.args)
	}
}
