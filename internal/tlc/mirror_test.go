package tlc_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/generated"
	"github.com/viewstamped/vsr/lang"
)

var (
	actionRe    = regexp.MustCompile(`(?m)^(\w+)\(r, m\) == m\.type = "(\w+)" /\\ Step\(r, m, "(\w+)"\)$`)
	defRe       = regexp.MustCompile(`(?m)^(\w+) ==`)
	tableRe     = regexp.MustCompile(`type = "(\w+)" -> <<([^>]*)>>`)
	caseRe      = regexp.MustCompile(`rule = "(\w+)" -> (\w+)\(s, m\)`)
	callRe      = regexp.MustCompile(`(\w+)\(r, m\)`)
	alwaysRe    = regexp.MustCompile(`(?m)^Always(\w+) == \[\]\[(\w+)\]_vars$`)
	quotedRe    = regexp.MustCompile(`"(\w+)"`)
	sectionRe   = regexp.MustCompile(`(?m)^\(\* (.*?)\s*\*\)$`)
	actionNames = []string{"DropMessage", "DuplicateMessage"}
)

// block returns the text of the definition of name in src: from its line
// to the next blank line.
func block(src, name string) string {
	i := strings.Index(src, "\n"+name+" ==")
	if i < 0 {
		i = strings.Index(src, "\n"+name+"(")
	}
	if i < 0 {
		return ""
	}
	rest := src[i+1:]
	if j := strings.Index(rest, "\n\n"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// section returns the definitions under the comment banner that starts
// with title, up to the next banner.
func section(src, title string) string {
	locs := sectionRe.FindAllStringSubmatchIndex(src, -1)
	for k, loc := range locs {
		if strings.HasPrefix(src[loc[2]:loc[3]], title) {
			end := len(src)
			if k+1 < len(locs) {
				end = locs[k+1][0]
			}
			return src[loc[1]:end]
		}
	}
	return ""
}

// mirrorErrors lists every way in which the TLA+ source src fails to
// mirror the Go spec: rules without an action of the same name and the
// reverse, actions on the wrong event, dispatch tables in another order,
// and invariants or action properties missing on either side.
func mirrorErrors(src string) []string {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }

	goRules := map[string]lang.RuleInfo{}
	for _, r := range generated.Rules[1:] {
		goRules[r.Name] = r
	}

	// One action per rule, with its name and its event.
	tlaActions := map[string]bool{}
	for _, m := range actionRe.FindAllStringSubmatch(src, -1) {
		name, event, step := m[1], m[2], m[3]
		tlaActions[name] = true
		if name != step {
			bad("action %s takes the step of %s", name, step)
		}
		r, ok := goRules[name]
		switch {
		case !ok:
			bad("action %s has no rule of that name in spec/", name)
		case r.Event != event:
			bad("action %s answers %s; the rule answers %s", name, event, r.Event)
		}
	}
	for _, r := range generated.Rules[1:] {
		if !tlaActions[r.Name] {
			bad("rule %s (%s) has no action of that name in VSR.tla", r.Name, r.Pos)
		}
	}

	// Next takes every action, and no other.
	var inNext []string
	for _, m := range callRe.FindAllStringSubmatch(block(src, "RuleStep"), -1) {
		if m[1] != "RuleStep" {
			inNext = append(inNext, m[1])
		}
	}
	for name := range tlaActions {
		if !slices.Contains(inNext, name) {
			bad("action %s is not in RuleStep, so Next never takes it", name)
		}
	}
	for _, name := range inNext {
		if !tlaActions[name] {
			bad("RuleStep takes %s, which is not an action of a rule", name)
		}
	}

	// Guard and Apply name every rule's operators.
	for _, table := range []string{"Guard", "Apply"} {
		seen := map[string]bool{}
		for _, m := range caseRe.FindAllStringSubmatch(block(src, table), -1) {
			seen[m[1]] = true
			if m[2] != m[1]+table {
				bad("%s maps %s to %s", table, m[1], m[2])
			}
		}
		for name := range goRules {
			if !seen[name] {
				bad("%s has no case for rule %s", table, name)
			}
		}
	}

	// The dispatch tables list each event's rules in the Go order.
	for _, table := range []struct {
		name   string
		quorum bool
	}{{"EventRules", false}, {"QuorumRules", true}} {
		want := map[string][]string{}
		for _, r := range generated.Rules[1:] {
			if (r.Trigger == lang.OnQuorum) == table.quorum {
				want[r.Event] = append(want[r.Event], r.Name)
			}
		}
		got := map[string][]string{}
		for _, m := range tableRe.FindAllStringSubmatch(block(src, table.name), -1) {
			for _, q := range quotedRe.FindAllStringSubmatch(m[2], -1) {
				got[m[1]] = append(got[m[1]], q[1])
			}
		}
		for event, rules := range want {
			if !slices.Equal(got[event], rules) {
				bad("%s of %s is %v; the Go dispatch order is %v", table.name, event, got[event], rules)
			}
		}
		for event := range got {
			if want[event] == nil {
				bad("%s has rules for %s, which no rule of spec/ answers", table.name, event)
			}
		}
	}

	// The invariants, under their banner, are the Go invariants.
	var goInvariants, goActions []string
	for _, inv := range generated.Invariants {
		goInvariants = append(goInvariants, inv.Name)
	}
	for _, a := range generated.Actions {
		goActions = append(goActions, a.Name)
	}
	var tlaInvariants []string
	for _, m := range defRe.FindAllStringSubmatch(section(src, "Invariants"), -1) {
		tlaInvariants = append(tlaInvariants, m[1])
	}
	for _, name := range goInvariants {
		if !slices.Contains(tlaInvariants, name) {
			bad("invariant %s has no definition in VSR.tla", name)
		}
	}
	for _, name := range tlaInvariants {
		if !slices.Contains(goInvariants, name) {
			bad("VSR.tla defines invariant %s, which spec/ does not have", name)
		}
	}

	// Each action property is an action formula and a property that
	// checks it in every step.
	var tlaActionProps []string
	for _, m := range alwaysRe.FindAllStringSubmatch(section(src, "Action properties"), -1) {
		if m[1] != m[2] {
			bad("Always%s checks %s", m[1], m[2])
		}
		tlaActionProps = append(tlaActionProps, m[1])
	}
	for _, name := range goActions {
		if !slices.Contains(tlaActionProps, name) || block(section(src, "Action properties"), name) == "" {
			bad("action property %s has no definition and Always%s property in VSR.tla", name, name)
		}
	}
	for _, name := range tlaActionProps {
		if !slices.Contains(goActions, name) {
			bad("VSR.tla has action property %s, which spec/ does not have", name)
		}
	}

	// The network's faults are actions too, for traces.
	for _, name := range actionNames {
		if block(src, name) == "" {
			bad("VSR.tla has no action %s", name)
		}
	}
	return errs
}

func readVSR(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(tlaDir, "VSR.tla"))
	require.NoError(t, err)
	return string(b)
}

// TestMirror checks that VSR.tla has one action per rule of spec/, with
// its name, its event and its place in the dispatch order, and the same
// invariants and action properties.
func TestMirror(t *testing.T) {
	require.Empty(t, mirrorErrors(readVSR(t)))
}

// TestMirrorCatches shows that each kind of drift is found.
func TestMirrorCatches(t *testing.T) {
	src := readVSR(t)
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"action missing", "\nSendCommit(r, m) == m.type = \"CommitTimeout\" /\\ Step(r, m, \"SendCommit\")\n", "\n",
			"rule SendCommit (" + generated.Rules[generated.RuleSendCommit].Pos + ") has no action of that name in VSR.tla"},
		{"action renamed", "ReceiveCommit(r, m) == m.type", "ReceiveCommits(r, m) == m.type",
			"action ReceiveCommits has no rule of that name in spec/"},
		{"action on another event", `ReceiveCommit(r, m) == m.type = "Commit"`, `ReceiveCommit(r, m) == m.type = "Prepare"`,
			"action ReceiveCommit answers Prepare; the rule answers Commit"},
		{"action not in Next", `\/ SendCommit(r, m) \/ CrashReplica(r, m)`, `\/ CrashReplica(r, m)`,
			"action SendCommit is not in RuleStep, so Next never takes it"},
		{"dispatch order", `<<"ReceivePrepare", "GetStateInView", "GetStateOnNewerPrepare">>`,
			`<<"GetStateInView", "ReceivePrepare", "GetStateOnNewerPrepare">>`,
			"EventRules of Prepare is [GetStateInView ReceivePrepare GetStateOnNewerPrepare]; the Go dispatch order is [ReceivePrepare GetStateInView GetStateOnNewerPrepare]"},
		{"quorum rule missing", `type = "DoViewChange" -> <<"StartNewView", "FetchDoViewChange">>`, `type = "DoViewChange" -> <<"StartNewView">>`,
			"QuorumRules of DoViewChange is [StartNewView]; the Go dispatch order is [StartNewView FetchDoViewChange]"},
		{"guard missing", "[] rule = \"SendNewState\" -> SendNewStateGuard(s, m)\n", "",
			"Guard has no case for rule SendNewState"},
		{"invariant missing", "\nExecutedAtMostOnce ==", "\nExecutedOnce ==",
			"invariant ExecutedAtMostOnce has no definition in VSR.tla"},
		{"action property missing", "AlwaysCommitNeverDecreases == [][CommitNeverDecreases]_vars", "",
			"action property CommitNeverDecreases has no definition and AlwaysCommitNeverDecreases property in VSR.tla"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Contains(t, src, tc.old)
			mutated := strings.Replace(src, tc.old, tc.new, 1)
			require.Contains(t, mirrorErrors(mutated), tc.want)
		})
	}
}
