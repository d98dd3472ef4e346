package trace_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/bounded"
	"github.com/viewstamped/vsr/generated/checker"
	"github.com/viewstamped/vsr/modelcheck"
	"github.com/viewstamped/vsr/spec"
	"github.com/viewstamped/vsr/trace"
)

var update = flag.Bool("update", false, "rewrite the trace corpus in spec/tla/testdata from the model checker")

// corpusDir holds traces that both validators must judge alike: accept-*
// files are behaviors of the spec, reject-* files are not.
const corpusDir = "../spec/tla/testdata"

// config returns the default configuration with settings applied, name
// value pairs as vsrgen check's flags take them.
func config(t testing.TB, settings ...string) bounded.Config {
	t.Helper()
	c, err := bounded.Of(settings...)
	require.NoError(t, err)
	return c
}

// corpusWalk is a random walk of the model checker that the corpus keeps.
type corpusWalk struct {
	file     string
	settings []string
	seed     uint64
	depth    int
}

// corpusWalks are the accepted traces, walks of the safe protocol. Each is
// what vsrgen check writes with the flags in its comment and
// -mode walk -walks 1 -trace FILE.
var corpusWalks = []corpusWalk{
	// -values 3 -viewchanges 2 -seed 2 -depth 40: replicas 1 and 2 time
	// out and change to view 1, whose primary then commits three
	// operations.
	{"accept-viewchange.ndjson", []string{"values", "3", "viewchanges", "2"}, 2, 40},
	// -crashes 1 -commit-timeouts 1 -recovery-timeouts 1 -seed 1 -depth 60:
	// a backup crashes and recovers with crash vectors across a view
	// change.
	{"accept-recovery.ndjson", []string{"crashes", "1", "commit-timeouts", "1", "recovery-timeouts", "1"}, 1, 60},
	// -drops 1 -duplicates 1 -commit-timeouts 1 -seed 10 -depth 50: a
	// duplicated and a dropped message, a view change and a state
	// transfer.
	{"accept-faults.ndjson", []string{"drops", "1", "duplicates", "1", "commit-timeouts", "1"}, 10, 50},
	// -replicas 5 -viewchanges 0 -commit-timeouts 1 -seed 1 -depth 40: the
	// first PrepareOK of an operation is not yet a quorum (f = 2).
	{"accept-five.ndjson", []string{"replicas", "5", "viewchanges", "0", "commit-timeouts", "1"}, 1, 40},
	// -config modelcheck/configs/reconfig-replace.cfg -viewchanges 0
	// -seed 4 -depth 80: a write, then replica 3 replaces replica 2; the
	// new member starts epoch 1 from the StartEpoch and replica 2 shuts
	// down once two members have started it.
	{"accept-reconfig.ndjson", []string{"replicas", "4", "members", "0,1,2", "reconfigure", "0,1,3", "values", "1", "viewchanges", "0"}, 4, 80},
}

// corpusVerdict is what the Go validator must say of a reject-* file: the
// first line it rejects and a part of the reason.
type corpusVerdict struct {
	line   int
	reason string
}

var corpusRejections = map[string]corpusVerdict{
	// The last step breaks an action property.
	"counterexample-startview-literal.ndjson": {18, "ReceiveStartView at replica 2 breaks action CommitNeverDecreases"},
	// The state check: the first CommitOperations line's commit number is
	// one more than the spec's.
	"reject-commit-changed.ndjson": {22, "state differs from the spec's: commitNumber 2, spec says 1"},
	// Without the first ReceivePrepare, the PrepareOK it sends is never in
	// flight: the primary cannot record it.
	"reject-dropped-line.ndjson": {20, "RecordPrepareOK at replica 1 is not enabled: no such PrepareOK is in flight to replica 1"},
	// The Prepare is delivered before the request that makes the primary
	// send it: the network check.
	"reject-swapped-lines.ndjson": {18, "ReceivePrepare at replica 0 is not enabled: no such Prepare is in flight to replica 0"},
	// The client's request a second time is a retry, and the guard of
	// ReceiveRequest does not hold: the primary has the request already.
	"reject-duplicated-line.ndjson": {3, "ReceiveRequest at replica 0 is not enabled: its guard does not hold"},
	// One PrepareOK of the two that f = 2 needs: the guard of
	// CommitOperations does not hold.
	"reject-commit-without-quorum.ndjson": {9, "CommitOperations at replica 0 is not enabled: its guard does not hold after RecordPrepareOK (line 8)"},
	// The new member says it starts epoch 2, not the StartEpoch's 1.
	"reject-epoch-changed.ndjson": {12, "state differs from the spec's: epoch 2, spec says 1"},
}

// TestCorpus regenerates the corpus and requires it to be what is on disk
// (go test ./trace -run TestCorpus -update rewrites it), then requires the
// Go validator to accept every accept-* file and to reject every reject-*
// file at the expected line, for the expected reason.
func TestCorpus(t *testing.T) {
	files := buildCorpus(t)
	if *update {
		writeCorpus(t, files)
	}
	names, err := filepath.Glob(filepath.Join(corpusDir, "*.ndjson"))
	require.NoError(t, err)
	var onDisk []string
	for _, name := range names {
		onDisk = append(onDisk, filepath.Base(name))
	}
	var want []string
	for name := range files {
		want = append(want, name)
	}
	require.ElementsMatch(t, want, onDisk, "run go test ./trace -run TestCorpus -update")
	for name, content := range files {
		got, err := os.ReadFile(filepath.Join(corpusDir, name))
		require.NoError(t, err)
		require.Equal(t, string(content), string(got), "%s is not what the checker writes; run go test ./trace -run TestCorpus -update", name)
		require.Less(t, len(got), 200<<10, "%s is too large", name)
	}
	for _, name := range onDisk {
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(filepath.Join(corpusDir, name))
			require.NoError(t, err)
			defer f.Close()
			h, lines, err := trace.Read(f)
			require.NoError(t, err)
			rej, err := trace.Validate(h, lines)
			require.NoError(t, err)
			if strings.HasPrefix(name, "accept-") {
				require.Nil(t, rej, "%s", rej)
				return
			}
			want, ok := corpusRejections[name]
			require.True(t, ok, "no verdict for %s", name)
			require.NotNil(t, rej, "the validator accepts %s", name)
			require.Equal(t, want.line, rej.Line, "%s", rej)
			require.Contains(t, rej.Error(), want.reason)
		})
	}
}

// buildCorpus returns every corpus file by name.
func buildCorpus(t *testing.T) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	walks := map[string][]trace.Line{}
	var headers = map[string]trace.Header{}
	for _, w := range corpusWalks {
		c := config(t, w.settings...)
		o := modelcheck.Options{Mode: modelcheck.Walk, Walks: 1, Seed: w.seed, Depth: w.depth}
		res, err := modelcheck.Check[spec.Replica](checker.Protocol{}, c.InitialReplicas(), c.Bounds(), o)
		require.NoError(t, err)
		require.Nil(t, res.Violation, w.file)
		h, lines, err := trace.Export(c, o, res.LastWalk)
		require.NoError(t, err)
		files[w.file] = encode(t, h, lines)
		walks[w.file], headers[w.file] = lines, h
	}

	// The counterexample of modelcheck/configs/startview-literal.cfg,
	// found by one worker so that it is always the same one.
	c := config(t, "startview-in-normal", "true")
	o := modelcheck.Options{Workers: 1}
	res, err := modelcheck.Check[spec.Replica](checker.Protocol{}, c.InitialReplicas(), c.Bounds(), o)
	require.NoError(t, err)
	require.NotNil(t, res.Violation)
	h, lines, err := trace.Export(c, o, res.Violation.Path)
	require.NoError(t, err)
	files["counterexample-startview-literal.ndjson"] = encode(t, h, lines)

	// Mutations of accepted traces. Each keeps the seq numbers and the
	// clocks plausible, so that the spec rejects it, not the numbering.
	vc, vch := walks["accept-viewchange.ndjson"], headers["accept-viewchange.ndjson"]
	files["reject-commit-changed.ndjson"] = encode(t, vch, changeCommit(t, vc))
	files["reject-dropped-line.ndjson"] = encode(t, vch, dropLine(t, vc))
	files["reject-swapped-lines.ndjson"] = encode(t, vch, swapLines(t, vc))
	files["reject-duplicated-line.ndjson"] = encode(t, vch, duplicateLine(t, vc))
	five := walks["accept-five.ndjson"]
	files["reject-commit-without-quorum.ndjson"] = encode(t, headers["accept-five.ndjson"], commitWithoutQuorum(t, five))
	files["reject-epoch-changed.ndjson"] = encode(t, headers["accept-reconfig.ndjson"], changeEpoch(t, walks["accept-reconfig.ndjson"]))
	return files
}

func encode(t *testing.T, h trace.Header, lines []trace.Line) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, trace.Write(&buf, h, lines))
	return buf.Bytes()
}

// writeCorpus replaces the corpus files with files.
func writeCorpus(t *testing.T, files map[string][]byte) {
	t.Helper()
	require.NoError(t, os.MkdirAll(corpusDir, 0o755))
	stale, err := filepath.Glob(filepath.Join(corpusDir, "*.ndjson"))
	require.NoError(t, err)
	for _, path := range stale {
		require.NoError(t, os.Remove(path))
	}
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(corpusDir, name), content, 0o644))
	}
}

// index returns the position of the n-th line (from 1) whose action is
// action.
func index(t *testing.T, lines []trace.Line, action string, n int) int {
	t.Helper()
	for i := range lines {
		if lines[i].Action == action {
			if n--; n == 0 {
				return i
			}
		}
	}
	require.FailNow(t, "no such line", "%s #%d", action, n)
	return 0
}

// changeCommit adds one to the commit number in the state of the first
// CommitOperations line.
func changeCommit(t *testing.T, lines []trace.Line) []trace.Line {
	out := slices.Clone(lines)
	i := index(t, out, "CommitOperations", 1)
	var commit int
	state := string(out[i].State)
	_, err := fmt.Sscanf(state[strings.Index(state, `"commitNumber":`):], `"commitNumber":%d`, &commit)
	require.NoError(t, err)
	out[i].State = []byte(strings.Replace(state, fmt.Sprintf(`"commitNumber":%d`, commit), fmt.Sprintf(`"commitNumber":%d`, commit+1), 1))
	return out
}

// changeEpoch makes the first ReceiveStartEpoch line's state one epoch
// later than the StartEpoch's.
func changeEpoch(t *testing.T, lines []trace.Line) []trace.Line {
	out := slices.Clone(lines)
	i := index(t, out, "ReceiveStartEpoch", 1)
	state := string(out[i].State)
	require.Contains(t, state, `"promise":0,"epoch":1,`)
	out[i].State = []byte(strings.Replace(state, `"promise":0,"epoch":1,`, `"promise":0,"epoch":2,`, 1))
	return out
}

// dropLine leaves out the first ReceivePrepare line.
func dropLine(t *testing.T, lines []trace.Line) []trace.Line {
	i := index(t, lines, "ReceivePrepare", 1)
	return restamp(slices.Delete(slices.Clone(lines), i, i+1), len(lines))
}

// swapLines swaps the second ReceiveRequest line with the line after it,
// which delivers the Prepare it sends.
func swapLines(t *testing.T, lines []trace.Line) []trace.Line {
	out := slices.Clone(lines)
	i := index(t, out, "ReceiveRequest", 2)
	require.Equal(t, "ReceivePrepare", out[i+1].Action)
	out[i], out[i+1] = out[i+1], out[i]
	return restamp(out, len(out))
}

// duplicateLine repeats the first line, a client's request, right after
// it.
func duplicateLine(t *testing.T, lines []trace.Line) []trace.Line {
	i := index(t, lines, "ReceiveRequest", 1)
	dup := lines[i]
	dup.Clock++
	return restamp(slices.Insert(slices.Clone(lines), i+1, dup), i+2)
}

// commitWithoutQuorum inserts, right after the first RecordPrepareOK that
// fired alone, a CommitOperations line with its node and args and the
// state it would have had with one more committed operation.
func commitWithoutQuorum(t *testing.T, lines []trace.Line) []trace.Line {
	i := index(t, lines, "RecordPrepareOK", 1)
	require.NotEqual(t, "CommitOperations", lines[i+1].Action, "the first PrepareOK must not make a quorum")
	commit := lines[i]
	commit.Action, commit.Clock = "CommitOperations", commit.Clock+1
	commit.State = []byte(strings.Replace(string(commit.State), `"commitNumber":0`, `"commitNumber":1`, 1))
	return restamp(slices.Insert(slices.Clone(lines), i+1, commit), i+2)
}

// restamp numbers the lines from 1 and keeps their clocks plausible: from
// line from on (a position), it adds one to every rule line's clock, and
// it sets every fault line's clock to its node's.
func restamp(lines []trace.Line, from int) []trace.Line {
	node := map[int]int{}
	for i := range lines {
		l := &lines[i]
		l.Seq = i + 1
		switch {
		case l.Action == trace.DropMessage || l.Action == trace.DuplicateMessage:
			l.Clock = node[l.Node]
		case i >= from:
			l.Clock++
		}
		node[l.Node] = l.Clock
	}
	return lines
}
