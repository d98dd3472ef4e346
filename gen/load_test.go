package gen_test

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/gen"
	"github.com/viewstamped/vsr/gen/load"
)

// invalidSpecs maps each case under testdata/invalid to the exact lines
// gen.Render reports for it. Each case is a spec that is valid Go but for
// its defects; the package comment of its spec.go says what they are.
var invalidSpecs = map[string][]string{
	"mapfield": {
		"gen/testdata/invalid/mapfield/spec.go:22: vsrgen: ir: type Ping: field Votes: unsupported type map[ReplicaIndex]bool: a message or the state holds only fixed-width integers, bools, strings, byte slices, slices, arrays and structs of the spec",
	},
	"funcfield": {
		"gen/testdata/invalid/funcfield/spec.go:17: vsrgen: ir: type Replica: field Commit: unsupported type func(uint64): a message or the state holds only fixed-width integers, bools, strings, byte slices, slices, arrays and structs of the spec",
	},
	"chanfield": {
		"gen/testdata/invalid/chanfield/spec.go:22: vsrgen: ir: type Entry: field Done: unsupported type chan struct{}: a message or the state holds only fixed-width integers, bools, strings, byte slices, slices, arrays and structs of the spec",
	},
	"interfacefield": {
		"gen/testdata/invalid/interfacefield/spec.go:22: vsrgen: ir: type Ping: field Payload: unsupported type any: a message or the state holds only fixed-width integers, bools, strings, byte slices, slices, arrays and structs of the spec",
	},
	"actionsignature": {
		"gen/testdata/invalid/actionsignature/spec.go:38: vsrgen: ir: action CountGrows: must be func(before, after *Replica) error, not func([]Replica) error",
	},
	"reconfiguresignature": {
		"gen/testdata/invalid/reconfiguresignature/spec.go:37: vsrgen: ir: reconfigure NewReconfiguration: must be func(ClientID, N, E, S) R with N, E and S integer types and R a request, not func(ClientID, uint64, uint32, []ReplicaIndex) Request",
	},
	"generatednames": {
		"gen/testdata/invalid/generatednames/spec.go:23: vsrgen: ir: type Kind: the generated name Kind is taken by the generated package itself; rename the type",
		"gen/testdata/invalid/generatednames/spec.go:33: vsrgen: ir: rule None: the generated name RuleNone is taken by the generated package itself; rename the rule",
	},
	"unexported": {
		"gen/testdata/invalid/unexported/spec.go:23: vsrgen: ir: type Ping: field nonce: unexported; the generated package cannot reach it",
		"gen/testdata/invalid/unexported/spec.go:27: vsrgen: ir: rule receivePing: unexported; the generated package cannot call it",
	},
	"intfield": {
		"gen/testdata/invalid/intfield/spec.go:22: vsrgen: ir: type Ping: field View: unsupported type int: use a fixed-width integer type",
	},
	"guardnoresult": {
		"gen/testdata/invalid/guardnoresult/spec.go:27: vsrgen: ir: rule ReceivePing: Guard must be func(*Replica, T) bool, not func(*Replica, *Ping)",
	},
	"guardbyvalue": {
		"gen/testdata/invalid/guardbyvalue/spec.go:25: vsrgen: ir: rule ReceivePing: trigger Ping is taken by value; Guard and Apply take *Ping",
	},
	"applysignature": {
		"gen/testdata/invalid/applysignature/spec.go:29: vsrgen: ir: rule ReceivePing: Apply must be func(*Replica, *Ping, *lang.Effects[R, C]), not func(*Replica, *Ping)",
	},
	"unknownmessage": {
		"gen/testdata/invalid/unknownmessage/spec.go:31: vsrgen: ir: rule ReceiveNote: trigger *Note is not a message, request or timeout of the spec, QuorumOf[M], lang.Crash or lang.Restart",
	},
	"rulenosection": {
		"gen/testdata/invalid/rulenosection/spec.go:25: vsrgen: ir: rule ReceivePing: //vsr:rule names no paper section; write the section the rule implements, as in //vsr:rule 4.1",
	},
	"quorumunconsumed": {
		"gen/testdata/invalid/quorumunconsumed/spec.go:26: vsrgen: ir: rule PingQuorum: no rule consumes Ping, so QuorumOf[Ping] never fires",
	},
	// A rule is a Go type, so two rules with one name are two declarations
	// of one type, and their methods are declared twice. The Go type
	// checker rejects the package before vsrgen reads any rule; the loader
	// reports its errors as load errors, with the type checker's own words
	// and the positions made relative to the module. The ir stage has no
	// check of its own for duplicate rule names: it could never be reached.
	"duplicaterule": {
		"gen/testdata/invalid/duplicaterule/spec.go:32: vsrgen: load: ReceivePing redeclared in this block; other declaration of ReceivePing at gen/testdata/invalid/duplicaterule/spec.go:25",
		"gen/testdata/invalid/duplicaterule/spec.go:34: vsrgen: load: method ReceivePing.Guard already declared at gen/testdata/invalid/duplicaterule/spec.go:27:20",
		"gen/testdata/invalid/duplicaterule/spec.go:36: vsrgen: load: method ReceivePing.Apply already declared at gen/testdata/invalid/duplicaterule/spec.go:29:20",
	},
	"guardassign": {
		"gen/testdata/invalid/guardassign/spec.go:28: vsrgen: ir: rule ReceivePing: Guard writes r.Count; a guard only reads",
	},
	"guardincrement": {
		"gen/testdata/invalid/guardincrement/spec.go:28: vsrgen: ir: rule ReceivePing: Guard writes r.Count; a guard only reads",
	},
	"guardclear": {
		"gen/testdata/invalid/guardclear/spec.go:28: vsrgen: ir: rule ReceivePing: Guard writes r.Log; a guard only reads",
	},
	"guardwritesmessage": {
		"gen/testdata/invalid/guardwritesmessage/spec.go:30: vsrgen: ir: rule ReceivePing: Guard writes m.From; a guard only reads",
	},
	"invariantsignature": {
		"gen/testdata/invalid/invariantsignature/spec.go:32: vsrgen: ir: invariant CountBounded: must be func([]Replica) error or func([]Replica, []R) error with R a reply, not func(*Replica) bool",
	},
	"unknownmarker": {
		"gen/testdata/invalid/unknownmarker/spec.go:24: vsrgen: load: unknown marker //vsr:foo",
	},
	"replytrigger": {
		"gen/testdata/invalid/replytrigger/spec.go:31: vsrgen: ir: rule ReceivePong: Pong is a reply, which goes to clients: no replica receives it",
	},
	// With no state there is nothing to check rules against; the error
	// points at the spec's first declaration.
	"nostate": {
		"gen/testdata/invalid/nostate/spec.go:8: vsrgen: ir: no replica state: mark one struct //vsr:state",
	},
	// The ir stage checks structs, then rules, then invariants; the spec
	// declares them the other way round, and the errors still come out in
	// spec order.
	"severaldefects": {
		"gen/testdata/invalid/severaldefects/spec.go:16: vsrgen: ir: invariant CountBounded: must be func([]Replica) error or func([]Replica, []R) error with R a reply, not func([]Replica) bool",
		"gen/testdata/invalid/severaldefects/spec.go:22: vsrgen: ir: rule ReceivePing: Guard writes r.Count; a guard only reads",
		"gen/testdata/invalid/severaldefects/spec.go:31: vsrgen: ir: type Replica: field Peers: unsupported type map[ReplicaIndex]bool: a message or the state holds only fixed-width integers, bools, strings, byte slices, slices, arrays and structs of the spec",
		"gen/testdata/invalid/severaldefects/spec.go:37: vsrgen: ir: type Ping: field View: unsupported type int: use a fixed-width integer type",
	},
	"severalloaddefects": {
		"gen/testdata/invalid/severalloaddefects/spec.go:22: vsrgen: load: marker //vsr:invariant applies to a function, not type Bounded",
		"gen/testdata/invalid/severalloaddefects/spec.go:25: vsrgen: load: second marker //vsr:request after //vsr:message; a declaration takes one",
		"gen/testdata/invalid/severalloaddefects/spec.go:35: vsrgen: load: unknown marker //vsr:apply",
	},
}

// TestRenderInvalidSpecs renders each invalid spec and checks every line
// of the error: position relative to the module, stage and message.
func TestRenderInvalidSpecs(t *testing.T) {
	for name, want := range invalidSpecs {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", "invalid", name)
			files, err := gen.Render(dir, filepath.Join(dir, "out"))
			require.Error(t, err)
			require.Nil(t, files)
			require.Equal(t, strings.Join(want, "\n"), err.Error())

			var errs load.Errors
			require.True(t, errors.As(err, &errs), "error is %T, not load.Errors", err)
			require.Len(t, errs, len(want))
			for i, e := range errs {
				require.Equal(t, want[i], e.Error())
			}
			require.True(t, sort.SliceIsSorted(errs, func(i, j int) bool {
				a, b := errs[i].Pos, errs[j].Pos
				return a.File < b.File || a.File == b.File && a.Line < b.Line
			}), "errors out of spec order")
		})
	}
}

// TestInvalidSpecsAllChecked fails when a case under testdata/invalid has
// no expected errors, or an expected case has no directory.
func TestInvalidSpecsAllChecked(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join("testdata", "invalid"))
	require.NoError(t, err)
	var dirs, cases []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	for name := range invalidSpecs {
		cases = append(cases, name)
	}
	sort.Strings(cases)
	require.Equal(t, cases, dirs)
}
