package trace_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/generated/checker"
	"github.com/viewstamped/vsr/modelcheck"
	"github.com/viewstamped/vsr/spec"
	"github.com/viewstamped/vsr/trace"
)

func readCorpus(t *testing.T, name string) (trace.Header, []trace.Line) {
	t.Helper()
	f, err := os.Open(filepath.Join(corpusDir, name))
	require.NoError(t, err)
	defer f.Close()
	h, lines, err := trace.Read(f)
	require.NoError(t, err)
	return h, lines
}

// TestValidateRejects changes accepted traces in one place each and
// requires the validator to reject them at that line, for that reason.
func TestValidateRejects(t *testing.T) {
	vch, vc := readCorpus(t, "accept-viewchange.ndjson")
	fh, faults := readCorpus(t, "accept-faults.ndjson")
	for _, tt := range []struct {
		name   string
		h      trace.Header
		lines  []trace.Line
		change func(ls []trace.Line) []trace.Line
		line   int
		want   string
	}{
		{"seq", vch, vc, func(ls []trace.Line) []trace.Line { ls[3].Seq = 9; return ls }, 5,
			"line 5 (seq 9): seq 9, want 4"},
		{"node", vch, vc, func(ls []trace.Line) []trace.Line { ls[0].Node = 3; return ls }, 2,
			"node 3 is not a replica: there are 3"},
		{"clock of the node", vch, vc, func(ls []trace.Line) []trace.Line { ls[3].Clock = 1; return ls }, 5,
			"line 5 (seq 4): clock 1 is not larger than replica 1's clock, 1"},
		{"clock of the sender", vch, vc, func(ls []trace.Line) []trace.Line { ls[14].Clock = 5; return ls }, 16,
			"line 16 (seq 15): clock 5 is not larger than 6, the clock of the line that sent the message"},
		{"clock of a fault", fh, faults, func(ls []trace.Line) []trace.Line { ls[3].Clock = 2; return ls }, 5,
			"line 5 (seq 4): clock 2: a fault line's clock is its node's, 1"},
		{"trace ends inside a step", vch, vc, func(ls []trace.Line) []trace.Line { return ls[:20] }, 21,
			"line 21 (seq 20): the spec fires CommitOperations right after RecordPrepareOK in this step, and the trace ends before it"},
		{"second line of a step", vch, vc, func(ls []trace.Line) []trace.Line { ls[20].Action = "ReceiveCommit"; return ls }, 22,
			"line 22 (seq 21): want CommitOperations at replica 1 with the args of line 21: the spec fires it right after RecordPrepareOK, in the same step"},
		{"quorum rule first", vch, vc, func(ls []trace.Line) []trace.Line { ls[19].Action = "CommitOperations"; return ls }, 21,
			"CommitOperations at replica 1 is not enabled: the spec applies RecordPrepareOK to this PrepareOK first, then CommitOperations: two lines"},
		{"no such rule", vch, vc, func(ls []trace.Line) []trace.Line { ls[0].Action = "Frobnicate"; return ls }, 2,
			"Frobnicate at replica 0 is not enabled: the spec has no such rule"},
		{"another rule", vch, vc, func(ls []trace.Line) []trace.Line { ls[17].Action = "GetStateInView"; return ls }, 19,
			"GetStateInView at replica 0 is not enabled: its guard does not hold; the spec applies ReceivePrepare to this Prepare"},
		{"another event", vch, vc, func(ls []trace.Line) []trace.Line { ls[0].Action = "ReceivePrepare"; return ls }, 2,
			"ReceivePrepare at replica 0 is not enabled: it answers a Prepare, not a Request"},
		{"timeouts used up", vch, vc, func(ls []trace.Line) []trace.Line {
			extra := ls[1]
			extra.Node, extra.Clock = 0, 2
			return restamp(slices.Insert(ls, 3, extra), 4)
		}, 5, "StartViewChangeOnTimeout at replica 0 is not enabled: no ViewChangeTimeout is left within the bounds"},
		{"drops used up", vch, vc, func(ls []trace.Line) []trace.Line { ls[17].Action = trace.DropMessage; return ls }, 19,
			"DropMessage at replica 0 is not enabled: no drop is left within the bounds"},
		{"key the spec lacks", vch, vc, func(ls []trace.Line) []trace.Line {
			ls[0].State = json.RawMessage(strings.Replace(string(ls[0].State), `{`, `{"term":1,`, 1))
			return ls
		}, 2, "state differs from the spec's: term is not in the spec's state"},
		{"key missing", vch, vc, func(ls []trace.Line) []trace.Line {
			ls[0].State = json.RawMessage(strings.Replace(string(ls[0].State), `"nonce":0,`, ``, 1))
			return ls
		}, 2, "state differs from the spec's: no nonce, spec says 0"},
		{"log entry", vch, vc, func(ls []trace.Line) []trace.Line {
			ls[0].State = json.RawMessage(strings.Replace(string(ls[0].State), `"client":1,"request":1,"read":false}],"clientTable"`, `"client":2,"request":1,"read":false}],"clientTable"`, 1))
			return ls
		}, 2, `state differs from the spec's: log [{"op":"v2","client":2,"request":1,"read":false}], spec says [{"op":"v2","client":1,"request":1,"read":false}]`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lines := tt.change(slices.Clone(tt.lines))
			rej, err := trace.Validate(tt.h, lines)
			require.NoError(t, err)
			require.NotNil(t, rej, "accepted")
			require.Equal(t, tt.line, rej.Line, "%s", rej)
			require.Contains(t, rej.Error(), tt.want)
		})
	}
}

// TestValidateKeyOrderAndSpacing accepts a trace whose objects have their
// keys in another order and spaces between tokens: the validator compares
// JSON values.
func TestValidateKeyOrderAndSpacing(t *testing.T) {
	h, lines := readCorpus(t, "accept-viewchange.ndjson")
	for i := range lines {
		for _, raw := range []*json.RawMessage{&lines[i].Args, &lines[i].State} {
			var v map[string]any
			require.NoError(t, json.Unmarshal(*raw, &v))
			b, err := json.MarshalIndent(v, "", " ") // sorted keys, spaced
			require.NoError(t, err)
			*raw = b
		}
	}
	rej, err := trace.Validate(h, lines)
	require.NoError(t, err)
	require.Nil(t, rej, "%s", rej)
}

// TestExportWithSymmetry exports paths that a search with symmetry
// reduction found, whose states are known only up to a renaming of the
// values: the trace follows the states themselves and validates.
func TestExportWithSymmetry(t *testing.T) {
	c := config(t, "startview-in-normal", "true")
	o := modelcheck.Options{Workers: 1, Symmetry: true}
	res, err := modelcheck.Check[spec.Replica](checker.Protocol{}, c.InitialReplicas(), c.Bounds(), o)
	require.NoError(t, err)
	require.NotNil(t, res.Violation)
	h, lines, err := trace.Export(c, o, res.Violation.Path)
	require.NoError(t, err)
	rej, err := trace.Validate(h, lines)
	require.NoError(t, err)
	require.NotNil(t, rej)
	require.Equal(t, len(lines)+1, rej.Line, "%s", rej)
	require.Contains(t, rej.Reason, "breaks action CommitNeverDecreases")

	c.StartViewInNormal = false
	for seed := uint64(1); seed <= 20; seed++ {
		o := modelcheck.Options{Mode: modelcheck.Walk, Walks: 1, Seed: seed, Depth: 40, Symmetry: true}
		res, err := modelcheck.Check[spec.Replica](checker.Protocol{}, c.InitialReplicas(), c.Bounds(), o)
		require.NoError(t, err)
		require.Nil(t, res.Violation)
		h, lines, err := trace.Export(c, o, res.LastWalk)
		require.NoError(t, err)
		rej, err := trace.Validate(h, lines)
		require.NoError(t, err)
		require.Nil(t, rej, "seed %d: %s", seed, rej)
	}
}

// TestExportQuorumStep checks the two lines of a step that fires a quorum
// rule: the same node and args, the first rule's state, then both rules'.
func TestExportQuorumStep(t *testing.T) {
	_, lines := readCorpus(t, "accept-five.ndjson")
	i := slices.IndexFunc(lines, func(l trace.Line) bool { return l.Action == "CommitOperations" })
	require.Positive(t, i)
	first, second := lines[i-1], lines[i]
	require.Equal(t, "RecordPrepareOK", first.Action)
	require.Equal(t, first.Node, second.Node)
	require.Equal(t, string(first.Args), string(second.Args))
	require.Equal(t, first.Clock+1, second.Clock)
	require.Contains(t, string(first.State), `"commitNumber":0,`)
	require.Contains(t, string(first.State), `"prepareOKs":[{"op":1,"from":[1,3]}]`)
	require.Contains(t, string(second.State), `"commitNumber":1,`)
	require.Contains(t, string(second.State), `"prepareOKs":[]`)
}
